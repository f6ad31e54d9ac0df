/**
 * The state schema, as an ordered list of versioned migrations with one SQL text per engine.
 *
 * Each store applies the migrations it has not applied yet, each in its own transaction
 * together with its `schema_migrations` row, so a migration is either wholly there or not
 * at all (both SQLite and PostgreSQL have transactional DDL). Running them again is a no-op,
 * which is why every start may call `migrate()`.
 *
 * Rules for new migrations: append, never edit or reorder a released one; versions strictly
 * increase. The PostgreSQL texts use unqualified names: the runner sets `search_path` to the
 * store's schema for the migration's transaction. Timestamps are stored as ISO-8601 UTC
 * text in SQLite (so text order is time order) and as timestamptz in PostgreSQL.
 */
import { OrgsyncError } from '../errors.js';

export interface Migration {
  version: number;
  description: string;
  sqlite: string;
  postgres: string;
}

/** The bookkeeping table; created before any migration runs (not itself a migration). */
export const SCHEMA_MIGRATIONS_SQL = {
  sqlite: `CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    description TEXT NOT NULL,
    applied_at TEXT NOT NULL
  ) STRICT`,
  postgres: `CREATE TABLE IF NOT EXISTS schema_migrations (
    version integer PRIMARY KEY,
    description text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
  )`,
} as const;

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'objects, runs, audit, pending, baselines, meta',
    // STRICT tables make SQLite reject values of the wrong type instead of storing them.
    // objects and pending are WITHOUT ROWID: their primary key is their only lookup, so the
    // table is the index and each write touches one b-tree instead of two.
    sqlite: `
      CREATE TABLE objects (
        target TEXT NOT NULL,
        type TEXT NOT NULL,
        key TEXT NOT NULL,
        target_id TEXT,
        parent_key TEXT,
        fingerprints TEXT NOT NULL,
        disabled INTEGER NOT NULL CHECK (disabled IN (0, 1)),
        applied_at TEXT NOT NULL,
        PRIMARY KEY (target, type, key)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE runs (
        id TEXT PRIMARY KEY,
        command TEXT NOT NULL,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        status TEXT NOT NULL,
        as_of TEXT,
        source_fingerprint TEXT,
        summary TEXT NOT NULL
      ) STRICT;
      -- listRuns: newest first.
      CREATE INDEX runs_started_at ON runs (started_at);

      -- seq is the rowid alias: the order rows were written in.
      CREATE TABLE audit (
        seq INTEGER PRIMARY KEY,
        run_id TEXT NOT NULL,
        target TEXT NOT NULL,
        change_id TEXT NOT NULL,
        action TEXT NOT NULL,
        type TEXT NOT NULL,
        key TEXT NOT NULL,
        status TEXT NOT NULL,
        attributes TEXT NOT NULL,
        message TEXT,
        error_kind TEXT,
        attempts INTEGER,
        at TEXT NOT NULL
      ) STRICT;
      -- listAudit by run or by target, newest first.
      CREATE INDEX audit_run ON audit (run_id, seq);
      CREATE INDEX audit_target ON audit (target, seq);
      -- The audit trail is append-only: the database refuses to change or remove a row.
      CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
        BEGIN SELECT RAISE(ABORT, 'audit rows are append-only'); END;
      CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
        BEGIN SELECT RAISE(ABORT, 'audit rows are append-only'); END;

      CREATE TABLE pending (
        target TEXT NOT NULL,
        change_id TEXT NOT NULL,
        run_id TEXT NOT NULL,
        change TEXT NOT NULL,
        at TEXT NOT NULL,
        PRIMARY KEY (target, change_id)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE baselines (
        source TEXT PRIMARY KEY,
        units INTEGER NOT NULL,
        persons INTEGER NOT NULL,
        positions INTEGER NOT NULL,
        fingerprint TEXT NOT NULL,
        accepted_at TEXT NOT NULL
      ) STRICT;

      CREATE TABLE meta (
        name TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) STRICT;
    `,
    postgres: `
      CREATE TABLE objects (
        target text NOT NULL,
        type text NOT NULL,
        key text NOT NULL,
        target_id text,
        parent_key text,
        fingerprints jsonb NOT NULL,
        disabled boolean NOT NULL,
        applied_at timestamptz NOT NULL,
        PRIMARY KEY (target, type, key)
      );

      CREATE TABLE runs (
        id text PRIMARY KEY,
        command text NOT NULL,
        started_at timestamptz NOT NULL,
        finished_at timestamptz,
        status text NOT NULL,
        as_of text,
        source_fingerprint text,
        summary jsonb NOT NULL
      );
      CREATE INDEX runs_started_at ON runs (started_at);

      CREATE TABLE audit (
        seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        run_id text NOT NULL,
        target text NOT NULL,
        change_id text NOT NULL,
        action text NOT NULL,
        type text NOT NULL,
        key text NOT NULL,
        status text NOT NULL,
        attributes jsonb NOT NULL,
        message text,
        error_kind text,
        attempts integer,
        at timestamptz NOT NULL
      );
      CREATE INDEX audit_run ON audit (run_id, seq);
      CREATE INDEX audit_target ON audit (target, seq);
      CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          RAISE EXCEPTION 'audit rows are append-only';
        END
      $$;
      CREATE TRIGGER audit_no_change BEFORE UPDATE OR DELETE ON audit
        FOR EACH ROW EXECUTE FUNCTION audit_append_only();
      CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit
        FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();

      CREATE TABLE pending (
        target text NOT NULL,
        change_id text NOT NULL,
        run_id text NOT NULL,
        change jsonb NOT NULL,
        at timestamptz NOT NULL,
        PRIMARY KEY (target, change_id)
      );

      CREATE TABLE baselines (
        source text PRIMARY KEY,
        units integer NOT NULL,
        persons integer NOT NULL,
        positions integer NOT NULL,
        fingerprint text NOT NULL,
        accepted_at timestamptz NOT NULL
      );

      CREATE TABLE meta (
        name text PRIMARY KEY,
        value text NOT NULL
      );
    `,
  },
  {
    version: 2,
    description: 'locks: one run per target, across processes and restarts',
    // A lock is a lease: held until expires_at, renewed while its run lives. A holder that
    // died stops renewing, and the next claimant takes the lock over once it has expired
    // (or at once when it proves the holder's process gone: src/worker/locks.ts).
    sqlite: `
      CREATE TABLE locks (
        name TEXT PRIMARY KEY,
        run_id TEXT NOT NULL,
        holder TEXT NOT NULL,
        host TEXT NOT NULL,
        pid INTEGER NOT NULL,
        acquired_at TEXT NOT NULL,
        expires_at TEXT NOT NULL
      ) STRICT, WITHOUT ROWID;
    `,
    postgres: `
      CREATE TABLE locks (
        name text PRIMARY KEY,
        run_id text NOT NULL,
        holder text NOT NULL,
        host text NOT NULL,
        pid integer NOT NULL,
        acquired_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL
      );
    `,
  },
];

/** The schema version this build writes. */
export const LATEST_VERSION = MIGRATIONS.reduce((max, m) => Math.max(max, m.version), 0);

/**
 * The migrations still to apply, in order, given the versions a database has.
 * A database with a version this build does not know was written by a newer orgsync:
 * writing to it could corrupt what that version expects, so this refuses.
 */
export function migrationsToApply(applied: Iterable<number>): Migration[] {
  const have = new Set(applied);
  const unknown = [...have].filter((v) => !MIGRATIONS.some((m) => m.version === v));
  if (unknown.length > 0) {
    throw new OrgsyncError(
      'ORGSYNC_STATE_UNAVAILABLE',
      `the state schema has version ${Math.max(...unknown)}, newer than this orgsync knows ` +
        `(${LATEST_VERSION}); upgrade orgsync`,
    );
  }
  return MIGRATIONS.filter((m) => !have.has(m.version));
}
