/**
 * The PostgreSQL state store, for installations that keep state on a database server.
 *
 * All tables live in one schema (default `orgsync`, created when missing), so orgsync can
 * share a database with other applications and tests can use a throwaway schema. Runtime
 * queries name the schema explicitly rather than relying on `search_path`, which the
 * connection string's options, the role's settings or a pooler can change under us.
 *
 * recordResult is ONE statement: the audit insert, the pending delete and the object
 * write are data-modifying CTEs of a single statement, which PostgreSQL runs as a single
 * transaction. That is the same atomicity as BEGIN ... COMMIT at a fifth of the round trips.
 */
import pg from 'pg';
import { OrgsyncError } from '../errors.js';
import type { Change, ChangeResult, ObjectType } from '../sdk/types.js';
import { describePostgresUrl } from '../util/postgres-url.js';
import { migrationsToApply, SCHEMA_MIGRATIONS_SQL } from './migrations.js';
import { auditRow, isoTimestamp, lockIsFree, nowIso, objectWrite, pendingChange } from './records.js';
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

export const DEFAULT_PG_SCHEMA = 'orgsync';

/** Plain identifiers only: the schema name is spliced into SQL, so nothing that needs escaping. */
export const PG_SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

export interface PostgresStoreOptions {
  schema?: string;
}

export async function openPostgresStore(url: string, opts: PostgresStoreOptions = {}): Promise<StateStore> {
  const schema = opts.schema ?? DEFAULT_PG_SCHEMA;
  if (!PG_SCHEMA_NAME.test(schema)) {
    throw new OrgsyncError(
      'ORGSYNC_CONFIG_INVALID',
      `state schema "${schema}" must be a plain identifier (letters, digits, underscore)`,
    );
  }
  const where = describePostgresUrl(url);
  let pool: pg.Pool | undefined;
  try {
    pool = new pg.Pool({
      connectionString: url,
      application_name: 'orgsync',
      // An unreachable server fails the run in seconds instead of hanging it.
      connectionTimeoutMillis: 10_000,
      max: 4,
    });
    // An idle pooled connection that the server drops emits 'error' on the pool; without a
    // listener that kills the process. The next query on a fresh connection reports it.
    pool.on('error', () => {});
    await pool.query('SELECT 1');
  } catch (e) {
    await pool?.end().catch(() => {});
    throw unavailable(where, e, url);
  }
  return new PostgresStore(pool, schema);
}

/**
 * The error for a server orgsync cannot use. It names the host, never the password: the
 * driver's message is scrubbed of the URL and password, and the driver error is not
 * attached as `cause` because some (URL parse errors) carry the URL they failed on.
 */
function unavailable(where: string, e: unknown, url: string): OrgsyncError {
  let password = '';
  try {
    password = decodeURIComponent(new URL(url).password);
  } catch {
    // Not a URL: nothing more to scrub than the string itself.
  }
  let detail = e instanceof Error ? e.message : String(e);
  detail = detail.replaceAll(url, '[url]');
  if (password) detail = detail.replaceAll(password, '[redacted]');
  const code = (e as { code?: unknown } | null)?.code;
  return new OrgsyncError(
    'ORGSYNC_STATE_UNAVAILABLE',
    `cannot use the PostgreSQL state store at ${where}: ${detail}`,
    {
      details: typeof code === 'string' ? [where, code] : [where],
    },
  );
}

const quoteIdent = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/** pg returns timestamptz as Date; a string appears only if someone changed the global parsers. */
const iso = (v: Date | string): string => new Date(v).toISOString();
const isoOrNull = (v: Date | string | null): string | null => (v === null ? null : iso(v));

interface ObjectRow {
  target: string;
  type: string;
  key: string;
  target_id: string | null;
  parent_key: string | null;
  fingerprints: Record<string, string>;
  disabled: boolean;
  applied_at: Date;
}
interface RunRow {
  id: string;
  command: string;
  started_at: Date;
  finished_at: Date | null;
  status: string;
  as_of: string | null;
  source_fingerprint: string | null;
  summary: Record<string, unknown>;
}
interface AuditRow {
  run_id: string;
  target: string;
  change_id: string;
  action: string;
  type: string;
  key: string;
  status: string;
  attributes: string[];
  message: string | null;
  error_kind: string | null;
  attempts: number | null;
  at: Date;
}
interface PendingRow {
  run_id: string;
  target: string;
  change: Change;
  at: Date;
}
interface BaselineRow {
  source: string;
  units: number;
  persons: number;
  positions: number;
  fingerprint: string;
  accepted_at: Date;
}

