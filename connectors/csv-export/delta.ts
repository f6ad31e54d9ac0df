/**
 * Delta mode: every apply() writes new files `<prefix><types>-<UTC timestamp>-<seq>.csv`
 * holding only the changed objects, with a leading `action` column, for consumers that
 * import changes rather than a full picture. Nothing is ever rewritten, so the target
 * cannot be read back; instead each delta file gets a manifest of the change ids in it,
 * written *before* the CSV is renamed into place, and recover() consults the manifests
 * whose CSV made it.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { z } from 'zod';
import type {
  ApplyContext,
  ConnectorContext,
  PendingChange,
  TargetSession,
} from '../../src/sdk/connector.js';
import type { ConnectorError } from '../../src/sdk/errors.js';
import { type Change, type ChangeResult, OBJECT_TYPES, type ObjectType } from '../../src/sdk/types.js';
import { writeFileAtomic } from '../../src/util/atomic-file.js';
import { escapeCell, toCell } from './cells.js';
import { type CsvExportConfig, DELTA_COLUMNS, reservedAttribute, TYPE_FILE_STEM } from './config.js';
import { renderCsv } from './csv-io.js';
import { checkDirectory, fsError } from './file-target.js';
import { applyBatch, markWriteFailures } from './object-table.js';

export function openDeltaSession(cfg: CsvExportConfig, ctx: ConnectorContext): TargetSession {
  return {
    check: () => checkDirectory(cfg.directory),
    apply: (changes, applyCtx) => applyDelta(cfg, ctx, changes, applyCtx),
    recover: (pending) => recoverDelta(cfg, pending, ctx.logger),
  };
}

/**
 * The manifest next to each delta file: which run wrote it and which changes are in it.
 * The run id and the change id together name one attempt, so recover() can tell this
 * run's change from an earlier run's change to the same object. No attribute values.
 */
const Manifest = z.object({
  formatVersion: z.literal(1),
  file: z.string(),
  runId: z.string(),
  writtenAt: z.string(),
  changes: z.array(z.object({ id: z.string(), action: z.string() })),
});
type Manifest = z.infer<typeof Manifest>;

const MANIFEST_SUFFIX = '.changes.json';
export const manifestName = (csvName: string): string => `${csvName}${MANIFEST_SUFFIX}`;

async function applyDelta(
  cfg: CsvExportConfig,
  ctx: ConnectorContext,
  changes: readonly Change[],
  { runId, signal }: ApplyContext,
): Promise<ChangeResult[]> {
  signal.throwIfAborted();
  // Nothing to look up: every change is applied by being written, unless its attributes clash.
  const results = applyBatch(changes, (c) => ({ changeId: c.id, status: 'applied' }), reservedAttribute);
  const byType = new Map<ObjectType, Change[]>();
  changes.forEach((c, i) => {
    if (results[i]?.status === 'applied') byType.set(c.type, [...(byType.get(c.type) ?? []), c]);
  });
  if (byType.size === 0) return results;

  const batchId = await nextBatchId(cfg);
  const failures = new Map<ObjectType, ConnectorError>();
  for (const type of OBJECT_TYPES) {
    const typeChanges = byType.get(type);
    if (!typeChanges) continue;
    const file = `${cfg.fileNamePrefix}${TYPE_FILE_STEM[type]}-${batchId}.csv`;
    try {
      await writeDeltaFile(cfg, file, runId, typeChanges);
      ctx.logger.info({ file, changes: typeChanges.length }, 'wrote CSV delta');
    } catch (e) {
      failures.set(type, fsError(e, `cannot write ${file}`));
    }
  }
  return markWriteFailures(changes, results, failures);
}

