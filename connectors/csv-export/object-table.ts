/**
 * The in-memory picture of a file-based target: every object it holds, per type, and how
 * one Change alters it. The full-mode CSV target and the JSON target both load their
 * file(s) into these tables, apply the change set in the order given, and write the result
 * back once, so a failure before the write leaves the files exactly as they were.
 */
import type { Attrs, Change, ChangeResult, CurrentObject, ObjectType } from '../../src/sdk/types.js';
import { setOwn } from '../../src/util/collections.js';

export interface TableRow {
  key: string;
  parentKey: string | null;
  active: boolean;
  /**
   * Own properties only, set through setOwn(): names come from configuration or from a
   * file's header and may be anything, `__proto__` included. Read them with ownValue().
   */
  attrs: Attrs;
}

/** Rows by key, in file order: existing rows keep their place, new ones are appended. */
export type ObjectTable = Map<string, TableRow>;

const applied = (change: Change): ChangeResult => ({ changeId: change.id, status: 'applied' });
const failed = (change: Change, errorKind: string, message: string): ChangeResult => ({
  changeId: change.id,
  status: 'failed',
  errorKind,
  message,
});

/**
 * Applies one change to its type's table. Failures are per change (an object that is not
 * there, a create of one that is): the rest of the batch still goes through.
 */
export function applyChange(table: ObjectTable, change: Change): ChangeResult {
  const row = table.get(change.key);
  const setAttrs = (target: TableRow) => {
    for (const a of change.attrs) setOwn(target.attrs, a.name, a.new);
  };
  switch (change.action) {
    // A create of a key the table holds comes from a run resumed after a crash, or a plan
    // applied twice: the row takes the created values, as a replace would (idempotency).
    case 'create':
    case 'replace': {
      // Delete + create in one step; the row keeps its place in the file.
      const replaced = { key: change.key, parentKey: change.parentKey, active: true, attrs: {} };
      setAttrs(replaced);
      table.set(change.key, replaced);
      return applied(change);
    }
    case 'update':
    case 'move': {
      if (!row) return failed(change, 'not-found', `${change.type} ${change.key} is not in the export`);
      if (change.action === 'move') row.parentKey = change.parentKey;
      if (change.enable) row.active = true;
      setAttrs(row);
      return applied(change);
    }
    case 'disable': {
      if (!row) return failed(change, 'not-found', `${change.type} ${change.key} is not in the export`);
      row.active = false;
      setAttrs(row);
      return applied(change);
    }
    case 'delete':
      // Deleting what is already gone reaches the desired state all the same.
      table.delete(change.key);
      return applied(change);
  }
}

/**
 * Applies a whole batch in the order given (batch: 'all'). A change whose `after`
 * dependency failed or was skipped in this batch is skipped: a position must not appear
 * in a unit whose creation failed. `check` may refuse a change before it is applied.
 */
export function applyBatch(
  changes: readonly Change[],
  applyOne: (change: Change) => ChangeResult,
  check: (change: Change) => string | undefined = () => undefined,
): ChangeResult[] {
  const notApplied = new Set<string>();
  return changes.map((change) => {
    const blocker = change.after.find((id) => notApplied.has(id));
    let result: ChangeResult;
    if (blocker !== undefined) {
      result = { changeId: change.id, status: 'skipped', message: `skipped: ${blocker} did not succeed` };
    } else {
      const problem = check(change);
      result = problem === undefined ? applyOne(change) : failed(change, 'invalid-value', problem);
    }
    if (result.status !== 'applied') notApplied.add(change.id);
    return result;
  });
}

/** The row as the engine sees it; the attributes are shared, not copied (read() hands out fresh tables). */
export function toCurrentObject(type: ObjectType, row: TableRow): CurrentObject {
  return { type, key: row.key, parentKey: row.parentKey, attrs: row.attrs, disabled: !row.active };
}

/** Types touched by at least one applied change: only their files are rewritten. */
export function changedTypes(changes: readonly Change[], results: readonly ChangeResult[]): Set<ObjectType> {
  const types = new Set<ObjectType>();
  changes.forEach((c, i) => {
    if (results[i]?.status === 'applied') types.add(c.type);
  });
  return types;
}

/**
 * Files are written one type at a time. When one write fails, the changes of the types
 * already written did reach the target and must be reported applied (the engine would
 * otherwise apply them twice); the changes of the failed type are reported failed.
 */
export function markWriteFailures(
  changes: readonly Change[],
  results: ChangeResult[],
  failures: ReadonlyMap<ObjectType, { kind: string; message: string }>,
): ChangeResult[] {
  return results.map((r, i) => {
    const failure = failures.get(changes[i]!.type);
    if (!failure || r.status !== 'applied') return r;
    return { changeId: r.changeId, status: 'failed', errorKind: failure.kind, message: failure.message };
  });
}
