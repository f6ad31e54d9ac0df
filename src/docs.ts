/**
 * Documents generated from the code, so that they cannot drift: the error catalogue
 * (docs/errors.md), the plan's JSON Schema (docs/plan.schema.json) and the configuration
 * file's (docs/config.schema.json).
 * `npm run docs` writes them; a unit test fails when the committed copies differ.
 */
import { z } from 'zod';
import { Config } from './config/schema.js';
import { ERRORS, EXIT } from './errors.js';
import { PlanSchema } from './plan/plan.js';
import type { AnyConnector } from './sdk/connector.js';
import { secretRegistry } from './sdk/secret.js';

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

type JsonSchema = Record<string, unknown>;

/** A connector's config schema as JSON Schema: what the YAML may hold (input), secrets marked. */
export function connectorJsonSchema(c: AnyConnector): JsonSchema {
  const { $schema: _, ...schema } = z.toJSONSchema(c.configSchema, {
    io: 'input',
    unrepresentable: 'any',
    metadata: secretRegistry,
  }) as JsonSchema;
  return schema;
}

/**
 * The configuration file's JSON Schema, with each source's and target's `config` checked by
 * the schema of the connector it names: an editor (the YAML language server) completes and
 * checks a whole configuration with it.
 */
export function configJsonSchema(connectors: readonly AnyConnector[]): string {
  const schema = z.toJSONSchema(Config, {
    target: 'draft-2020-12',
    io: 'input',
    unrepresentable: 'any',
    metadata: secretRegistry,
  }) as JsonSchema & { properties: Record<string, JsonSchema> };
  const byConnector = (kind: AnyConnector['kind']) => {
    const named = connectors.filter((c) => c.kind === kind);
    return {
      properties: { connector: { enum: named.map((c) => c.name) } },
      allOf: named.map((c) => ({
        if: { properties: { connector: { const: c.name } }, required: ['connector'] },
        // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then, not a thenable
        then: { properties: { config: connectorJsonSchema(c) } },
      })),
    };
  };
  const { properties } = schema;
  properties['source'] = { ...properties['source'], ...merge(properties['source']!, byConnector('source')) };
  const targets = properties['targets']!;
  targets['items'] = merge(targets['items'] as JsonSchema, byConnector('target'));
  return `${JSON.stringify({ title: 'orgsync configuration', ...schema }, null, 2)}\n`;
}

/** `base` with the connector names and per-connector config schemas added. */
function merge(base: JsonSchema, extra: { properties: JsonSchema; allOf: JsonSchema[] }): JsonSchema {
  const properties = base['properties'] as Record<string, JsonSchema>;
  return {
    ...base,
    properties: {
      ...properties,
      connector: { ...properties['connector'], ...(extra.properties['connector'] as JsonSchema) },
    },
    allOf: extra.allOf,
  };
}
