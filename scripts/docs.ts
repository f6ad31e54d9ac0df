/** npm run docs: writes the generated documents (see src/docs.ts). */
import { writeFileSync } from 'node:fs';
import { errorsMarkdown, planJsonSchema } from '../src/docs.js';

writeFileSync('docs/errors.md', errorsMarkdown());
writeFileSync('docs/plan.schema.json', planJsonSchema());
process.stdout.write('written: docs/errors.md, docs/plan.schema.json\n');
