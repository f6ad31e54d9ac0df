/**
 * Documents generated from the code, so that they cannot drift: the error catalogue
 * (docs/errors.md) and the plan's JSON Schema (docs/plan.schema.json).
 * `npm run docs` writes them; a unit test fails when the committed copies differ.
 */
import { z } from 'zod';
import { ERRORS, EXIT } from './errors.js';
import { PlanSchema } from './plan/plan.js';

export function errorsMarkdown(): string {
  const exitNames = new Map<number, string>(Object.entries(EXIT).map(([name, code]) => [code, name]));
  const lines = [
    '# Errors and exit codes',
    '',
    '<!-- Generated from src/errors.ts by `npm run docs`; do not edit by hand. -->',
    '',
    'Every error orgsync reports carries one of these codes, a message that names the record,',
    'file or setting concerned, and the hint below.',
    '',
    '## Exit codes',
    '',
    '| code | meaning |',
    '| --- | --- |',
    ...Object.entries(EXIT).map(([name, code]) => `| ${code} | ${name} |`),
    '',
    '## Error codes',
    '',
    '| code | exit | what to do |',
    '| --- | --- | --- |',
    ...Object.entries(ERRORS).map(
      ([code, def]) => `| \`${code}\` | ${def.exit} (${exitNames.get(def.exit)}) | ${def.hint} |`,
    ),
    '',
  ];
  return lines.join('\n');
}

export function planJsonSchema(): string {
  const schema = z.toJSONSchema(PlanSchema, { target: 'draft-2020-12' });
  return JSON.stringify({ title: 'orgsync plan', ...schema }, null, 2) + '\n';
}
