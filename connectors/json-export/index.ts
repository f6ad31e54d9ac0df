/**
 * JSON export target: the whole organisation as orgsync delivers it, in one file
 * `<directory>/orgsync-export.json`, for consumers that prefer one structured document to
 * three spreadsheets. The file is rewritten atomically on every apply; see README.md.
 */
import { join } from 'node:path';
import { z } from 'zod';
import { type ConnectorContext, defineTarget, type TargetSession } from '../../src/sdk/connector.js';
import { ConnectorError } from '../../src/sdk/errors.js';
import type { Change, ChangeResult, CurrentObject } from '../../src/sdk/types.js';
import { writeFileAtomic } from '../../src/util/atomic-file.js';
import { checkDirectory, fsError, readIfExists } from '../csv-export/file-target.js';
import { applyBatch, applyChange, toCurrentObject } from '../csv-export/object-table.js';
import { emptyTables, parseExport, renderExport, type Tables } from './format.js';

export const EXPORT_FILE = 'orgsync-export.json';

export const JsonExportConfig = z.strictObject({
  /** An existing directory; it is not created, so a missing mount fails loudly. */
  directory: z.string().trim().min(1, 'must name a directory'),
});
export type JsonExportConfig = z.infer<typeof JsonExportConfig>;

export const jsonExportTarget = defineTarget({
  name: 'json-export',
  description: `One JSON file (${EXPORT_FILE}) holding every unit, person and position`,
  configSchema: JsonExportConfig,
  capabilities: { create: true, update: true, move: true, disable: true, delete: true, read: true },
  objectTypes: ['unit', 'person', 'position'],
  // One file: the whole change set is applied in memory and written once.
  batch: 'all',
  open: (config: JsonExportConfig, ctx: ConnectorContext): TargetSession => {
    const path = join(config.directory, EXPORT_FILE);
    return {
      check: () => checkDirectory(config.directory),
      read: async (types) => {
        const tables = await load(path);
        return types.flatMap((type): CurrentObject[] =>
          [...tables[type].values()].map((r) => toCurrentObject(type, r)),
        );
      },
      apply: (changes, { signal }) => apply(path, ctx, changes, signal),
    };
  },
});

async function load(path: string): Promise<Tables> {
  const text = await readIfExists(path, EXPORT_FILE);
  if (text === undefined) return emptyTables();
  try {
    return parseExport(JSON.parse(text));
  } catch (e) {
    // Written atomically by this target, so a file that does not parse was put there by someone else.
    throw new ConnectorError(
      'conflict',
      `${EXPORT_FILE} is not an orgsync export of format 1: ${(e as Error).message}`,
      {
        cause: e,
      },
    );
  }
}

async function apply(
  path: string,
  ctx: ConnectorContext,
  changes: readonly Change[],
  signal: AbortSignal,
): Promise<ChangeResult[]> {
  signal.throwIfAborted();
  const tables = await load(path);
  const results = applyBatch(changes, (c) => applyChange(tables[c.type], c));
  if (!results.some((r) => r.status === 'applied')) return results;
  // Last point at which stopping leaves the file untouched.
  signal.throwIfAborted();
  try {
    // One file, one rename: either every applied change is in it or none is, so a failure fails them all.
    await writeFileAtomic(path, renderExport(tables, new Date()));
  } catch (e) {
    throw fsError(e, `cannot write ${EXPORT_FILE}`);
  }
  ctx.logger.info(
    {
      file: EXPORT_FILE,
      units: tables.unit.size,
      persons: tables.person.size,
      positions: tables.position.size,
    },
    'wrote JSON export',
  );
  return results;
}
