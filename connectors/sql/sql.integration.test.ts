/**
 * The SQL target against the local PostgreSQL server, in a schema of its own that is
 * dropped afterwards: the sample tables synced and read back, typed columns, upserts
 * applied twice, a refused value rolled back alone, tables and columns that are not there,
 * a closed port, a generated municipality through the engine, and 50,000 persons at once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log/logger.js';
import type { Link, TargetContext, TargetSession } from '../../src/sdk/connector.js';
import { ConnectorError } from '../../src/sdk/errors.js';
import type { Change, CurrentObject, ObjectType } from '../../src/sdk/types.js';
import { syncAndReplan } from '../../test/support/engine.js';
import { makeWorkspace } from '../../test/support/workspace.js';
import { applyContext, create, remove, update } from '../csv-export/testing.js';
import { applyChanges } from './apply.js';
import { verifyTables } from './catalog.js';
import { SqlConfig, sqlTarget } from './index.js';
import { planTables } from './tables.js';
import {
  closedPort,
  SAMPLE_OBJECTS,
  SAMPLE_TABLES,
  SAMPLE_TABLES_CONFIG,
  type ScratchSchema,
  scratchSchema,
  TEST_PG_URL,
  TEST_URL_ENV,
} from './testing.js';

let db: ScratchSchema;
let workDir: string;

beforeAll(async () => {
  process.env[TEST_URL_ENV] = TEST_PG_URL;
  db = await scratchSchema();
  await db.query(SAMPLE_TABLES);
  workDir = mkdtempSync(join(tmpdir(), 'orgsync-sql-'));
});

afterAll(async () => {
  await db?.drop();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

const SAMPLE_ATTRIBUTES = {
  unit: Object.keys(SAMPLE_OBJECTS.unit.attributes),
  person: Object.keys(SAMPLE_OBJECTS.person.attributes),
  position: Object.keys(SAMPLE_OBJECTS.position.attributes),
};

function config(extra: Record<string, unknown> = {}): SqlConfig {
  return SqlConfig.parse({
    url: { env: TEST_URL_ENV },
    schema: db.schema,
    tables: SAMPLE_TABLES_CONFIG,
    ...extra,
  });
}

const sessions: TargetSession[] = [];
afterAll(async () => {
  for (const s of sessions) await s.close?.();
});

function open(
  cfg: SqlConfig = config(),
  attributes: TargetContext['attributes'] = SAMPLE_ATTRIBUTES,
  links?: Map<string, Link>,
): TargetSession {
  const session = sqlTarget.open(cfg, {
    instance: 'lob',
    logger: silentLogger(),
    workDir,
    attributes,
    ...(links ? { links: async () => links } : {}),
  }) as TargetSession;
  sessions.push(session);
  return session;
}

const apply = (session: TargetSession, changes: Change[]) => session.apply(changes, applyContext());
const statuses = (results: { status: string; errorKind?: string }[]) =>
  results.map((r) => (r.status === 'failed' ? `failed ${r.errorKind}` : r.status));
const byKey = (objects: CurrentObject[], type: ObjectType) =>
  Object.fromEntries(objects.filter((o) => o.type === type).map((o) => [o.key, o]));
const clearSample = () => db.query('DELETE FROM position; DELETE FROM person; DELETE FROM org_unit');

/** A small organisation as the engine plans it: parents first, values of every kind people have. */
const ORGANISATION: Change[] = [
  create('unit', 'u1', null, { name: 'Kommune', costCentre: '100', manager: 'p1' }),
  create('unit', 'u2', 'u1', { name: 'Skole, Syd & "Øst"', costCentre: '120' }),
  create('person', 'p1', 'u1', {
    givenName: 'Anne',
    surname: 'Ærø-Hansen',
    email: 'anne@kommune.dk',
    userId: 'ANNE',
    title: 'Direktør',
  }),
  create('person', 'p2', 'u2', { givenName: 'Bo', surname: "O'Brien; DROP TABLE person;--", title: 'Lærer' }),
  create('position', 'pos1', 'u1', { title: 'Direktør', personKey: 'p1' }),
  create('position', 'pos2', 'u2', { title: 'Lærer', personKey: 'p2' }),
];

