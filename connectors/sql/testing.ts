/**
 * Test support for the SQL target: a throwaway schema in the local PostgreSQL server
 * (ORGSYNC_TEST_PG_URL, or the trust-auth default) holding the README's sample tables, and
 * the conformance harness over it.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import pg from 'pg';
import type { ConformanceHarness } from '../../src/testing/harness.js';
import { sqlTarget } from './index.js';

export const TEST_PG_URL = process.env['ORGSYNC_TEST_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
/** The environment variable the test configs name for the URL (it is a secret reference). */
export const TEST_URL_ENV = 'ORGSYNC_TEST_SQL_URL';

/** The README's sample tables (keep the two in step). */
export const SAMPLE_TABLES = `
CREATE TABLE org_unit (
  unit_key    varchar(200) PRIMARY KEY,
  parent_key  varchar(200) REFERENCES org_unit (unit_key) ON DELETE SET NULL,
  name        varchar(500) NOT NULL,
  cost_centre varchar(20),
  manager_key varchar(200),
  disabled    boolean NOT NULL DEFAULT false
);
CREATE TABLE person (
  person_key  varchar(200) PRIMARY KEY,
  unit_key    varchar(200) REFERENCES org_unit (unit_key) ON DELETE SET NULL,
  given_name  varchar(500) NOT NULL,
  surname     varchar(500) NOT NULL,
  email       varchar(254),
  user_id     varchar(50),
  title       varchar(200),
  disabled    boolean NOT NULL DEFAULT false
);
CREATE TABLE position (
  position_key varchar(200) PRIMARY KEY,
  unit_key     varchar(200) REFERENCES org_unit (unit_key) ON DELETE SET NULL,
  person_key   varchar(200) NOT NULL REFERENCES person (person_key),
  title        varchar(200),
  disabled     boolean NOT NULL DEFAULT false
);`;

/** The `tables` block for the sample tables. */
export const SAMPLE_TABLES_CONFIG = {
  unit: {
    table: 'org_unit',
    key: 'unit_key',
    parent: 'parent_key',
    disabled: 'disabled',
    columns: { costCentre: 'cost_centre', manager: 'manager_key' },
  },
  person: {
    table: 'person',
    key: 'person_key',
    parent: 'unit_key',
    disabled: 'disabled',
    columns: { givenName: 'given_name', userId: 'user_id' },
  },
  position: {
    table: 'position',
    key: 'position_key',
    parent: 'unit_key',
    disabled: 'disabled',
    columns: { personKey: 'person_key' },
  },
};

/** The mapping that fills the sample tables (attributes without a `columns` entry go to their own name). */
export const SAMPLE_OBJECTS = {
  unit: { attributes: { name: '${unit.name}', costCentre: '${unit.costCentre}', manager: '${manager.key}' } },
  person: {
    attributes: {
      givenName: '${person.givenName}',
      surname: '${person.surname}',
      email: '${person.email}',
      userId: '${person.userId}',
      title: '${position.title}',
    },
  },
  position: { attributes: { title: '${position.title}', personKey: '${person.key}' } },
};

export interface ScratchSchema {
  schema: string;
  query<R extends pg.QueryResultRow = Record<string, unknown>>(
    text: string,
    values?: unknown[],
  ): Promise<R[]>;
  drop(): Promise<void>;
}

/** A schema with a random name in the test database, dropped (with everything in it) by drop(). */
export async function scratchSchema(prefix = 'orgsync_sql'): Promise<ScratchSchema> {
  const schema = `${prefix}_${randomBytes(5).toString('hex')}`;
  const client = new pg.Client({ connectionString: TEST_PG_URL });
  await client.connect();
  await client.query(`CREATE SCHEMA ${pg.escapeIdentifier(schema)}`);
  return {
    schema,
    query: async <R extends pg.QueryResultRow>(text: string, values?: unknown[]) => {
      await client.query(`SET search_path TO ${pg.escapeIdentifier(schema)}`);
      return (await client.query<R>(text, values)).rows;
    },
    drop: async () => {
      try {
        await client.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(schema)} CASCADE`);
      } finally {
        await client.end();
      }
    },
  };
}

/** A port nothing listens on: bound, then released. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The conformance harness: the sample tables in `scratch`'s schema. */
export function sqlHarness(scratch: ScratchSchema): ConformanceHarness {
  process.env[TEST_URL_ENV] = TEST_PG_URL;
  return {
    connector: sqlTarget,
    config: () => ({ url: { env: TEST_URL_ENV }, schema: scratch.schema, tables: SAMPLE_TABLES_CONFIG }),
    objects: SAMPLE_OBJECTS,
    // Both url and host: refused by the schema, before anything connects.
    invalidConfig: {
      url: { env: TEST_URL_ENV },
      host: '127.0.0.1',
      schema: scratch.schema,
      tables: SAMPLE_TABLES_CONFIG,
    },
    unreachableConfig: async () => ({
      host: '127.0.0.1',
      port: await closedPort(),
      database: 'test',
      user: 'postgres',
      schema: scratch.schema,
      connectTimeoutMs: 2000,
      tables: SAMPLE_TABLES_CONFIG,
    }),
    reset: async () => {
      await scratch.query('DROP TABLE IF EXISTS position, person, org_unit');
      await scratch.query(SAMPLE_TABLES);
    },
  };
}
