/**
 * Rules both state stores share, so SQLite and PostgreSQL store exactly the same thing:
 * how timestamps are normalised, what of a change a pending row keeps, and what a
 * recorded result does to the object row.
 */
import { OrgsyncError } from '../errors.js';
import type { Change, ChangeResult } from '../sdk/types.js';
import type { LockRecord, StoredObject } from './store.js';

/**
 * Timestamps cross the interface as ISO-8601 strings and are stored normalised to UTC with
 * milliseconds (`2024-05-01T08:00:00.000Z`): both engines then return the same string, and
 * SQLite can order them as text. An unparseable timestamp is a bug in the caller.
 */
export function isoTimestamp(value: string, field: string): string {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new OrgsyncError('ORGSYNC_INTERNAL', `${field} is not a timestamp: ${value}`);
  return new Date(ms).toISOString();
}

export const nowIso = (): string => new Date().toISOString();

/**
 * The audit row of a result, in the column order both stores use: run, target, change id,
 * action, type, key, status, attribute names (JSON), message, error kind, attempts, time.
 */
export function auditRow(runId: string, target: string, change: Change, result: ChangeResult): unknown[] {
  return [
    runId,
    target,
    change.id,
    change.action,
    change.type,
    change.key,
    result.status,
    JSON.stringify(auditAttributes(change)),
    result.message ?? null,
    result.errorKind ?? null,
    result.attempts ?? null,
    nowIso(),
  ];
}

/**
 * What a pending row keeps of a change. Attribute VALUES are dropped (`new` set to null,
 * `old` removed) because they may be personal data and the state store holds none in
 * clear; the attribute names stay, so an operator can see what an interrupted change was
 * about to set. `label` goes too: it may be a person's display name.
 */
export function pendingChange(change: Change): Change {
  const { label: _label, ...rest } = change;
  return {
    ...rest,
    // Names, sensitivity and fingerprints stay; values (old and new) never reach the store.
    attrs: change.attrs.map((a) => ({
      name: a.name,
      new: null,
      ...(a.sensitive === undefined ? {} : { sensitive: a.sensitive }),
      ...(a.fingerprint === undefined ? {} : { fingerprint: a.fingerprint }),
    })),
  };
}

/** The attribute names an audit row lists (never their values). */
export const auditAttributes = (change: Change): string[] => change.attrs.map((a) => a.name);

/**
 * What recordResult does to the object row: only an applied change touches it, and then
 * `object` says how (a row to write, `null` to remove it, `undefined` to leave it).
 * A failed or skipped change leaves the row as it was, so the next plan still sees what
 * the target last held according to orgsync.
 */
export type ObjectWrite = { kind: 'none' } | { kind: 'upsert'; object: StoredObject } | { kind: 'delete' };

export function objectWrite(
  target: string,
  change: Change,
  result: ChangeResult,
  object: StoredObject | null | undefined,
): ObjectWrite {
  // A mismatch here would file the result under the wrong change or target: refuse it
  // rather than write a wrong row that the next plan would trust.
  if (result.changeId !== change.id) {
    throw new OrgsyncError(
      'ORGSYNC_INTERNAL',
      `result for ${result.changeId} recorded against change ${change.id}`,
    );
  }
  if (object && (object.target !== target || object.type !== change.type || object.key !== change.key)) {
    throw new OrgsyncError(
      'ORGSYNC_INTERNAL',
      `object ${object.target}:${object.type}:${object.key} recorded for change ${change.id} on ${target}`,
    );
  }
  if (result.status !== 'applied' || object === undefined) return { kind: 'none' };
  return object === null ? { kind: 'delete' } : { kind: 'upsert', object };
}

/**
 * Whether `claimant` may take a lock as it is held: it is its own, it has expired at `now`
 * (ISO strings of one form compare as times), or it belongs to a holder proved dead.
 */
export function lockIsFree(held: LockRecord, claimant: string, now: string, staleHolder?: string): boolean {
  return held.holder === claimant || held.expiresAt <= now || held.holder === staleHolder;
}