describe('sql target on the sample tables', () => {
  it('checks the connection and the tables', async () => {
    const r = await open().check();
    expect(r).toEqual({
      ok: true,
      message: expect.stringMatching(/^connected to 127\.0\.0\.1:5432\/test as postgres/),
    });
  });

  it('creates units, persons and positions in one transaction, and reads back what it wrote', async () => {
    await clearSample();
    const session = open();
    expect(statuses(await apply(session, ORGANISATION))).toEqual(ORGANISATION.map(() => 'applied'));
    const rows = await db.query('SELECT * FROM person ORDER BY person_key');
    expect(rows).toEqual([
      {
        person_key: 'p1',
        unit_key: 'u1',
        given_name: 'Anne',
        surname: 'Ærø-Hansen',
        email: 'anne@kommune.dk',
        user_id: 'ANNE',
        title: 'Direktør',
        disabled: false,
      },
      {
        person_key: 'p2',
        unit_key: 'u2',
        given_name: 'Bo',
        surname: "O'Brien; DROP TABLE person;--",
        email: null,
        user_id: null,
        title: 'Lærer',
        disabled: false,
      },
    ]);
    // Read back: every mapped attribute, empty ones as null, the placement and the flag.
    const objects = await session.read!(['unit', 'person', 'position']);
    expect(objects).toHaveLength(ORGANISATION.length);
    for (const c of ORGANISATION) {
      const o = objects.find((x) => x.type === c.type && x.key === c.key)!;
      expect(o.parentKey).toBe(c.parentKey);
      expect(o.disabled).toBe(false);
      const written = Object.fromEntries(c.attrs.map((a) => [a.name, a.new]));
      const all = Object.fromEntries(SAMPLE_ATTRIBUTES[c.type].map((n) => [n, written[n] ?? null]));
      expect(o.attrs).toEqual(all);
    }
  });

  it('converges when a create is applied twice, and updates, moves, disables, enables and deletes', async () => {
    await clearSample();
    const session = open();
    await apply(session, ORGANISATION);
    // Someone edited a row by hand: the create applied again puts it back, it does not fail.
    await db.query(`UPDATE person SET title = 'changed by hand', email = 'x@y' WHERE person_key = 'p1'`);
    expect(statuses(await apply(session, ORGANISATION))).toEqual(ORGANISATION.map(() => 'applied'));
    expect(await db.query('SELECT count(*)::int AS n FROM person')).toEqual([{ n: 2 }]);
    expect((await db.query(`SELECT title, email FROM person WHERE person_key = 'p1'`))[0]).toEqual({
      title: 'Direktør',
      email: 'anne@kommune.dk',
    });

    const results = await apply(session, [
      update('person', 'p2', 'u2', { surname: 'Berg', email: null }),
      { ...update('person', 'p1', 'u2', { title: 'Chef' }), action: 'move', oldParentKey: 'u1' },
      remove('disable', 'position', 'pos2', 'u2'),
      update('person', 'gone', 'u1', { surname: 'Nobody' }),
      remove('disable', 'person', 'gone-too', 'u1'),
      remove('delete', 'position', 'never-was', 'u1'),
    ]);
    expect(statuses(results)).toEqual([
      'applied',
      'applied',
      'applied',
      'failed not-found',
      'failed not-found',
      'applied',
    ]);
    expect(results[3]!.message).toMatch(/^update person gone: .*person has no row with person_key = gone/);
    let objects = await open().read!(['person', 'position']);
    expect(byKey(objects, 'person')['p2']!.attrs!['surname']).toBe('Berg');
    expect(byKey(objects, 'person')['p1']).toMatchObject({ parentKey: 'u2', attrs: { title: 'Chef' } });
    expect(byKey(objects, 'position')['pos2']!.disabled).toBe(true);

    // Re-enabled by an update; then deleted, twice.
    expect(statuses(await apply(session, [update('position', 'pos2', 'u2', {}, { enable: true })]))).toEqual([
      'applied',
    ]);
    objects = await session.read!(['position']);
    expect(byKey(objects, 'position')['pos2']!.disabled).toBe(false);
    const deletes = [remove('delete', 'position', 'pos2', 'u2'), remove('delete', 'person', 'p2', 'u2')];
    expect(statuses(await apply(session, deletes))).toEqual(['applied', 'applied']);
    expect(statuses(await apply(session, deletes))).toEqual(['applied', 'applied']);
    expect(await db.query('SELECT person_key FROM person')).toEqual([{ person_key: 'p1' }]);
  });

  it('rolls back a refused change alone, skips what waits for it, and commits the rest', async () => {
    await clearSample();
    const session = open();
    const tooLong = `SECRET-${'x'.repeat(60)}`;
    const changes: Change[] = [
      create('unit', 'u1', null, { name: 'Kommune' }),
      create('unit', 'u-noname', 'u1', {}), // name is NOT NULL
      create('person', 'p1', 'u1', { givenName: 'Anne', surname: 'Hansen' }),
      create('person', 'p-long', 'u1', { givenName: 'Bo', surname: 'Berg', userId: tooLong }), // varchar(50)
      create('person', 'p3', 'u1', { givenName: 'Carl', surname: 'Dahl' }),
      create('position', 'pos1', 'u1', { title: 'Chef', personKey: 'p1' }),
      create('position', 'pos-orphan', 'u1', { title: 'Chef', personKey: 'nobody' }), // foreign key
      { ...create('position', 'pos-long', 'u1', { personKey: 'p-long' }), after: ['test:person:p-long'] },
    ];
    const results = await apply(session, changes);
    expect(statuses(results)).toEqual([
      'applied',
      'failed invalid-value',
      'applied',
      'failed invalid-value',
      'applied',
      'applied',
      'failed conflict',
      'skipped',
    ]);
    expect(results[1]!.message).toMatch(
      /^create unit u-noname refused by orgsync_sql_\w+\.org_unit: a NOT NULL column would be empty \(not_null_violation, SQLSTATE 23502; column name; table orgsync_sql_\w+\.org_unit\)$/,
    );
    expect(results[3]!.message).toMatch(
      /^create person p-long refused by \S+: a value is too long for its column \(string_data_right_truncation, SQLSTATE 22001\)$/,
    );
    expect(results[6]!.message).toMatch(
      /a foreign key does not hold \(foreign_key_violation, SQLSTATE 23503; constraint position_person_key_fkey; table \S+\.position\)$/,
    );
    expect(results[7]!.message).toBe('skipped: test:person:p-long it waits for was failed');
    for (const r of results) expect(r.message ?? '').not.toContain('SECRET');
    expect(await db.query('SELECT person_key FROM person ORDER BY 1')).toEqual([
      { person_key: 'p1' },
      { person_key: 'p3' },
    ]);
    expect(await db.query('SELECT position_key FROM position')).toEqual([{ position_key: 'pos1' }]);
    // A value the column type refuses quotes the value in the server's message: cut out.
    const typed = await apply(session, [update('unit', 'u1', 'u1', { name: ['two', 'values'] })]);
    expect(statuses(typed)).toEqual(['failed invalid-value']);
    expect(typed[0]!.message).toMatch(
      /holds 2 values and column name is character varying\(500\), not an array/,
    );
  });

  it('fails a change whose row stays locked past the statement timeout as transient, and commits the rest', async () => {
    await clearSample();
    const session = open(config({ statementTimeoutMs: 300 }));
    await apply(session, ORGANISATION);
    const locker = new pg.Client({ connectionString: TEST_PG_URL });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query(
        `SELECT 1 FROM ${pg.escapeIdentifier(db.schema)}.person WHERE person_key = 'p1' FOR UPDATE`,
      );
      const results = await apply(session, [
        update('person', 'p1', 'u1', { title: 'Chef' }),
        update('person', 'p2', 'u2', { title: 'Overlærer', surname: 'Berg' }),
      ]);
      // Transient: the executor tries p1 again in a new transaction; p2 is done.
      expect(statuses(results)).toEqual(['failed transient', 'applied']);
      expect(results[0]!.message).toMatch(/statement timeout \(query_canceled, SQLSTATE 57014\)/);
    } finally {
      await locker.query('ROLLBACK');
      await locker.end();
    }
    expect(await db.query('SELECT title FROM person ORDER BY person_key')).toEqual([
      { title: 'Direktør' },
      { title: 'Overlærer' },
    ]);
  });

  it('turns the first sync of a generated municipality into tables the next plan finds nothing to change in', async () => {
    await clearSample();
    const ws = await makeWorkspace({ persons: 300, asOf: '2026-03-02', seed: 11 });
    const target = {
      name: 'lob',
      connector: 'sql',
      config: { url: { env: TEST_URL_ENV }, schema: db.schema, tables: SAMPLE_TABLES_CONFIG },
      objects: SAMPLE_OBJECTS,
      onRemove: { unit: 'delete', person: 'disable', position: 'delete' },
    };
    const r = await syncAndReplan(ws.writeConfig([target]), '2026-03-02');
    expect(r.outcomes[0]!.problems).toEqual([]);
    expect(r.planned['lob']!.create).toBeGreaterThan(300);
    expect(r.secondPlan).toEqual({ lob: 0 });
    expect((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM person'))[0]!.n).toBeGreaterThan(
      250,
    );
    rmSync(ws.dir, { recursive: true, force: true });
  }, 60_000);
});

