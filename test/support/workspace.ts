/**
 * A throwaway working directory with a generated OPUS export and a configuration,
 * for tests that run orgsync end to end.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import type { ChurnRates } from '../../src/generate/churn.js';
import { generateToDirectory } from '../../src/generate/index.js';

export const LEDGER_PLUGIN = fileURLToPath(new URL('./ledger-plugin.ts', import.meta.url));

export interface Workspace {
  dir: string;
  hrDir: string;
  configPath: string;
  /** Writes the configuration, merging `targets` into the common part. */
  writeConfig(targets: unknown[], extra?: Record<string, unknown>): string;
}

export async function makeWorkspace(opts: {
  persons: number;
  seed?: number;
  asOf: string;
  days?: number;
  rates?: Partial<ChurnRates>;
}): Promise<Workspace & { files: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'orgsync-ws-'));
  const hrDir = join(dir, 'hr');
  const files = await generateToDirectory({
    dir: hrDir,
    seed: opts.seed ?? 1,
    persons: opts.persons,
    asOf: opts.asOf,
    days: opts.days ?? 0,
    ...(opts.rates ? { rates: opts.rates } : {}),
  });
  writeFileSync(join(dir, 'pseudonym.key'), 'test-pseudonym-key\n');
  const configPath = join(dir, 'orgsync.yaml');
  return {
    dir,
    hrDir,
    files,
    configPath,
    writeConfig(targets, extra = {}) {
      const config = {
        source: { connector: 'opus-xml', config: { path: hrDir } },
        privacy: { pseudonymKey: { file: join(dir, 'pseudonym.key') } },
        state: { kind: 'sqlite', path: join(dir, 'state.db') },
        workDir: join(dir, 'work'),
        connectorModules: [LEDGER_PLUGIN],
        targets,
        ...extra,
      };
      writeFileSync(configPath, stringify(config));
      return configPath;
    },
  };
}

/** A ledger target mapping units and persons, as most tests want. */
export const ledgerTargetConfig = (
  name: string,
  file: string,
  canRead: boolean,
  extra: Record<string, unknown> = {},
) => ({
  name,
  connector: 'ledger',
  config: { file, canRead },
  objects: {
    unit: { attributes: { name: '${unit.name}', manager: '${manager.key}' } },
    person: {
      attributes: {
        name: '${person.givenName} ${person.surname}',
        title: '${position.title}',
        unit: '${unit.key}',
      },
    },
  },
  onRemove: 'disable',
  concurrency: 4,
  ...extra,
});