/** The recordResult statement, in its three object-row variants. */
function recordSql(t: (table: string) => string) {
  // $1 run, $2 target, $3 change id, $4 action, $5 type, $6 key, $7 status, $8 attributes,
  // $9 message, $10 error kind, $11 attempts, $12 at; for the upsert $13.. the object row.
  const head = `WITH audit_row AS (
      INSERT INTO ${t('audit')} (run_id, target, change_id, action, type, key, status, attributes,
        message, error_kind, attempts, at)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $10, $11::integer, $12::timestamptz)
    ), pending_row AS (
      DELETE FROM ${t('pending')} WHERE target = $2 AND change_id = $3
    )`;
  return {
    none: `${head} SELECT 1`,
    delete: `${head} DELETE FROM ${t('objects')} WHERE target = $2 AND type = $5 AND key = $6`,
    upsert: `${head}
      INSERT INTO ${t('objects')} (target, type, key, target_id, parent_key, fingerprints, disabled, applied_at)
      VALUES ($2, $5, $6, $13, $14, $15::jsonb, $16::boolean, $17::timestamptz)
      ON CONFLICT (target, type, key) DO UPDATE SET
        target_id = excluded.target_id, parent_key = excluded.parent_key,
        fingerprints = excluded.fingerprints, disabled = excluded.disabled, applied_at = excluded.applied_at`,
  };
}

class PostgresStore implements StateStore {
  readonly #pool: pg.Pool;
  readonly #schema: string;
  readonly #t: (table: string) => string;
  readonly #record: ReturnType<typeof recordSql>;
  #closed = false;

  constructor(pool: pg.Pool, schema: string) {
    this.#pool = pool;
    this.#schema = schema;
    const q = quoteIdent(schema);
    this.#t = (table) => `${q}.${table}`;
    this.#record = recordSql(this.#t);
  }