describe('sql target on typed columns', () => {
  beforeAll(async () => {
    await db.query(`CREATE TABLE "Typed Person" (
      id varchar(40) PRIMARY KEY,
      age integer,
      fte numeric(4,2),
      big bigint,
      manager boolean,
      tags text[],
      hired date,
      note text NOT NULL DEFAULT '',
      code char(3),
      "Active?" boolean
    )`);
  });

  const typedConfig = () =>
    config({
      tables: {
        person: {
          table: 'Typed Person',
          key: 'id',
          active: 'Active?',
          columns: { note: 'note' },
        },
      },
    });
  const attributes = { person: ['age', 'fte', 'big', 'manager', 'tags', 'hired', 'note', 'code'] };

  it('writes text, numbers, booleans, lists and dates and reads them back as the same values', async () => {
    const links = new Map<string, Link>([
      ['person:t1', { targetId: 't1', disabled: false, parentKey: 'u7' }],
    ]);
    const session = open(typedConfig(), attributes, links);
    const values = {
      age: '42', // text into an integer column: the server converts it
      fte: 0.5,
      big: 9_007_199_254_740_000,
      manager: true,
      tags: ['a,b', 'c "d"', 'Æ'],
      hired: '2024-02-29',
      note: 'x',
      code: 'ab', // char(3) pads it; read back as written
    };
    const results = await apply(session, [
      create('person', 't1', 'u7', values),
      create('person', 't2', null, { age: '', tags: [], note: '', manager: false }),
    ]);
    expect(statuses(results)).toEqual(['applied', 'applied']);
    const objects = byKey(await session.read!(['person']), 'person');
    expect(objects['t1']).toEqual({
      type: 'person',
      key: 't1',
      // No parent column: the placement orgsync last recorded.
      parentKey: 'u7',
      attrs: { ...values, age: 42 },
      disabled: false,
    });
    // '' into an integer column is NULL; '' into text and an empty list into an array stay.
    expect(objects['t2']!.attrs).toEqual({
      age: null,
      fte: null,
      big: null,
      manager: false,
      tags: [],
      hired: null,
      note: '',
      code: null,
    });
    // active = false means disabled.
    expect(statuses(await apply(session, [remove('disable', 'person', 't2', null)]))).toEqual(['applied']);
    expect(await db.query('SELECT "Active?" AS a FROM "Typed Person" ORDER BY id')).toEqual([
      { a: true },
      { a: false },
    ]);
    expect(byKey(await session.read!(['person']), 'person')['t2']!.disabled).toBe(true);
    // A value the column cannot take is refused without the value in the message.
    const bad = await apply(session, [update('person', 't1', null, { age: 'Jensen' })]);
    expect(statuses(bad)).toEqual(['failed invalid-value']);
    expect(bad[0]!.message).toMatch(
      /a value is not of the column's type \(invalid_text_representation, SQLSTATE 22P02\)$/,
    );
    expect(bad[0]!.message).not.toContain('Jensen');
    // Too long for char(3): refused, not cut to fit.
    const long = await apply(session, [update('person', 't1', null, { code: 'abcd' })]);
    expect(statuses(long)).toEqual(['failed invalid-value']);
    expect(long[0]!.message).toMatch(
      /too long for its column \(string_data_right_truncation, SQLSTATE 22001\)/,
    );
  });

  it('never quotes a refused value, not even one with quotes inside', async () => {
    const session = open(typedConfig(), attributes);
    await apply(session, [create('person', 'q1', null, { note: 'x' })]);
    // The server does not escape inner quotes: `…integer: "Jens "JJ" Hansen"`.
    const bad = await apply(session, [update('person', 'q1', null, { age: 'Jens "JJ" Hansen' })]);
    expect(statuses(bad)).toEqual(['failed invalid-value']);
    expect(bad[0]!.message).toMatch(/^update person q1 refused by \S+\.Typed Person: .*SQLSTATE 22P02\)$/);
    expect(bad[0]!.message).not.toMatch(/Jens|JJ|Hansen/);
  });

  it('refuses a date that is not ISO 8601, which the server would read by its DateStyle', async () => {
    const session = open(typedConfig(), attributes);
    await apply(session, [create('person', 'd1', null, { note: 'x', hired: '2024-02-05' })]);
    // With DateStyle ISO, MDY the server would store 05-02-2024 as 2 May.
    const results = await apply(session, [
      update('person', 'd1', null, { hired: '05-02-2024' }),
      create('person', 'd2', null, { note: 'x', hired: '5/2/2024' }),
      create('person', 'd3', null, { note: 'x', hired: 20240205 }),
    ]);
    expect(statuses(results)).toEqual([
      'failed invalid-value',
      'failed invalid-value',
      'failed invalid-value',
    ]);
    expect(results[0]!.message).toMatch(
      /^update person d1: attribute hired: column hired is date and takes a value only in ISO 8601 form \(YYYY-MM-DD\)/,
    );
    expect(results[0]!.message).not.toContain('2024');
    expect(results[1]!.message).not.toContain('2024');
    expect(
      await db.query(`SELECT to_char(hired, 'YYYY-MM-DD') AS h FROM "Typed Person" WHERE id LIKE 'd%'`),
    ).toEqual([{ h: '2024-02-05' }]);
  });
});

