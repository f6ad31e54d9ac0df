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

export type RunStatus = 'running' | 'succeeded' | 'partial' | 'failed' | 'blocked' | 'refused';

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

  /** A per-installation value (the fingerprint key, schema info). */
  getMeta(name: string): Promise<string | null>;
  setMeta(name: string, value: string): Promise<void>;
}
