/** npm run docs: writes the generated documents (see src/docs.ts). */
import { writeFileSync } from 'node:fs';
import { configJsonSchema, errorsMarkdown, planJsonSchema } from '../src/docs.js';
import { BUILT_IN } from '../src/registry.js';

writeFileSync('docs/errors.md', errorsMarkdown());
writeFileSync('docs/plan.schema.json', planJsonSchema());
writeFileSync('docs/config.schema.json', configJsonSchema(BUILT_IN));
process.stdout.write('written: docs/errors.md, docs/plan.schema.json, docs/config.schema.json\n');