describe('sql target configuration', () => {
  it('refuses tables and columns that are not there, naming them and what to do', async () => {
    const missingTable = await open(
      config({
        tables: { ...SAMPLE_TABLES_CONFIG, person: { ...SAMPLE_TABLES_CONFIG.person, table: 'persons' } },
      }),
    ).check();
    expect(missingTable.ok).toBe(false);
    expect(missingTable.message).toMatch(
      /tables\.person\.table: table orgsync_sql_\w+\.persons does not exist in 127\.0\.0\.1:5432\/test/,
    );
    expect(missingTable.message).toMatch(/sample CREATE TABLE/);

    const missingColumn = open(config(), {
      ...SAMPLE_ATTRIBUTES,
      person: ['givenName', 'surname', 'userId', 'nickname'],
    });
    expect((await missingColumn.check()).message).toMatch(
      /tables\.person\.columns\.nickname: attribute nickname goes to column nickname, which table \S+\.person does not have/,
    );
    // apply and read refuse it the same way, as invalid-config (never retried).
    const thrown = await missingColumn
      .apply([create('person', 'p9', null, {})], applyContext())
      .catch((e) => e);
    expect(thrown).toBeInstanceOf(ConnectorError);
    expect((thrown as ConnectorError).kind).toBe('invalid-config');
    await expect(missingColumn.read!(['person'])).rejects.toThrow(/nickname/);

    const noKey = await open(
      config({
        tables: { unit: { table: 'org_unit', key: 'name', disabled: 'disabled', columns: {} } },
      }),
      { unit: [] },
    ).check();
    expect(noKey.message).toMatch(
      /tables\.unit\.key: column name of \S+ has no PRIMARY KEY or UNIQUE constraint/,
    );

    const noSchema = await open(config({ schema: 'no_such_schema' })).check();
    expect(noSchema.message).toMatch(/there is no schema no_such_schema/);
  });

  it('refuses mapping mistakes when the session opens, before any connection', () => {
    const noTable = config({ tables: { person: SAMPLE_TABLES_CONFIG.person } });
    expect(() => open(noTable, SAMPLE_ATTRIBUTES)).toThrow(
      /objects\.unit is mapped but tables\.unit is not configured/,
    );
    expect(() => open(config(), { ...SAMPLE_ATTRIBUTES, person: ['givenName', 'surname', 'email'] })).toThrow(
      /tables\.person\.columns\.userId: the mapping of person sets no attribute userId/,
    );
    expect(() =>
      open(config(), { ...SAMPLE_ATTRIBUTES, person: ['givenName', 'surname', 'userId', 'unit_key'] }),
    ).toThrow(/attribute unit_key would write column unit_key, which is the parent column/);
    expect(() => SqlConfig.parse({ host: 'h', tables: SAMPLE_TABLES_CONFIG })).toThrow(
      /host needs database and user/,
    );
    expect(() =>
      SqlConfig.parse({
        url: { env: TEST_URL_ENV },
        host: 'h',
        database: 'd',
        user: 'u',
        tables: SAMPLE_TABLES_CONFIG,
      }),
    ).toThrow(/either url, or host/);
  });

  it('reports an unknown user as a permission problem and an unknown database as a configuration one', async () => {
    const base = { host: '127.0.0.1', port: 5432, tables: SAMPLE_TABLES_CONFIG };
    const noUser = open(SqlConfig.parse({ ...base, database: 'test', user: 'orgsync_no_such_role' }));
    expect((await noUser.check()).message).toMatch(
      /^connect to 127\.0\.0\.1:5432\/test as orgsync_no_such_role: the role does not exist, or pg_hba\.conf has no entry for it \(invalid_authorization_specification, SQLSTATE 28000\)$/,
    );
    expect(
      await noUser.apply([create('unit', 'u1', null, { name: 'x' })], applyContext()).catch((e) => e.kind),
    ).toBe('permission');
    const noDb = open(SqlConfig.parse({ ...base, database: 'orgsync_no_such_db', user: 'postgres' }));
    expect(await noDb.read!(['unit']).catch((e) => e.kind)).toBe('invalid-config');
  });

  it('refuses a key whose unique constraint is deferrable, which ON CONFLICT cannot use', async () => {
    await db.query(
      'CREATE TABLE deferred_unit (unit_key varchar(200) PRIMARY KEY DEFERRABLE INITIALLY IMMEDIATE, name text)',
    );
    const r = await open(
      config({ tables: { unit: { table: 'deferred_unit', key: 'unit_key', columns: {} } } }),
      { unit: ['name'] },
    ).check();
    expect(r.ok).toBe(false);
    expect(r.message).toMatch(
      /tables\.unit\.key: the PRIMARY KEY or UNIQUE constraint on column unit_key of \S+\.deferred_unit is DEFERRABLE, and orgsync's upsert \(INSERT \.\.\. ON CONFLICT\) cannot use a deferrable constraint/,
    );
  });

  it('refuses TLS settings in the URL, which would override ssl', () => {
    for (const query of [
      'sslmode=no-verify',
      'sslmode=disable',
      'ssl=true',
      'sslrootcert=/tmp/ca.pem',
      'x=1&sslmode=require',
    ]) {
      process.env['ORGSYNC_TEST_SQL_URL_TLS'] = `${TEST_PG_URL}?${query}`;
      const cfg = SqlConfig.parse({
        url: { env: 'ORGSYNC_TEST_SQL_URL_TLS' },
        ssl: true,
        schema: db.schema,
        tables: SAMPLE_TABLES_CONFIG,
      });
      const thrown = (() => {
        try {
          open(cfg);
        } catch (e) {
          return e;
        }
      })();
      expect(thrown, query).toBeInstanceOf(ConnectorError);
      expect((thrown as ConnectorError).kind).toBe('invalid-config');
      expect((thrown as ConnectorError).message).toMatch(
        /^url: the URL sets ssl\w*, which would override the ssl setting/,
      );
    }
  });

  it('keeps ssl: false as it is, whatever PGSSLMODE says', async () => {
    // This server has no TLS: had pg taken PGSSLMODE=require, it would refuse to connect.
    const before = process.env['PGSSLMODE'];
    process.env['PGSSLMODE'] = 'require';
    try {
      expect(await open().check()).toMatchObject({ ok: true });
    } finally {
      if (before === undefined) delete process.env['PGSSLMODE'];
      else process.env['PGSSLMODE'] = before;
    }
  });

  it('refuses a URL whose password is not percent-encoded, never showing it', async () => {
    const port = await closedPort();
    process.env['ORGSYNC_TEST_SQL_URL_BAD'] = `postgres://orgsync:2024/Sommer@127.0.0.1:${port}/test`;
    const cfg = SqlConfig.parse({ url: { env: 'ORGSYNC_TEST_SQL_URL_BAD' }, tables: SAMPLE_TABLES_CONFIG });
    let thrown: unknown;
    try {
      open(cfg);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(ConnectorError);
    expect((thrown as ConnectorError).kind).toBe('invalid-config');
    expect((thrown as ConnectorError).message).toMatch(/^url: the user or password in the URL holds a '\/'/);
    expect((thrown as ConnectorError).message).not.toMatch(/Sommer|2024/);
  });

  it('reports a closed port as not ok and transient, and never prints the password', async () => {
    process.env['ORGSYNC_TEST_SQL_PASSWORD'] = 'S3cret-Pw!';
    const port = await closedPort();

    const cfg = SqlConfig.parse({
      host: '127.0.0.1',
      port,
      database: 'test',
      user: 'orgsync',
      password: { env: 'ORGSYNC_TEST_SQL_PASSWORD' },
      tables: SAMPLE_TABLES_CONFIG,
    });
    expect(JSON.stringify(cfg)).not.toContain('S3cret');
    const session = open(cfg);
    const checked = await session.check();
    expect(checked.ok).toBe(false);
    expect(checked.message).toMatch(
      new RegExp(
        `connect to 127\\.0\\.0\\.1:${port}/test as orgsync: the database did not answer .*ECONNREFUSED`,
      ),
    );
    const thrown = await session
      .apply([create('unit', 'u1', null, { name: 'x' })], applyContext())
      .catch((e) => e);
    expect((thrown as ConnectorError).kind).toBe('transient');

    process.env['ORGSYNC_TEST_SQL_URL_PW'] = `postgres://orgsync:S3cret-Pw!@127.0.0.1:${port}/test`;
    const viaUrl = open(
      SqlConfig.parse({ url: { env: 'ORGSYNC_TEST_SQL_URL_PW' }, tables: SAMPLE_TABLES_CONFIG }),
    );
    const r = await viaUrl.check();
    expect(r.ok).toBe(false);
    expect(r.message).toContain(`127.0.0.1:${port}/test`);
    for (const m of [checked.message, r.message, (thrown as Error).message])
      expect(m).not.toContain('S3cret');
  });
});

describe('sql target refusals', () => {
  it('never quotes what a trigger in the target raises, as it may carry a value', async () => {
    await db.query(`CREATE TABLE guarded_person (person_key varchar(200) PRIMARY KEY, email varchar(254));
      CREATE FUNCTION guard() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'person % exists', NEW.email USING DETAIL = NEW.email, HINT = NEW.email; END $$;
      CREATE TRIGGER guard BEFORE INSERT ON guarded_person FOR EACH ROW EXECUTE FUNCTION guard();`);
    const session = open(
      config({ tables: { person: { table: 'guarded_person', key: 'person_key', columns: {} } } }),
      { person: ['email'] },
    );
    const results = await apply(session, [create('person', 'g1', null, { email: 'anne.secret@kommune.dk' })]);
    expect(statuses(results)).toEqual(['failed invalid-value']);
    expect(results[0]!.message).toBe(
      `create person g1 refused by ${db.schema}.guarded_person: a trigger or function in the database raised an error (raise_exception, SQLSTATE P0001)`,
    );
  });

  it('fails a chunk refused for the statement (a missing GRANT) as one, without trying each row', async () => {
    // Each statement that reaches the table counts itself in a sequence (which no rollback
    // undoes) and is refused as a missing GRANT would be.
    await db.query(`CREATE TABLE locked_unit (unit_key varchar(200) PRIMARY KEY, name text);
      CREATE SEQUENCE locked_calls;
      CREATE FUNCTION deny() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN PERFORM nextval('${db.schema}.locked_calls');
        RAISE EXCEPTION 'permission denied for table locked_unit' USING ERRCODE = '42501'; END $$;
      CREATE TRIGGER deny BEFORE INSERT ON locked_unit FOR EACH STATEMENT EXECUTE FUNCTION deny();`);
    const session = open(
      config({ tables: { unit: { table: 'locked_unit', key: 'unit_key', columns: {} } } }),
      { unit: ['name'] },
    );
    const units = Array.from({ length: 20 }, (_, i) => create('unit', `u${i}`, null, { name: `Enhed ${i}` }));
    const results = await apply(session, units);
    expect(new Set(statuses(results))).toEqual(new Set(['failed permission']));
    expect(results[0]!.message).toMatch(
      /^create unit u0 not applied to \S+\.locked_unit: a GRANT is missing \(insufficient_privilege, SQLSTATE 42501\)$/,
    );
    expect(await db.query('SELECT last_value::int AS n FROM locked_calls')).toEqual([{ n: 1 }]);
  });

  it('reports a connection the server dropped as transient, also when BEGIN is what finds out', async () => {
    const cfg = config();
    const client = new pg.Client({ connectionString: TEST_PG_URL });
    const dropped = new Promise((resolve) => client.on('error', resolve));
    await client.connect();
    try {
      const layouts = await verifyTables(client, cfg, planTables(cfg, SAMPLE_ATTRIBUTES), 'test');
      const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      await db.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
      await dropped;
      const thrown = await applyChanges(client, layouts, [create('unit', 'u1', null, { name: 'x' })], {
        signal: new AbortController().signal,
        chunkSize: 10,
        scrub: (s) => s,
      }).catch((e: unknown) => e);
      expect(thrown).toBeInstanceOf(ConnectorError);
      expect((thrown as ConnectorError).kind).toBe('transient');
      expect((thrown as ConnectorError).message).toMatch(
        /rolled back, nothing written\): the database did not answer/,
      );
    } finally {
      await client.end().catch(() => undefined);
    }
  });
});

