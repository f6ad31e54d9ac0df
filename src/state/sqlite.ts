/**
 * The embedded state store: one SQLite file, no server. The default.
 *
 * Durability: WAL journal with synchronous=NORMAL. A commit is in the WAL file before
 * recordResult returns, so a killed process (SIGKILL, OOM) loses nothing; the WAL is
 * fsynced at checkpoints, so a power cut or OS crash may lose the last commits but never
 * corrupts the file, and the next run re-reads or re-plans what they held. FULL (an fsync
 * per commit) measured 3-10 times slower here: 60,000 results took 18-73 s.
 * Each result is its own transaction (recordResults groups a batch connector's results).
 *
 * better-sqlite3 is synchronous; the methods are async only to share the interface with
 * PostgreSQL. Each runs to completion on the event loop, so calls cannot interleave.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { OrgsyncError } from '../errors.js';
import type { Change, ChangeResult, ObjectType } from '../sdk/types.js';
import { migrationsToApply, SCHEMA_MIGRATIONS_SQL } from './migrations.js';
import {
  auditRow,
  isoTimestamp,
  lockIsFree,
  nowIso,
  type ObjectWrite,
  objectWrite,
  pendingChange,
} from './records.js';
import type {
  AuditRecord,
  Baseline,
  LockClaim,
  LockRecord,
  LockResult,
  PendingRecord,
  ResultItem,
  RunRecord,
  RunStatus,
  StateStore,
  StoredObject,
} from './store.js';

/** How long a write waits for another process holding the file's write lock. */
const BUSY_TIMEOUT_MS = 10_000;

type Db = Database.Database;

interface ObjectRow {
  target: string;
  type: string;
  key: string;
  target_id: string | null;
  parent_key: string | null;
  fingerprints: string;
  disabled: number;
  applied_at: string;
}
interface RunRow {
  id: string;
  command: string;
  started_at: string;
  finished_at: string | null;
  status: string;
  as_of: string | null;
  source_fingerprint: string | null;
  summary: string;
}
interface AuditRow {
  run_id: string;
  target: string;
  change_id: string;
  action: string;
  type: string;
  key: string;
  status: string;
  attributes: string;
  message: string | null;
  error_kind: string | null;
  attempts: number | null;
  at: string;
}
interface PendingRow {
  run_id: string;
  target: string;
  change: string;
  at: string;
}
interface LockRow {
  name: string;
  run_id: string;
  holder: string;
  host: string;
  pid: number;
  acquired_at: string;
  expires_at: string;
}
const toLock = (r: LockRow): LockRecord => ({
  name: r.name,
  runId: r.run_id,
  holder: r.holder,
  host: r.host,
  pid: r.pid,
  acquiredAt: r.acquired_at,
  expiresAt: r.expires_at,
});
interface BaselineRow {
  source: string;
  units: number;
  persons: number;
  positions: number;
  fingerprint: string;
  accepted_at: string;
}

export async function openSqliteStore(path: string): Promise<StateStore> {
  let db: Db | undefined;
  try {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    db = new Database(path);
    // First, so that even switching the journal mode waits for another process's lock.
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    // WAL: readers never block the writer and a commit is a sequential append.
    // NORMAL: see the file comment; safe against a killed process, not an fsync per commit.
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    // Reading the schema here surfaces "file is not a database" now, not at first use.
    db.prepare('SELECT count(*) FROM sqlite_schema').get();
  } catch (e) {
    db?.close();
    throw new OrgsyncError(
      'ORGSYNC_STATE_UNAVAILABLE',
      `cannot open the state file ${path}: ${e instanceof Error ? e.message : String(e)}`,
      { details: [path], cause: e },
    );
  }
  return new SqliteStore(db);
}

