import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { errorsMarkdown, planJsonSchema } from '../../src/docs.js';
import { ERRORS } from '../../src/errors.js';

describe('generated documents are in step with the code (npm run docs)', () => {
  it('docs/errors.md lists every error code', () => {
    expect(readFileSync('docs/errors.md', 'utf8')).toBe(errorsMarkdown());
    for (const code of Object.keys(ERRORS)) expect(errorsMarkdown()).toContain(code);
  });
  it('docs/plan.schema.json is the plan schema', () => {
    expect(readFileSync('docs/plan.schema.json', 'utf8')).toBe(planJsonSchema());
  });
});