describe('sql target at municipal scale', () => {
  it('creates 50,000 persons in one apply and reads them back', async () => {
    await clearSample();
    const session = open();
    const units = Array.from({ length: 200 }, (_, i) =>
      create('unit', `u${i}`, i === 0 ? null : `u${Math.floor((i - 1) / 10)}`, {
        name: `Enhed ${i}`,
        costCentre: String(1000 + i),
      }),
    );
    const persons = Array.from({ length: 50_000 }, (_, i) =>
      create('person', `person-${String(i).padStart(6, '0')}`, `u${i % 200}`, {
        givenName: `Fornavn${i}`,
        surname: `Æfternavn ${i}`,
        email: `p${i}@kommune.dk`,
        userId: `U${i}`,
        title: i % 7 === 0 ? 'Pædagog' : 'Sosu-assistent',
      }),
    );
    let started = performance.now();
    const results = await apply(session, [...units, ...persons]);
    const applyMs = performance.now() - started;
    expect(results.filter((r) => r.status !== 'applied')).toEqual([]);
    expect(await db.query('SELECT count(*)::int AS n FROM person')).toEqual([{ n: 50_000 }]);

    started = performance.now();
    const objects = await session.read!(['unit', 'person']);
    const readMs = performance.now() - started;
    expect(objects).toHaveLength(50_200);
    expect(byKey(objects, 'person')['person-049999']).toMatchObject({
      parentKey: 'u199',
      attrs: { surname: 'Æfternavn 49999', email: 'p49999@kommune.dk', userId: 'U49999' },
    });

    // The same 50,000 again (a resumed run): upserts, nothing duplicated.
    started = performance.now();
    const again = await apply(session, persons);
    const againMs = performance.now() - started;
    expect(again.every((r) => r.status === 'applied')).toBe(true);
    process.stdout.write(
      `sql target, 50,000 persons: create ${Math.round(applyMs)} ms, read ${Math.round(readMs)} ms, re-apply ${Math.round(againMs)} ms\n`,
    );
  }, 120_000);
});