/** The prepared statements, created once (after the schema exists). */
function prepare(db: Db) {
  return {
    loadObjects: db.prepare<[string], ObjectRow>('SELECT * FROM objects WHERE target = ? ORDER BY type, key'),
    upsertObject: db.prepare(
      `INSERT INTO objects (target, type, key, target_id, parent_key, fingerprints, disabled, applied_at)
       VALUES (@target, @type, @key, @targetId, @parentKey, @fingerprints, @disabled, @appliedAt)
       ON CONFLICT (target, type, key) DO UPDATE SET
         target_id = excluded.target_id, parent_key = excluded.parent_key,
         fingerprints = excluded.fingerprints, disabled = excluded.disabled, applied_at = excluded.applied_at`,
    ),
    deleteObjects: db.prepare('DELETE FROM objects WHERE target = ?'),
    deleteObject: db.prepare('DELETE FROM objects WHERE target = ? AND type = ? AND key = ?'),
    setTargetId: db.prepare('UPDATE objects SET target_id = ? WHERE target = ? AND type = ? AND key = ?'),
    insertRun: db.prepare(
      `INSERT INTO runs (id, command, started_at, finished_at, status, as_of, source_fingerprint, summary)
       VALUES (@id, @command, @startedAt, NULL, 'running', @asOf, @sourceFingerprint, '{}')`,
    ),
    finishRun: db.prepare('UPDATE runs SET status = ?, summary = ?, finished_at = ? WHERE id = ?'),
    listRuns: db.prepare<[number], RunRow>('SELECT * FROM runs ORDER BY started_at DESC, id DESC LIMIT ?'),
    getRun: db.prepare<[string], RunRow>('SELECT * FROM runs WHERE id = ?'),
    upsertPending: db.prepare(
      `INSERT INTO pending (target, change_id, run_id, change, at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (target, change_id) DO UPDATE SET
         run_id = excluded.run_id, change = excluded.change, at = excluded.at`,
    ),
    listPending: db.prepare<[string], PendingRow>(
      'SELECT * FROM pending WHERE target = ? ORDER BY at, change_id',
    ),
    deletePending: db.prepare('DELETE FROM pending WHERE target = ? AND change_id = ?'),
    insertAudit: db.prepare(
      `INSERT INTO audit (run_id, target, change_id, action, type, key, status, attributes, message,
         error_kind, attempts, at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    getBaseline: db.prepare<[string], BaselineRow>('SELECT * FROM baselines WHERE source = ?'),
    upsertBaseline: db.prepare(
      `INSERT INTO baselines (source, units, persons, positions, fingerprint, accepted_at)
       VALUES (@source, @units, @persons, @positions, @fingerprint, @acceptedAt)
       ON CONFLICT (source) DO UPDATE SET units = excluded.units, persons = excluded.persons,
         positions = excluded.positions, fingerprint = excluded.fingerprint, accepted_at = excluded.accepted_at`,
    ),
    getMeta: db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE name = ?'),
    getLock: db.prepare<[string], LockRow>('SELECT * FROM locks WHERE name = ?'),
    putLock: db.prepare(
      `INSERT INTO locks (name, run_id, holder, host, pid, acquired_at, expires_at)
       VALUES (@name, @runId, @holder, @host, @pid, @acquiredAt, @expiresAt)
       ON CONFLICT (name) DO UPDATE SET run_id = excluded.run_id, holder = excluded.holder,
         host = excluded.host, pid = excluded.pid, acquired_at = excluded.acquired_at,
         expires_at = excluded.expires_at`,
    ),
    renewLock: db.prepare('UPDATE locks SET expires_at = ? WHERE name = ? AND holder = ?'),
    releaseLock: db.prepare('DELETE FROM locks WHERE name = ? AND holder = ?'),
    listLocks: db.prepare<[], LockRow>('SELECT * FROM locks ORDER BY name'),
    upsertMeta: db.prepare(
      'INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value',
    ),
  };
}
type Statements = ReturnType<typeof prepare>;

/**
 * Wraps `fn` in a transaction that takes the write lock at BEGIN (IMMEDIATE). A deferred
 * transaction that reads first and writes later fails with SQLITE_BUSY at its first write,
 * without waiting, when another process committed meanwhile; IMMEDIATE waits busy_timeout.
 */
function writeTx<A extends unknown[], R>(db: Db, fn: (...args: A) => R): (...args: A) => R {
  const tx = db.transaction(fn);
  return (...args: A) => tx.immediate(...args);
}

const objectParams = (target: string, o: StoredObject) => ({
  target,
  type: o.type,
  key: o.key,
  targetId: o.targetId,
  parentKey: o.parentKey,
  fingerprints: JSON.stringify(o.fingerprints),
  disabled: o.disabled ? 1 : 0,
  appliedAt: isoTimestamp(o.appliedAt, 'appliedAt'),
});

/** The write transactions, built once with the statements they use. */
function transactions(db: Db, s: Statements) {
  const recordOne = (
    runId: string,
    target: string,
    change: Change,
    result: ChangeResult,
    write: ObjectWrite,
  ) => {
    s.insertAudit.run(...auditRow(runId, target, change, result));
    s.deletePending.run(target, change.id);
    if (write.kind === 'delete') s.deleteObject.run(target, change.type, change.key);
    if (write.kind === 'upsert') {
      s.upsertObject.run(objectParams(target, write.object));
    }
  };
  return {
    acquireLock: writeTx(
      db,
      (claim: LockClaim, now: string, expiresAt: string, staleHolder: string | undefined): LockResult => {
        const row = s.getLock.get(claim.name);
        const held = row ? toLock(row) : null;
        if (held && !lockIsFree(held, claim.holder, now, staleHolder)) return { acquired: false, held };
        const acquiredAt = held?.holder === claim.holder ? held.acquiredAt : now;
        s.putLock.run({ ...claim, acquiredAt, expiresAt });
        return { acquired: true, previous: held && held.holder !== claim.holder ? held : null };
      },
    ),
    replaceObjects: writeTx(db, (target: string, objects: readonly StoredObject[]) => {
      s.deleteObjects.run(target);
      for (const o of objects) s.upsertObject.run(objectParams(target, o));
    }),
    addPending: writeTx(db, (runId: string, target: string, changes: readonly Change[], at: string) => {
      for (const c of changes) s.upsertPending.run(target, c.id, runId, JSON.stringify(pendingChange(c)), at);
    }),
    clearPending: writeTx(db, (target: string, changeIds: readonly string[]) => {
      for (const id of changeIds) s.deletePending.run(target, id);
    }),
    recordResults: writeTx(
      db,
      (runId: string, target: string, items: readonly [Change, ChangeResult, ObjectWrite][]) => {
        for (const [change, result, write] of items) recordOne(runId, target, change, result, write);
      },
    ),
  };
}

interface Prepared {
  s: Statements;
  tx: ReturnType<typeof transactions>;
}

class SqliteStore implements StateStore {
  readonly #db: Db;
  #prepared: Prepared | undefined;
  /** listAudit's statements, one per combination of filters, prepared on first use. */
  readonly #auditQueries = new Map<string, Database.Statement<unknown[], AuditRow>>();

  constructor(db: Db) {
    this.#db = db;
  }

  /** Prepared on first use, because preparing needs the tables; then reused for ever. */
  get #p(): Prepared {
    if (!this.#prepared) {
      const s = prepare(this.#db);
      this.#prepared = { s, tx: transactions(this.#db, s) };
    }
    return this.#prepared;
  }

  get #s(): Statements {
    return this.#p.s;
  }

  async migrate(): Promise<void> {
    const db = this.#db;
    db.exec(SCHEMA_MIGRATIONS_SQL.sqlite);
    const applyNext = writeTx(db, (): boolean => {
      // Read inside the locked transaction, so two processes starting together apply
      // each migration once: the second sees the first's row.
      const applied = db.prepare<[], { version: number }>('SELECT version FROM schema_migrations').all();
      const next = migrationsToApply(applied.map((r) => r.version))[0];
      if (!next) return false;
      db.exec(next.sqlite);
      db.prepare('INSERT INTO schema_migrations (version, description, applied_at) VALUES (?, ?, ?)').run(
        next.version,
        next.description,
        nowIso(),
      );
      return true;
    });
    // One migration per transaction until none is left.
    let applied = false;
    while (applyNext()) applied = true;
    if (applied) {
      // Statements prepared against the older schema are rebuilt on next use.
      this.#prepared = undefined;
      this.#auditQueries.clear();
    }
  }

  async close(): Promise<void> {
    if (this.#db.open) this.#db.close();
  }

  async setTargetIds(
    target: string,
    ids: readonly { type: ObjectType; key: string; targetId: string }[],
  ): Promise<void> {
    this.#db.transaction(() => {
      for (const i of ids) this.#s.setTargetId.run(i.targetId, target, i.type, i.key);
    })();
  }

  async loadObjects(target: string): Promise<StoredObject[]> {
    return this.#s.loadObjects.all(target).map((r) => ({
      target: r.target,
      type: r.type as ObjectType,
      key: r.key,
      targetId: r.target_id,
      parentKey: r.parent_key,
      fingerprints: JSON.parse(r.fingerprints) as Record<string, string>,
      disabled: r.disabled === 1,
      appliedAt: r.applied_at,
    }));
  }

  async replaceObjects(target: string, objects: readonly StoredObject[]): Promise<void> {
    this.#p.tx.replaceObjects(target, objects);
  }

  async startRun(run: Omit<RunRecord, 'finishedAt' | 'status' | 'summary'>): Promise<void> {
    this.#s.insertRun.run({
      id: run.id,
      command: run.command,
      startedAt: isoTimestamp(run.startedAt, 'startedAt'),
      asOf: run.asOf,
      sourceFingerprint: run.sourceFingerprint,
    });
  }

  async finishRun(id: string, status: RunStatus, summary: Record<string, unknown>): Promise<void> {
    const { changes } = this.#s.finishRun.run(status, JSON.stringify(summary), nowIso(), id);
    if (changes === 0) throw new OrgsyncError('ORGSYNC_INTERNAL', `run ${id} was never started`);
  }

  async listRuns(limit: number): Promise<RunRecord[]> {
    return this.#s.listRuns.all(limit).map(toRun);
  }

  async getRun(id: string): Promise<RunRecord | null> {
    const row = this.#s.getRun.get(id);
    return row ? toRun(row) : null;
  }

  async addPending(runId: string, target: string, changes: readonly Change[]): Promise<void> {
    this.#p.tx.addPending(runId, target, changes, nowIso());
  }

  async listPending(target: string): Promise<PendingRecord[]> {
    return this.#s.listPending.all(target).map((r) => ({
      runId: r.run_id,
      target: r.target,
      change: JSON.parse(r.change) as Change,
      at: r.at,
    }));
  }

  async clearPending(target: string, changeIds: readonly string[]): Promise<void> {
    this.#p.tx.clearPending(target, changeIds);
  }

  async recordResult(
    runId: string,
    target: string,
    change: Change,
    result: ChangeResult,
    object: StoredObject | null | undefined,
  ): Promise<void> {
    this.#p.tx.recordResults(runId, target, [[change, result, objectWrite(target, change, result, object)]]);
  }

  async recordResults(runId: string, target: string, items: readonly ResultItem[]): Promise<void> {
    this.#p.tx.recordResults(
      runId,
      target,
      items.map((i) => [i.change, i.result, objectWrite(target, i.change, i.result, i.object)] as const),
    );
  }

  async listAudit(filter: { runId?: string; target?: string; limit?: number }): Promise<AuditRecord[]> {
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (filter.runId !== undefined) {
      where.push('run_id = ?');
      params.push(filter.runId);
    }
    if (filter.target !== undefined) {
      where.push('target = ?');
      params.push(filter.target);
    }
    // LIMIT -1 is SQLite for "no limit".
    params.push(filter.limit ?? -1);
    const sql = `SELECT * FROM audit ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY seq DESC LIMIT ?`;
    let stmt = this.#auditQueries.get(sql);
    if (!stmt) {
      stmt = this.#db.prepare<unknown[], AuditRow>(sql);
      this.#auditQueries.set(sql, stmt);
    }
    return stmt.all(...params).map((r) => ({
      runId: r.run_id,
      target: r.target,
      changeId: r.change_id,
      action: r.action as AuditRecord['action'],
      type: r.type as ObjectType,
      key: r.key,
      status: r.status as AuditRecord['status'],
      attributes: JSON.parse(r.attributes) as string[],
      message: r.message,
      errorKind: r.error_kind,
      attempts: r.attempts,
      at: r.at,
    }));
  }

  async getBaseline(source: string): Promise<Baseline | null> {
    const r = this.#s.getBaseline.get(source);
    if (!r) return null;
    return {
      source: r.source,
      units: r.units,
      persons: r.persons,
      positions: r.positions,
      fingerprint: r.fingerprint,
      acceptedAt: r.accepted_at,
    };
  }

  async setBaseline(b: Baseline): Promise<void> {
    this.#s.upsertBaseline.run({ ...b, acceptedAt: isoTimestamp(b.acceptedAt, 'acceptedAt') });
  }

  async acquireLock(
    claim: LockClaim,
    at: { now: string; expiresAt: string },
    staleHolder?: string,
  ): Promise<LockResult> {
    return this.#p.tx.acquireLock(
      claim,
      isoTimestamp(at.now, 'now'),
      isoTimestamp(at.expiresAt, 'expiresAt'),
      staleHolder,
    );
  }

  async renewLock(name: string, holder: string, expiresAt: string): Promise<boolean> {
    return this.#s.renewLock.run(isoTimestamp(expiresAt, 'expiresAt'), name, holder).changes === 1;
  }

  async releaseLock(name: string, holder: string): Promise<void> {
    this.#s.releaseLock.run(name, holder);
  }

  async listLocks(): Promise<LockRecord[]> {
    return this.#s.listLocks.all().map(toLock);
  }

  async getMeta(name: string): Promise<string | null> {
    return this.#s.getMeta.get(name)?.value ?? null;
  }

  async setMeta(name: string, value: string): Promise<void> {
    this.#s.upsertMeta.run(name, value);
  }
}

function toRun(r: RunRow): RunRecord {
  return {
    id: r.id,
    command: r.command,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    status: r.status as RunStatus,
    asOf: r.as_of,
    sourceFingerprint: r.source_fingerprint,
    summary: JSON.parse(r.summary) as Record<string, unknown>,
  };
}
