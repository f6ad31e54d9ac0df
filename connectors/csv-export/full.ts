/**
 * Full mode: `units.csv`, `persons.csv`, `positions.csv` each hold every object of their
 * type, disabled ones included (active=false). apply() reads the current files, applies
 * the batch in memory and rewrites only the files of types that changed; read() parses
 * them back, typed through the sidecar, so that the engine's next plan is empty.
 */
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { ConnectorContext, TargetSession } from '../../src/sdk/connector.js';
import { ConnectorError } from '../../src/sdk/errors.js';
import type { Change, ChangeResult, CurrentObject, ObjectType } from '../../src/sdk/types.js';
import { writeFileAtomic } from '../../src/util/atomic-file.js';
import { ownValue, setOwn } from '../../src/util/collections.js';
import { escapeCell, fromCell, toCell, unescapeCell } from './cells.js';
import {
  type CsvExportConfig,
  FULL_COLUMNS,
  fullFileName,
  reservedAttribute,
  typesFileName,
} from './config.js';
import { parseCsv, renderCsv } from './csv-io.js';
import { checkDirectory, fsError, readIfExists } from './file-target.js';
import {
  applyBatch,
  applyChange,
  changedTypes,
  markWriteFailures,
  type ObjectTable,
  type TableRow,
  toCurrentObject,
} from './object-table.js';
import { buildSidecar, csvDigest, TagLookup, TypesSidecar } from './types-sidecar.js';

export function openFullSession(cfg: CsvExportConfig, ctx: ConnectorContext): TargetSession {
  return {
    check: () => checkDirectory(cfg.directory),
    read: async (types) => {
      const out: CurrentObject[] = [];
      for (const type of types) {
        const table = await loadTable(cfg, type, ctx.logger);
        for (const row of table.values()) out.push(toCurrentObject(type, row));
      }
      return out;
    },
    apply: (changes, { signal }) => applyFull(cfg, ctx, changes, signal),
  };
}

async function applyFull(
  cfg: CsvExportConfig,
  ctx: ConnectorContext,
  changes: readonly Change[],
  signal: AbortSignal,
): Promise<ChangeResult[]> {
  signal.throwIfAborted();
  // Always from disk: the files are the truth, and someone may have replaced them since read().
  const tables = new Map<ObjectType, ObjectTable>();
  for (const type of new Set(changes.map((c) => c.type))) {
    tables.set(type, await loadTable(cfg, type, ctx.logger));
  }

  const results = applyBatch(changes, (c) => applyChange(tables.get(c.type)!, c), reservedAttribute);
  // Last point at which stopping leaves every file untouched.
  signal.throwIfAborted();
  const failures = new Map<ObjectType, ConnectorError>();
  for (const type of changedTypes(changes, results)) {
    try {
      await writeTable(cfg, type, tables.get(type)!, ctx.logger);
    } catch (e) {
      failures.set(type, fsError(e, `cannot write ${fullFileName(cfg, type)}`));
    }
  }
  return markWriteFailures(changes, results, failures);
}

async function loadTable(cfg: CsvExportConfig, type: ObjectType, logger: Logger): Promise<ObjectTable> {
  const file = fullFileName(cfg, type);
  const table: ObjectTable = new Map();
  const text = await readIfExists(join(cfg.directory, file), file);
  if (text === undefined) return table;
  const { header, rows } = parseCsv(text, cfg, file);
  if (header.length === 0) return table;

  const [keyAt, parentAt, activeAt] = FULL_COLUMNS.map((name) => {
    const at = header.indexOf(name);
    if (at < 0) {
      throw new ConnectorError(
        'invalid-config',
        `${file} has no "${name}" column; was it written with another delimiter than "${cfg.delimiter}"?`,
      );
    }
    return at;
  }) as [number, number, number];
  if (new Set(header).size !== header.length)
    throw new ConnectorError('conflict', `${file} repeats a column name`);
  const attrColumns = header.flatMap((name, at) =>
    FULL_COLUMNS.some((f) => f === name) ? [] : [{ name, at }],
  );

  const tags = new TagLookup(await loadSidecar(cfg, file, text, logger));
  for (const cells of rows) {
    const key = unescapeCell(cells[keyAt] ?? '');
    if (table.has(key)) throw new ConnectorError('conflict', `${file} holds ${type} ${key} twice`);
    const row: TableRow = {
      key,
      parentKey: unescapeCell(cells[parentAt] ?? '') || null,
      active: unescapeCell(cells[activeAt] ?? '') !== 'false',
      attrs: {},
    };
    for (const { name, at } of attrColumns) {
      const value = fromCell(cells[at] ?? '', tags.tag(key, name));
      if (value !== undefined) setOwn(row.attrs, name, value);
    }
    table.set(key, row);
  }
  return table;
}

async function loadSidecar(
  cfg: CsvExportConfig,
  csvFile: string,
  csvText: string,
  logger: Logger,
): Promise<TypesSidecar | undefined> {
  const file = typesFileName(csvFile);
  const text = await readIfExists(join(cfg.directory, file), file);
  if (text === undefined) return undefined;
  let parsed: TypesSidecar | undefined;
  try {
    parsed = TypesSidecar.parse(JSON.parse(text));
  } catch {
    parsed = undefined;
  }
  if (parsed?.csvSha256 === csvDigest(csvText)) return parsed;
  logger.warn(
    { file: csvFile },
    'CSV export and its types file do not match (edited, or a crash between the two writes); reading values as text, the next apply rewrites both',
  );
  return undefined;
}

async function writeTable(
  cfg: CsvExportConfig,
  type: ObjectType,
  table: ObjectTable,
  logger: Logger,
): Promise<void> {
  const file = fullFileName(cfg, type);
  const rows = [...table.values()];
  // Union of every object's attributes, sorted: the same data always gives the same columns.
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r.attrs)))].sort();
  const csv = renderCsv(
    [...FULL_COLUMNS, ...columns],
    rows.map((r) => [
      escapeCell(r.key),
      escapeCell(r.parentKey ?? ''),
      r.active ? 'true' : 'false',
      ...columns.map((c) => toCell(ownValue(r.attrs, c))),
    ]),
    cfg,
  );
  // The CSV is the change; once it is in place the changes are applied. The sidecar only
  // types the values: if it fails, read() sees a digest mismatch and the engine repairs it.
  await writeFileAtomic(join(cfg.directory, file), csv);
  logger.info({ file, objects: rows.length }, 'wrote CSV export');
  const typesFile = typesFileName(file);
  try {
    await writeFileAtomic(
      join(cfg.directory, typesFile),
      `${JSON.stringify(buildSidecar(rows, columns, csv))}\n`,
    );
  } catch (e) {
    logger.warn(
      { file: typesFile, err: (e as Error).message },
      'could not write the types file of a CSV export',
    );
  }
}
