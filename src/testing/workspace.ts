/**
 * A throwaway folder laid out as an installation that reads its HR data from one JSON file
 * (json-hr): the export, a pseudonym key, a SQLite state store and the configuration. The
 * conformance suite and connector tests that drive the engine with a hand-made
 * organisation write their files through it.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';

export interface JsonHrWorkspace {
  dir: string;
  /** Writes the HR export (a json-hr document, e.g. an Organisation). */
  writeHr(hr: unknown): void;
  /** Writes the configuration with these targets; returns its path. */
  writeConfig(targets: readonly unknown[]): string;
}

export function jsonHrWorkspace(prefix = 'orgsync-'): JsonHrWorkspace {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  writeFileSync(join(dir, 'pseudonym.key'), 'test-pseudonym-key\n');
  const configPath = join(dir, 'orgsync.yaml');
  return {
    dir,
    writeHr: (hr) => writeFileSync(join(dir, 'hr.json'), JSON.stringify(hr)),
    writeConfig(targets) {
      writeFileSync(
        configPath,
        stringify({
          source: { connector: 'json-hr', config: { path: join(dir, 'hr.json') } },
          privacy: { pseudonymKey: { file: join(dir, 'pseudonym.key') } },
          state: { kind: 'sqlite', path: join(dir, 'state.db') },
          workDir: join(dir, 'work'),
          targets,
        }),
      );
      return configPath;
    },
  };
}
