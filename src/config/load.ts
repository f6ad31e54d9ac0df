/**
 * Reads the configuration file once, validates it (the file, then each connector's block
 * with the connector's own schema, then the mappings), and returns it frozen with the
 * connectors resolved and the mappings compiled. Every error names the path.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { OrgsyncError } from '../errors.js';
import { type CompiledMappings, compileTargetMappings } from '../mapping/desired.js';
import { ExpressionError } from '../mapping/expression.js';
import { findConnector, loadConnectorModules } from '../registry.js';
import type { SourceConnector, TargetConnector } from '../sdk/connector.js';
import type { ObjectType } from '../sdk/types.js';
import { Config, type RemovalPolicy, type TargetConfig } from './schema.js';

export interface LoadedTarget {
  config: TargetConfig;
  connector: TargetConnector;
  connectorConfig: unknown;
  mappings: CompiledMappings;
  onRemove: Record<ObjectType, RemovalPolicy>;
}

export interface LoadedConfig {
  path: string;
  config: Config;
  source: { connector: SourceConnector; connectorConfig: unknown };
  targets: LoadedTarget[];
}

/** "targets[0].config.directory: expected string" for each issue. */
export function formatIssues(error: z.ZodError, prefix: (string | number)[] = []): string[] {
  return error.issues.map((i) => {
    const path = [...prefix, ...i.path]
      .map((p, n) => (typeof p === 'number' ? `[${p}]` : n === 0 ? String(p) : `.${String(p)}`))
      .join('');
    return `${path || '(top)'}: ${i.message}`;
  });
}

function invalid(path: string, problems: string[]): never {
  throw new OrgsyncError(
    'ORGSYNC_CONFIG_INVALID',
    `configuration ${path} is invalid:\n  ${problems.join('\n  ')}`,
    {
      details: problems,
    },
  );
}

export async function loadConfig(path: string): Promise<LoadedConfig> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new OrgsyncError('ORGSYNC_CONFIG_NOT_FOUND', `configuration file ${path} cannot be read`);
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (e) {
    invalid(path, [`not valid YAML: ${(e as Error).message.split('\n')[0]}`]);
  }
  const parsed = Config.safeParse(raw);
  if (!parsed.success) invalid(path, formatIssues(parsed.error));
  const config = parsed.data;
  await loadConnectorModules(config.connectorModules, dirname(resolve(path)));
  const problems: string[] = [];

  const sourceConnector = findConnector(config.source.connector);
  let source: LoadedConfig['source'] | undefined;
  if (sourceConnector?.kind !== 'source') {
    problems.push(`source.connector: no source connector named "${config.source.connector}"`);
  } else {
    const sc = sourceConnector.configSchema.safeParse(config.source.config);
    if (sc.success) source = { connector: sourceConnector, connectorConfig: sc.data };
    else problems.push(...formatIssues(sc.error, ['source', 'config']));
  }

  const targets: LoadedTarget[] = [];
  config.targets.forEach((t, i) => {
    const connector = findConnector(t.connector);
    if (connector?.kind !== 'target') {
      problems.push(`targets[${i}].connector: no target connector named "${t.connector}"`);
      return;
    }
    const cc = connector.configSchema.safeParse(t.config);
    if (!cc.success) {
      problems.push(...formatIssues(cc.error, ['targets', i, 'config']));
      return;
    }
    const onRemove =
      typeof t.onRemove === 'string'
        ? { unit: t.onRemove, person: t.onRemove, position: t.onRemove }
        : {
            unit: t.onRemove.unit ?? 'disable',
            person: t.onRemove.person ?? 'disable',
            position: t.onRemove.position ?? 'disable',
          };
    if (t.deleteDisabledAfterDays !== undefined && !connector.capabilities.delete)
      problems.push(`targets[${i}].deleteDisabledAfterDays: connector ${connector.name} cannot delete`);
    for (const [type, policy] of Object.entries(onRemove)) {
      if (policy !== 'ignore' && t.objects[type as ObjectType] && !connector.capabilities[policy]) {
        problems.push(
          `targets[${i}].onRemove: connector ${connector.name} cannot ${policy} (${type}); use one of its capabilities or ignore`,
        );
      }
    }
    try {
      targets.push({
        config: t,
        connector,
        connectorConfig: cc.data,
        mappings: compileTargetMappings(t, connector.objectTypes, i),
        onRemove,
      });
    } catch (e) {
      if (!(e instanceof ExpressionError)) throw e;
      problems.push(e.message);
    }
  });
  if (problems.length > 0 || !source) invalid(path, problems);
  return Object.freeze({ path, config, source, targets });
}