async function writeDeltaFile(
  cfg: CsvExportConfig,
  file: string,
  runId: string,
  changes: readonly Change[],
): Promise<void> {
  const columns = [...new Set(changes.flatMap((c) => c.attrs.map((a) => a.name)))].sort();
  const rows = changes.map((c) => {
    const values = new Map(c.attrs.map((a) => [a.name, a.new]));
    return [
      c.action,
      escapeCell(c.key),
      escapeCell(c.parentKey ?? ''),
      escapeCell(c.action === 'move' || c.action === 'replace' ? (c.oldParentKey ?? '') : ''),
      activeCell(c),
      // Which attribute cells carry a value: an empty cell alone cannot tell "cleared" from "unchanged".
      escapeCell(c.attrs.map((a) => a.name).join('|')),
      ...columns.map((name) => (values.has(name) ? toCell(values.get(name)) : '')),
    ];
  });
  const manifest: Manifest = {
    formatVersion: 1,
    file,
    runId,
    writtenAt: new Date().toISOString(),
    changes: changes.map((c) => ({ id: c.id, action: c.action })),
  };
  // Manifest first: a manifest without its CSV means "never arrived"; the reverse cannot happen.
  await writeFileAtomic(join(cfg.directory, manifestName(file)), `${JSON.stringify(manifest)}\n`);
  await writeFileAtomic(join(cfg.directory, file), renderCsv([...DELTA_COLUMNS, ...columns], rows, cfg));
}

/** 'true' when the change leaves the object active, 'false' when disabled, '' when unchanged. */
function activeCell(c: Change): string {
  if (c.action === 'create' || c.action === 'replace' || c.enable) return 'true';
  return c.action === 'disable' ? 'false' : '';
}

const DELTA_NAME = /^(units|persons|positions)-(\d{8}T\d{6}Z)-(\d+)\.csv(\.changes\.json)?$/;

interface DeltaName {
  name: string;
  stamp: string;
  seq: number;
  isManifest: boolean;
}

async function listDeltaFiles(cfg: CsvExportConfig): Promise<DeltaName[]> {
  let names: string[];
  try {
    names = await readdir(cfg.directory);
  } catch (e) {
    throw fsError(e, `cannot list ${cfg.directory}`);
  }
  return names.flatMap((name) => {
    if (!name.startsWith(cfg.fileNamePrefix)) return [];
    const m = DELTA_NAME.exec(name.slice(cfg.fileNamePrefix.length));
    return m ? [{ name, stamp: m[2]!, seq: Number(m[3]), isManifest: m[4] !== undefined }] : [];
  });
}

/**
 * `<UTC yyyymmddThhmmssZ>-<seq>`, shared by the files of one apply. seq counts batches
 * within the same second and is one past any existing file's (orphaned manifests too), so
 * a name is never reused and sorting by (stamp, seq) is the order of writing.
 */
async function nextBatchId(cfg: CsvExportConfig): Promise<string> {
  const stamp = new Date()
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replace(/[-:]/g, '');
  const seqs = (await listDeltaFiles(cfg)).filter((f) => f.stamp === stamp).map((f) => f.seq);
  const seq = Math.max(0, ...seqs) + 1;
  return `${stamp}-${String(seq).padStart(4, '0')}`;
}

/** A pending change reached the target when a delta file of its run that made it into place lists it. */
async function recoverDelta(
  cfg: CsvExportConfig,
  pending: readonly PendingChange[],
  logger: Logger,
): Promise<Map<string, boolean>> {
  // The engine asks on every run; only after a crash is there anything to look for.
  if (pending.length === 0) return new Map();
  const files = await listDeltaFiles(cfg);
  const present = new Set(files.filter((f) => !f.isManifest).map((f) => f.name));
  const written = new Set<string>();
  for (const f of files.filter((x) => x.isManifest)) {
    // Its CSV never got renamed into place: the crash came between the two writes.
    if (!present.has(f.name.slice(0, -MANIFEST_SUFFIX.length))) continue;
    const manifest = await readManifest(cfg, f.name, logger);
    if (!manifest) continue;
    for (const entry of manifest.changes) written.add(JSON.stringify([manifest.runId, entry.id]));
  }
  return new Map(pending.map((p) => [p.change.id, written.has(JSON.stringify([p.runId, p.change.id]))]));
}

async function readManifest(
  cfg: CsvExportConfig,
  name: string,
  logger: Logger,
): Promise<Manifest | undefined> {
  let text: string;
  try {
    text = await readFile(join(cfg.directory, name), 'utf8');
  } catch (e) {
    throw fsError(e, `cannot read ${name}`);
  }
  try {
    return Manifest.parse(JSON.parse(text));
  } catch {
    // Manifests are written atomically, so this one was edited; it cannot prove anything.
    logger.warn({ file: name }, 'ignoring an unreadable CSV delta manifest');
    return undefined;
  }
}
