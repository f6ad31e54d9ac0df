import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configJsonSchema, errorsMarkdown, planJsonSchema } from '../../src/docs.js';
import { ERRORS } from '../../src/errors.js';
import { BUILT_IN } from '../../src/registry.js';

describe('generated documents are in step with the code (npm run docs)', () => {
  it('docs/errors.md lists every error code', () => {
    expect(readFileSync('docs/errors.md', 'utf8')).toBe(errorsMarkdown());
    for (const code of Object.keys(ERRORS)) expect(errorsMarkdown()).toContain(code);
  });
  it('docs/plan.schema.json is the plan schema', () => {
    expect(readFileSync('docs/plan.schema.json', 'utf8')).toBe(planJsonSchema());
  });
  it('docs/config.schema.json is the configuration schema, each connector config by its own schema', () => {
    const text = configJsonSchema(BUILT_IN);
    expect(readFileSync('docs/config.schema.json', 'utf8')).toBe(text);
    const schema = JSON.parse(text);
    const items = schema.properties.targets.items;
    const targets = BUILT_IN.filter((c) => c.kind === 'target').map((c) => c.name);
    expect(items.properties.connector.enum).toEqual(targets);
    const sql = items.allOf.find(
      (a: { if: { properties: { connector: { const: string } } } }) =>
        a.if.properties.connector.const === 'sql',
    );
    expect(sql.then.properties.config.properties).toHaveProperty('tables');
    expect(schema.properties.source.properties.connector.enum).toContain('opus-xml');
  });
});
