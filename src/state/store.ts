/**
 * The state orgsync keeps between runs, behind one interface with two implementations:
 * an embedded single-file store (SQLite, the default: no server) and PostgreSQL.
 *
 * Everything is written item by item: each applied change is recorded (object row,
 * audit row, pending row removed) in one transaction as soon as its result is known,
 * so a process killed at any point loses nothing and the next run resumes.
 *
 * Nothing here holds personal data in clear: person keys are pseudonyms, attribute
 * values are kept only as keyed fingerprints, and audit rows name attributes, not values.
 */
import type { Change, ChangeResult, ObjectType } from '../sdk/types.js';

/** What orgsync last applied to a target for one object. */
export interface StoredObject {
  target: string;
  type: ObjectType;
  key: string;
  targetId: string | null;
  parentKey: string | null;
  /** attribute name -> keyed fingerprint of the value applied. */
  fingerprints: Record<string, string>;
  disabled: boolean;
  appliedAt: string;
}

/**
 * interrupted: stopped by a signal (SIGTERM) or found dead (its lock taken over); what it
 * applied is recorded, the rest is planned again by the next run.
 * busy: every target it wanted was locked by another run; nothing was done.
 */
export type RunStatus =
  | 'running'
  | 'succeeded'
  | 'partial'
  | 'failed'
  | 'blocked'
  | 'refused'
  | 'interrupted'
  | 'busy';

export interface RunRecord {
  id: string;
  command: string;
  startedAt: string;
  finishedAt: string | null;
  status: RunStatus;
  asOf: string | null;
  sourceFingerprint: string | null;
  /** Counts and per-target outcome, no personal data. */
  summary: Record<string, unknown>;
}

export interface AuditRecord {
  runId: string;
  target: string;
  changeId: string;
  action: Change['action'];
  type: ObjectType;
  key: string;
  status: ChangeResult['status'];
  /** Names of the attributes the change set (never their values). */
  attributes: string[];
  message: string | null;
  /** The connector's error kind of a failed change (transient, invalid-value, ...). */
  errorKind: string | null;
  /** Calls made for the change, retries included, when the executor counted them. */
  attempts: number | null;
  at: string;
}

/** Counts of the last snapshot accepted from a source: the baseline for the shrink check. */
export interface Baseline {
  source: string;
  units: number;
  persons: number;
  positions: number;
  fingerprint: string;
  acceptedAt: string;
}

export interface PendingRecord {
  runId: string;
  target: string;
  change: Change;
  at: string;
}

/** A lease on a name (`target:ad`): who holds it, for which run, until when. */
export interface LockRecord {
  name: string;
  runId: string;
  /** Unique per process instance (host, pid and a random part), so a restarted pid is not taken for the old one. */
  holder: string;
  host: string;
  pid: number;
  acquiredAt: string;
  expiresAt: string;
}
export type LockClaim = Omit<LockRecord, 'acquiredAt' | 'expiresAt'>;

export type LockResult =
  /** `previous`: the expired or dead holder's lock that was taken over, if any. */
  { acquired: true; previous: LockRecord | null } | { acquired: false; held: LockRecord };

/** One result to record: the change, its result, and the object row to write (see recordResult). */
export interface ResultItem {
  change: Change;
  result: ChangeResult;
  object: StoredObject | null | undefined;
}

export interface StateStore {
  /** Creates or upgrades the schema. Idempotent; safe to call on every start. */
  migrate(): Promise<void>;
  close(): Promise<void>;

  loadObjects(target: string): Promise<StoredObject[]>;
  /**
   * Records the durable ids a target reported for objects orgsync already holds (an AD
   * objectGUID learnt on read, not at create). Rows that do not exist are left alone.
   */
  setTargetIds(
    target: string,
    ids: readonly { type: ObjectType; key: string; targetId: string }[],
  ): Promise<void>;

  /**
   * Replaces everything held for a target with `objects`, in one transaction: after a full
   * run has read the target, the store mirrors it, so delta runs can plan without reading.
   */
  replaceObjects(target: string, objects: readonly StoredObject[]): Promise<void>;

  startRun(run: Omit<RunRecord, 'finishedAt' | 'status' | 'summary'>): Promise<void>;
  finishRun(id: string, status: RunStatus, summary: Record<string, unknown>): Promise<void>;
  listRuns(limit: number): Promise<RunRecord[]>;
  getRun(id: string): Promise<RunRecord | null>;

  /**
   * Marks changes as handed to a connector, before the call. The pending rows hold the
   * change without attribute values (values may be personal data): attribute names, and
   * the values' keyed fingerprints where the engine gives them (AttrChange.fingerprint).
   */
  addPending(runId: string, target: string, changes: readonly Change[]): Promise<void>;
  listPending(target: string): Promise<PendingRecord[]>;
  clearPending(target: string, changeIds: readonly string[]): Promise<void>;

  /**
   * Records one change's result in a single transaction: the audit row, the pending row
   * removed, and when applied, the object row written (`object`) or removed (`null`).
   */
  recordResult(
    runId: string,
    target: string,
    change: Change,
    result: ChangeResult,
    object: StoredObject | null | undefined,
  ): Promise<void>;

  /**
   * Records many results in ONE transaction: for connectors that apply a whole change set
   * in one call (batch 'all'), whose results arrive together. Same rules as recordResult.
   */
  recordResults(runId: string, target: string, items: readonly ResultItem[]): Promise<void>;

  listAudit(filter: { runId?: string; target?: string; limit?: number }): Promise<AuditRecord[]>;

  getBaseline(source: string): Promise<Baseline | null>;
  setBaseline(baseline: Baseline): Promise<void>;

  /**
   * Takes the named lock for `claim.holder` until `expiresAt` when it is free, expired at
   * `now`, already this holder's, or held by `staleHolder` (a holder the caller has proved
   * dead). One transaction: of two claimants, exactly one gets it.
   */
  acquireLock(
    claim: LockClaim,
    at: { now: string; expiresAt: string },
    staleHolder?: string,
  ): Promise<LockResult>;
  /** Extends a held lock; false when this holder no longer holds it (taken over). */
  renewLock(name: string, holder: string, expiresAt: string): Promise<boolean>;
  /** Releases the lock if this holder holds it; otherwise does nothing. */
  releaseLock(name: string, holder: string): Promise<void>;
  listLocks(): Promise<LockRecord[]>;

  /** A per-installation value (the fingerprint key, schema info). */
  getMeta(name: string): Promise<string | null>;
  setMeta(name: string, value: string): Promise<void>;
}