  async #tx<R>(fn: (client: pg.PoolClient) => Promise<R>): Promise<R> {
    const client = await this.#pool.connect();
    try {
      await client.query('BEGIN');
      const r = await fn(client);
      await client.query('COMMIT');
      return r;
    } catch (e) {
      await client.query('ROLLBACK').catch(() => {});
      throw e;
    } finally {
      client.release();
    }
  }

  async migrate(): Promise<void> {
    const schema = this.#schema;
    const q = quoteIdent(schema);
    // Every migration transaction first takes a per-schema advisory lock, so processes
    // starting together apply each migration once, in order.
    const lock = (c: pg.PoolClient) =>
      c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`orgsync.migrate:${schema}`]);
    await this.#tx(async (c) => {
      await lock(c);
      // Checked first: CREATE SCHEMA needs the CREATE privilege on the database even with
      // IF NOT EXISTS, which a user given a ready-made schema may not have.
      const found = await c.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
      if (found.rowCount === 0) await c.query(`CREATE SCHEMA ${q}`);
      await c.query(`SET LOCAL search_path TO ${q}`);
      await c.query(SCHEMA_MIGRATIONS_SQL.postgres);
    });
    for (;;) {
      const applied = await this.#tx(async (c) => {
        await lock(c);
        await c.query(`SET LOCAL search_path TO ${q}`);
        const have = await c.query<{ version: number }>('SELECT version FROM schema_migrations');
        const next = migrationsToApply(have.rows.map((r) => r.version))[0];
        if (!next) return false;
        await c.query(next.postgres);
        await c.query('INSERT INTO schema_migrations (version, description) VALUES ($1, $2)', [
          next.version,
          next.description,
        ]);
        return true;
      });
      if (!applied) return;
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#pool.end();
  }

  async setTargetIds(
    target: string,
    ids: readonly { type: ObjectType; key: string; targetId: string }[],
  ): Promise<void> {
    if (ids.length === 0) return;
    // One statement for the lot: unnest pairs the arrays row by row.
    await this.#pool.query(
      `UPDATE ${this.#t('objects')} AS o SET target_id = v.target_id
       FROM unnest($2::text[], $3::text[], $4::text[]) AS v(type, key, target_id)
       WHERE o.target = $1 AND o.type = v.type AND o.key = v.key`,
      [target, ids.map((i) => i.type), ids.map((i) => i.key), ids.map((i) => i.targetId)],
    );
  }

  async loadObjects(target: string): Promise<StoredObject[]> {
    const { rows } = await this.#pool.query<ObjectRow>(
      `SELECT * FROM ${this.#t('objects')} WHERE target = $1 ORDER BY type, key`,
      [target],
    );
    return rows.map((r) => ({
      target: r.target,
      type: r.type as ObjectType,
      key: r.key,
      targetId: r.target_id,
      parentKey: r.parent_key,
      fingerprints: r.fingerprints,
      disabled: r.disabled,
      appliedAt: iso(r.applied_at),
    }));
  }

  async replaceObjects(target: string, objects: readonly StoredObject[]): Promise<void> {
    const table = this.#t('objects');
    await this.#tx(async (c) => {
      await c.query(`DELETE FROM ${table} WHERE target = $1`, [target]);
      // One statement per few thousand rows: arrays unnested server-side, not one round trip per row.
      for (let i = 0; i < objects.length; i += 5000) {
        const part = objects.slice(i, i + 5000);
        await c.query(
          `INSERT INTO ${table} (target, type, key, target_id, parent_key, fingerprints, disabled, applied_at)
           SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::jsonb[], $7::boolean[], $8::timestamptz[])`,
          [
            target,
            part.map((o) => o.type),
            part.map((o) => o.key),
            part.map((o) => o.targetId),
            part.map((o) => o.parentKey),
            part.map((o) => JSON.stringify(o.fingerprints)),
            part.map((o) => o.disabled),
            part.map((o) => isoTimestamp(o.appliedAt, 'appliedAt')),
          ],
        );
      }
    });
  }

  async startRun(run: Omit<RunRecord, 'finishedAt' | 'status' | 'summary'>): Promise<void> {
    await this.#pool.query(
      `INSERT INTO ${this.#t('runs')} (id, command, started_at, finished_at, status, as_of, source_fingerprint, summary)
       VALUES ($1, $2, $3, NULL, 'running', $4, $5, '{}')`,
      [run.id, run.command, isoTimestamp(run.startedAt, 'startedAt'), run.asOf, run.sourceFingerprint],
    );
  }

  async finishRun(id: string, status: RunStatus, summary: Record<string, unknown>): Promise<void> {
    const r = await this.#pool.query(
      `UPDATE ${this.#t('runs')} SET status = $2, summary = $3::jsonb, finished_at = $4 WHERE id = $1`,
      [id, status, JSON.stringify(summary), nowIso()],
    );
    if (r.rowCount === 0) throw new OrgsyncError('ORGSYNC_INTERNAL', `run ${id} was never started`);
  }

  async listRuns(limit: number): Promise<RunRecord[]> {
    const { rows } = await this.#pool.query<RunRow>(
      `SELECT * FROM ${this.#t('runs')} ORDER BY started_at DESC, id DESC LIMIT $1`,
      [limit],
    );
    return rows.map(toRun);
  }

  async getRun(id: string): Promise<RunRecord | null> {
    const { rows } = await this.#pool.query<RunRow>(`SELECT * FROM ${this.#t('runs')} WHERE id = $1`, [id]);
    return rows[0] ? toRun(rows[0]) : null;
  }

  async addPending(runId: string, target: string, changes: readonly Change[]): Promise<void> {
    if (changes.length === 0) return;
    // One statement for the whole batch (atomic on its own). Duplicate ids collapse to the
    // last one first: ON CONFLICT DO UPDATE may not touch a row twice in one statement.
    const byId = new Map(changes.map((c) => [c.id, pendingChange(c)]));
    await this.#pool.query(
      `INSERT INTO ${this.#t('pending')} (target, change_id, run_id, change, at)
       SELECT $1::text, c->>'id', $2::text, c, $3::timestamptz FROM jsonb_array_elements($4::jsonb) AS c
       ON CONFLICT (target, change_id) DO UPDATE SET
         run_id = excluded.run_id, change = excluded.change, at = excluded.at`,
      [target, runId, nowIso(), JSON.stringify([...byId.values()])],
    );
  }

  async listPending(target: string): Promise<PendingRecord[]> {
    const { rows } = await this.#pool.query<PendingRow>(
      `SELECT * FROM ${this.#t('pending')} WHERE target = $1 ORDER BY at, change_id`,
      [target],
    );
    return rows.map((r) => ({ runId: r.run_id, target: r.target, change: r.change, at: iso(r.at) }));
  }

  async clearPending(target: string, changeIds: readonly string[]): Promise<void> {
    if (changeIds.length === 0) return;
    await this.#pool.query(
      `DELETE FROM ${this.#t('pending')} WHERE target = $1 AND change_id = ANY($2::text[])`,
      [target, [...changeIds]],
    );
  }

  async recordResult(
    runId: string,
    target: string,
    change: Change,
    result: ChangeResult,
    object: StoredObject | null | undefined,
  ): Promise<void> {
    await this.#pool.query(this.#recordQuery(runId, target, { change, result, object }));
  }

  async recordResults(runId: string, target: string, items: readonly ResultItem[]): Promise<void> {
    if (items.length === 0) return;
    const client = await this.#pool.connect();
    try {
      await client.query('BEGIN');
      for (const item of items) await client.query(this.#recordQuery(runId, target, item));
      await client.query('COMMIT');
    } catch (e) {
      await client.query('ROLLBACK').catch(() => {});
      throw e;
    } finally {
      client.release();
    }
  }

  /** The one statement that records a result (see recordSql). */
  #recordQuery(runId: string, target: string, { change, result, object }: ResultItem) {
    const write = objectWrite(target, change, result, object);
    const values: unknown[] = auditRow(runId, target, change, result);
    if (write.kind === 'upsert') {
      const o = write.object;
      values.push(
        o.targetId,
        o.parentKey,
        JSON.stringify(o.fingerprints),
        o.disabled,
        isoTimestamp(o.appliedAt, 'appliedAt'),
      );
    }
    // Named, so each pooled connection parses and plans the statement once.
    return { name: `orgsync.record.${write.kind}.${this.#schema}`, text: this.#record[write.kind], values };
  }

  async listAudit(filter: { runId?: string; target?: string; limit?: number }): Promise<AuditRecord[]> {
    const where: string[] = [];
    const values: unknown[] = [];
    if (filter.runId !== undefined) {
      values.push(filter.runId);
      where.push(`run_id = $${values.length}`);
    }
    if (filter.target !== undefined) {
      values.push(filter.target);
      where.push(`target = $${values.length}`);
    }
    let limit = '';
    if (filter.limit !== undefined) {
      values.push(filter.limit);
      limit = `LIMIT $${values.length}`;
    }
    const { rows } = await this.#pool.query<AuditRow>(
      `SELECT * FROM ${this.#t('audit')} ${where.length ? 'WHERE ' + where.join(' AND ') : ''}
       ORDER BY seq DESC ${limit}`,
      values,
    );
    return rows.map((r) => ({
      runId: r.run_id,
      target: r.target,
      changeId: r.change_id,
      action: r.action as AuditRecord['action'],
      type: r.type as ObjectType,
      key: r.key,
      status: r.status as AuditRecord['status'],
      attributes: r.attributes,
      message: r.message,
      errorKind: r.error_kind,
      attempts: r.attempts,
      at: iso(r.at),
    }));
  }

  async getBaseline(source: string): Promise<Baseline | null> {
    const { rows } = await this.#pool.query<BaselineRow>(
      `SELECT * FROM ${this.#t('baselines')} WHERE source = $1`,
      [source],
    );
    const r = rows[0];
    if (!r) return null;
    return {
      source: r.source,
      units: r.units,
      persons: r.persons,
      positions: r.positions,
      fingerprint: r.fingerprint,
      acceptedAt: iso(r.accepted_at),
    };
  }

  async setBaseline(b: Baseline): Promise<void> {
    await this.#pool.query(
      `INSERT INTO ${this.#t('baselines')} (source, units, persons, positions, fingerprint, accepted_at)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (source) DO UPDATE SET units = excluded.units, persons = excluded.persons,
         positions = excluded.positions, fingerprint = excluded.fingerprint, accepted_at = excluded.accepted_at`,
      [b.source, b.units, b.persons, b.positions, b.fingerprint, isoTimestamp(b.acceptedAt, 'acceptedAt')],
    );
  }

  async acquireLock(
    claim: LockClaim,
    at: { now: string; expiresAt: string },
    staleHolder?: string,
  ): Promise<LockResult> {
    const now = isoTimestamp(at.now, 'now');
    const expiresAt = isoTimestamp(at.expiresAt, 'expiresAt');
    const locks = this.#t('locks');
    return this.#tx(async (c) => {
      // Inserting first makes a free name race-free; a taken one is then read under FOR
      // UPDATE, so two claimants of an expired lock are serialised and only one takes it.
      const inserted = await c.query(
        `INSERT INTO ${locks} (name, run_id, holder, host, pid, acquired_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (name) DO NOTHING`,
        [claim.name, claim.runId, claim.holder, claim.host, claim.pid, now, expiresAt],
      );
      if (inserted.rowCount === 1) return { acquired: true, previous: null };
      const { rows } = await c.query<LockRow>(`SELECT * FROM ${locks} WHERE name = $1 FOR UPDATE`, [
        claim.name,
      ]);
      const held = toLock(rows[0]!);
      if (!lockIsFree(held, claim.holder, now, staleHolder)) return { acquired: false, held };
      const mine = held.holder === claim.holder;
      await c.query(
        `UPDATE ${locks} SET run_id = $2, holder = $3, host = $4, pid = $5, acquired_at = $6, expires_at = $7
         WHERE name = $1`,
        [
          claim.name,
          claim.runId,
          claim.holder,
          claim.host,
          claim.pid,
          mine ? held.acquiredAt : now,
          expiresAt,
        ],
      );
      return { acquired: true, previous: mine ? null : held };
    });
  }

  async renewLock(name: string, holder: string, expiresAt: string): Promise<boolean> {
    const r = await this.#pool.query(
      `UPDATE ${this.#t('locks')} SET expires_at = $3 WHERE name = $1 AND holder = $2`,
      [name, holder, isoTimestamp(expiresAt, 'expiresAt')],
    );
    return r.rowCount === 1;
  }

  async releaseLock(name: string, holder: string): Promise<void> {
    await this.#pool.query(`DELETE FROM ${this.#t('locks')} WHERE name = $1 AND holder = $2`, [name, holder]);
  }

  async listLocks(): Promise<LockRecord[]> {
    const { rows } = await this.#pool.query<LockRow>(`SELECT * FROM ${this.#t('locks')} ORDER BY name`);
    return rows.map(toLock);
  }

  async getMeta(name: string): Promise<string | null> {
    const { rows } = await this.#pool.query<{ value: string }>(
      `SELECT value FROM ${this.#t('meta')} WHERE name = $1`,
      [name],
    );
    return rows[0]?.value ?? null;
  }

  async setMeta(name: string, value: string): Promise<void> {
    await this.#pool.query(
      `INSERT INTO ${this.#t('meta')} (name, value) VALUES ($1, $2)
       ON CONFLICT (name) DO UPDATE SET value = excluded.value`,
      [name, value],
    );
  }
}

interface LockRow {
  name: string;
  run_id: string;
  holder: string;
  host: string;
  pid: number;
  acquired_at: Date;
  expires_at: Date;
}
const toLock = (r: LockRow): LockRecord => ({
  name: r.name,
  runId: r.run_id,
  holder: r.holder,
  host: r.host,
  pid: r.pid,
  acquiredAt: iso(r.acquired_at),
  expiresAt: iso(r.expires_at),
});

function toRun(r: RunRow): RunRecord {
  return {
    id: r.id,
    command: r.command,
    startedAt: iso(r.started_at),
    finishedAt: isoOrNull(r.finished_at),
    status: r.status as RunStatus,
    asOf: r.as_of,
    sourceFingerprint: r.source_fingerprint,
    summary: r.summary,
  };
}
