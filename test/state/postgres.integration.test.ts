/**
 * Runs against the local PostgreSQL server (ORGSYNC_TEST_PG_URL, or the trust-auth default),
 * in a schema of its own that is dropped afterwards.
 */
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { OrgsyncError } from '../../src/errors.js';
import { MIGRATIONS } from '../../src/state/migrations.js';
import { openStateStore, StateConfig } from '../../src/state/open.js';
import { openPostgresStore } from '../../src/state/postgres.js';
import { describeStoreContract } from './store-contract.js';

const url = process.env['ORGSYNC_TEST_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const schema = `orgsync_test_${process.pid}_${Date.now().toString(36)}`;

afterAll(async () => {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
});

describeStoreContract('postgres', () => openPostgresStore(url, { schema }));

describe('postgres store', () => {
  it('keeps the audit trail append-only', async () => {
    const store = await openPostgresStore(url, { schema });
    await store.migrate();
    await store.close();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(
        `INSERT INTO "${schema}".audit (run_id, target, change_id, action, type, key, status, attributes, at)
         VALUES ('r', 't', 'c', 'create', 'unit', 'u', 'applied', '[]', now())`,
      );
      await expect(client.query(`UPDATE "${schema}".audit SET status = 'failed'`)).rejects.toThrow(
        /append-only/,
      );
      await expect(client.query(`DELETE FROM "${schema}".audit`)).rejects.toThrow(/append-only/);
      await expect(client.query(`TRUNCATE "${schema}".audit`)).rejects.toThrow(/append-only/);
      const { rows } = await client.query(`SELECT version FROM "${schema}".schema_migrations`);
      expect(rows).toEqual(MIGRATIONS.map((m) => ({ version: m.version })));
    } finally {
      await client.end();
    }
  });

  it('creates the schema once when several processes start on an empty one together', async () => {
    const fresh = `${schema}_fresh`;
    const stores = await Promise.all([1, 2, 3].map(() => openPostgresStore(url, { schema: fresh })));
    try {
      await Promise.all(stores.map((s) => s.migrate()));
      await stores[0]!.setMeta('k', 'v');
      expect(await stores[2]!.getMeta('k')).toBe('v');
    } finally {
      await Promise.all(stores.map((s) => s.close()));
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS "${fresh}" CASCADE`).finally(() => client.end());
    }
  });

  it('opens from configuration with the URL as a secret', async () => {
    process.env['ORGSYNC_TEST_STATE_URL'] = url;
    try {
      const config = StateConfig.parse({ kind: 'postgres', url: { env: 'ORGSYNC_TEST_STATE_URL' }, schema });
      expect(JSON.stringify(config)).not.toContain(url);
      const store = await openStateStore(config);
      try {
        await store.setMeta('opened', 'yes');
        expect(await store.getMeta('opened')).toBe('yes');
      } finally {
        await store.close();
      }
    } finally {
      delete process.env['ORGSYNC_TEST_STATE_URL'];
    }
    expect(StateConfig.safeParse({ kind: 'postgres', url: { env: 'X' }, schema: 'bad; drop' }).success).toBe(
      false,
    );
  });

  it('reports an unreachable server naming the host, never the password', async () => {
    const password = 'S3cr3t-pw-xyz';
    const bad = `postgres://orgsync:${password}@127.0.0.1:1/orgsync`;
    process.env['ORGSYNC_TEST_BAD_URL'] = bad;
    try {
      const config = StateConfig.parse({ kind: 'postgres', url: { env: 'ORGSYNC_TEST_BAD_URL' } });
      const err = await openStateStore(config).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OrgsyncError);
      const e = err as OrgsyncError;
      expect(e.code).toBe('ORGSYNC_STATE_UNAVAILABLE');
      expect(e.message).toContain('127.0.0.1:1');
      for (const text of [e.message, e.stack ?? '', JSON.stringify(e.details), String(e.cause ?? '')]) {
        expect(text).not.toContain(password);
      }
    } finally {
      delete process.env['ORGSYNC_TEST_BAD_URL'];
    }
  });

  it('refuses a schema name that is not a plain identifier', async () => {
    await expect(openPostgresStore(url, { schema: 'x"; DROP TABLE y; --' })).rejects.toBeInstanceOf(
      OrgsyncError,
    );
  });
});
