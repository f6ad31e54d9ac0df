/**
 * The line-of-business targets at a large municipality's size, through the whole engine (read
 * and validate the OPUS export, plan, state store, executor), each next to its raw protocol
 * doing the same writes in the same run (the ceiling). Writes bench/results/lob.json.
 *
 *   node --import tsx bench/lob.ts          (also the last part of `npm run bench`; BENCH_SKIP_LOB=1 leaves it out)
 *   LOB_BENCH_PERSONS=50000                 the sql target's size (persons; about one unit per 10)
 *   BENCH_LDAP_PERSONS=10000                the ldap target's size
 *   BENCH_SKIP_SQL=1 / BENCH_SKIP_LDAP=1    leave one of them out
 *
 * sql: the local PostgreSQL (ORGSYNC_TEST_PG_URL, default postgres://postgres@127.0.0.1:5432/test),
 *   the README's sample tables in a throwaway schema with a random name, dropped at the end.
 *   Ceiling: the same rows inserted by raw pg, one INSERT ... SELECT FROM unnest(...) per table
 *   in one transaction, into the same tables in a second throwaway schema.
 * ldap: a real slapd (test/support/slapd.ts), the conformance harness's mapping. Ceiling: the
 *   entries the first sync made, read back and added by a bare ldapts loop with the target's
 *   concurrency on one connection (parents before children: one depth at a time), on a fresh slapd.
 *
 * Each target: the first sync of day 0 (plan + apply), the nightly run on day 1 (a day of the
 * generator's default churn), then a plan right after it, which must be empty.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { Client } from 'ldapts';
import PQueue from 'p-queue';
import pg from 'pg';
import { stringify } from 'yaml';
import {
  SAMPLE_OBJECTS,
  SAMPLE_TABLES,
  SAMPLE_TABLES_CONFIG,
  type ScratchSchema,
  scratchSchema,
  TEST_PG_URL,
} from '../connectors/sql/testing.js';
import { type Engine, openEngine } from '../src/engine/context.js';
import { closeWork, makePlan, type TargetWork } from '../src/engine/plan.js';
import { loadSnapshot } from '../src/engine/snapshot.js';
import { generateToDirectory, opusFileName } from '../src/generate/index.js';
import { childDn, parseDn } from '../src/ldap/dn.js';
import { silentLogger } from '../src/log/logger.js';
import type { Change } from '../src/sdk/types.js';
import { applyRecorded } from '../test/support/engine.js';
import { type Slapd, startSlapd } from '../test/support/slapd.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CACHE = join(ROOT, 'bench', 'results', 'tmp');
const SQL_PERSONS = Number(process.env['LOB_BENCH_PERSONS'] ?? 50_000);
const LDAP_PERSONS = Number(process.env['BENCH_LDAP_PERSONS'] ?? 10_000);
const LDAP_CONCURRENCY = 4; // the target's default
const AS_OF = '2026-11-22';
const NEXT_DAY = '2026-11-23';
const SQL_URL_ENV = 'ORGSYNC_BENCH_SQL_URL';

const ms = (t0: number) => Math.round(performance.now() - t0);
const perSecond = (n: number, msTaken: number) => Math.round((n / Math.max(msTaken, 1)) * 10_000) / 10;

// ---- peak memory: RSS sampled every 20 ms, per phase and overall ------------------------

let phasePeak = 0;
const sampler = setInterval(() => {
  phasePeak = Math.max(phasePeak, process.memoryUsage().rss);
}, 20);
sampler.unref();
const mb = (bytes: number) => Math.round(bytes / 2 ** 20);
/** Starts a new peak-RSS window; returns a function that ends it and gives its peak in MB. */
function rssWindow(): () => number {
  phasePeak = process.memoryUsage().rss;
  return () => mb(Math.max(phasePeak, process.memoryUsage().rss));
}

// ---- the municipality ---------------------------------------------------------------------

/** Day 0 and day 1 of a generated municipality (the same files and cache as bench/run.ts). */
async function exportsFor(persons: number): Promise<[string, string]> {
  const dir = join(CACHE, `opus-${persons}`);
  const files = [join(dir, opusFileName(AS_OF)), join(dir, opusFileName(NEXT_DAY))] as [string, string];
  if (!files.every((f) => existsSync(f)))
    await generateToDirectory({ dir, seed: 1, persons, asOf: AS_OF, days: 1 });
  return files;
}

/** A work directory; `config(file)` writes an orgsync config reading `file` with this one target. */
function workspace(name: string, target: Record<string, unknown>) {
  const work = mkdtempSync(join(tmpdir(), `orgsync-bench-${name}-`));
  writeFileSync(join(work, 'key'), 'bench-key');
  return {
    work,
    config(file: string) {
      const path = join(work, 'orgsync.yaml');
      writeFileSync(
        path,
        stringify({
          source: { connector: 'opus-xml', config: { path: file } },
          privacy: { pseudonymKey: { file: join(work, 'key') } },
          state: { kind: 'sqlite', path: join(work, 'state.db') },
          workDir: join(work, 'work'),
          targets: [{ safety: { maxRemovals: 1_000_000, maxRemovalShare: 1 }, ...target }],
        }),
      );
      return path;
    },
  };
}

// ---- the engine, timed --------------------------------------------------------------------

/**
 * Wraps the session's apply() to measure the time with at least one call in flight: the
 * connector's own share of an apply, the rest being the executor and the state store.
 */
function timeConnector(w: TargetWork): () => number {
  const session = w.session!;
  const apply = session.apply.bind(session);
  let inFlight = 0;
  let since = 0;
  let busy = 0;
  session.apply = async (changes, ctx) => {
    if (inFlight++ === 0) since = performance.now();
    try {
      return await apply(changes, ctx);
    } finally {
      if (--inFlight === 0) busy += performance.now() - since;
    }
  };
  return () => Math.round(busy);
}

/** Wraps the state store's writes during an apply (pending before each call, results after). */
function timeStore(engine: Engine): () => number {
  const store = engine.store as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
  let spent = 0;
  for (const name of ['addPending', 'recordResult', 'recordResults']) {
    const original = store[name]!.bind(store);
    store[name] = async (...args) => {
      const t0 = performance.now();
      try {
        return await original(...args);
      } finally {
        spent += performance.now() - t0;
      }
    };
  }
  return () => Math.round(spent);
}

const byAction = (changes: readonly Change[]) => {
  const counts: Record<string, number> = {};
  for (const c of changes) counts[`${c.action} ${c.type}`] = (counts[`${c.action} ${c.type}`] ?? 0) + 1;
  return counts;
};

interface RunFigures {
  /** Read and validate the OPUS export. */
  snapshotMs: number;
  /** makePlan: the target's read and the diff. */
  planMs: number;
  applyMs: number;
  /** Of applyMs: time with a connector apply() call in flight. */
  connectorMs: number;
  /** Of applyMs: time spent in the state store's writes (SQLite, synchronous: the event loop waits). */
  storeMs: number;
  changes: number;
  applied: number;
  changesPerSecond: number;
  actions: Record<string, number>;
  peakRssMb: number;
}

/** One sync of `file` as of `asOf`: snapshot, plan, apply; with `replan`, a plan right after (must be empty). */
async function sync(configPath: string, asOf: string, replan = false) {
  const peak = rssWindow();
  const engine: Engine = await openEngine(configPath, { logger: silentLogger() });
  try {
    let t0 = performance.now();
    const snap = await loadSnapshot(engine, asOf, { acceptShrink: true });
    const snapshotMs = ms(t0);
    t0 = performance.now();
    const planned = await makePlan(engine, snap);
    const planMs = ms(t0);
    const w = planned.work[0]!;
    if (w.plan.error) throw new Error(`not planned: ${w.plan.error}`);
    const changes = w.changes.length;
    const actions = byAction(w.changes);
    const connectorMs = timeConnector(w);
    const storeMs = timeStore(engine);
    t0 = performance.now();
    const [outcome] = await applyRecorded(engine, planned.work, asOf);
    const applyMs = ms(t0);
    if (outcome!.status !== 'applied' && !(outcome!.status === 'unchanged' && changes === 0))
      throw new Error(`apply ${outcome!.status}: ${JSON.stringify(outcome!.problems.slice(0, 3))}`);
    const run: RunFigures = {
      snapshotMs,
      planMs,
      applyMs,
      connectorMs: connectorMs(),
      storeMs: storeMs(),
      changes,
      applied: outcome!.applied,
      changesPerSecond: perSecond(outcome!.applied, applyMs),
      actions,
      peakRssMb: 0,
    };
    let after: { planMs: number; changes: number } | undefined;
    if (replan) {
      t0 = performance.now();
      const again = await makePlan(engine, snap);
      const replanMs = ms(t0);
      await closeWork(again.work);
      const left = again.work[0]!;
      if (left.plan.error) throw new Error(`replan not planned: ${left.plan.error}`);
      if (left.changes.length !== 0)
        throw new Error(
          `the plan after the nightly run is not empty: ${JSON.stringify(byAction(left.changes))}`,
        );
      after = { planMs: replanMs, changes: left.changes.length };
    }
    run.peakRssMb = peak();
    return { run, after };
  } finally {
    await engine.close();
  }
}

/** First sync of day 0, nightly run of day 1, empty replan. */
async function firstAndNightly(config: (file: string) => string, day0: string, day1: string) {
  const first = (await sync(config(day0), AS_OF)).run;
  const { run: nightly, after } = await sync(config(day1), NEXT_DAY, true);
  return { first, nightly, replan: after! };
}

// ---- sql --------------------------------------------------------------------------------

type Cell = string | null;
const text = (v: unknown): Cell =>
  v === null || v === undefined ? null : Array.isArray(v) ? v.map(String).join(',') : String(v);

/**
 * The ceiling: the rows the first sync's creates write, inserted by raw pg into the sample
 * tables of `scratch`, one INSERT ... SELECT FROM unnest per table, in one transaction.
 */
async function rawSql(scratch: ScratchSchema, creates: readonly Change[]) {
  await scratch.query(SAMPLE_TABLES);
  const tables = SAMPLE_TABLES_CONFIG;
  const order = ['unit', 'person', 'position'] as const;
  const statements = order.map((type) => {
    const t = tables[type];
    const attrs = Object.keys(SAMPLE_OBJECTS[type].attributes);
    const columns = [t.key, t.parent, ...attrs.map((a) => (t.columns as Record<string, string>)[a] ?? a)];
    const cells: Cell[][] = columns.map(() => []);
    const disabled: boolean[] = [];
    for (const c of creates) {
      if (c.type !== type) continue;
      const values = new Map(c.attrs.map((a) => [a.name, a.new]));
      cells[0]!.push(c.key);
      cells[1]!.push(c.parentKey);
      for (const [i, a] of attrs.entries()) cells[i + 2]!.push(text(values.get(a)));
      disabled.push(false);
    }
    const params = columns.map((_, i) => `$${i + 1}::text[]`);
    return {
      rows: disabled.length,
      text: `INSERT INTO ${pg.escapeIdentifier(t.table)} (${[...columns, t.disabled].map((c) => pg.escapeIdentifier(c)).join(', ')}) SELECT * FROM unnest(${params.join(', ')}, $${columns.length + 1}::boolean[])`,
      values: [...cells, disabled],
    };
  });
  const client = new pg.Client({ connectionString: TEST_PG_URL });
  await client.connect();
  try {
    await client.query(`SET search_path TO ${pg.escapeIdentifier(scratch.schema)}`);
    const t0 = performance.now();
    await client.query('BEGIN');
    for (const s of statements) await client.query(s.text, s.values);
    await client.query('COMMIT');
    const taken = ms(t0);
    const rows = statements.reduce((n, s) => n + s.rows, 0);
    return { rows, ms: taken, rowsPerSecond: perSecond(rows, taken) };
  } finally {
    await client.end();
  }
}

async function sqlBench() {
  const [day0, day1] = await exportsFor(SQL_PERSONS);
  process.env[SQL_URL_ENV] = TEST_PG_URL;
  const target = await scratchSchema('orgsync_bench');
  const raw = await scratchSchema('orgsync_bench_raw');
  const ws = workspace('sql', {
    name: 'lob-db',
    connector: 'sql',
    config: { url: { env: SQL_URL_ENV }, schema: target.schema, tables: SAMPLE_TABLES_CONFIG },
    objects: SAMPLE_OBJECTS,
    onRemove: { unit: 'delete', person: 'disable', position: 'delete' },
  });
  try {
    await target.query(SAMPLE_TABLES);
    // The ceiling first (its own schema, so it does not share the connector's tables), from
    // the creates the first plan makes.
    const engine = await openEngine(ws.config(day0), { logger: silentLogger() });
    const snap = await loadSnapshot(engine, AS_OF, { acceptShrink: true });
    const planned = await makePlan(engine, snap);
    const creates = planned.work[0]!.changes;
    await closeWork(planned.work);
    await engine.close();
    const ceiling = await rawSql(raw, creates);

    const runs = await firstAndNightly(ws.config, day0, day1);
    const [rows] = await target.query<{ n: string }>(
      'SELECT (SELECT count(*) FROM org_unit) + (SELECT count(*) FROM person) + (SELECT count(*) FROM position) AS n',
    );
    return { persons: SQL_PERSONS, ...runs, rowsAfterNightly: Number(rows!.n), ceiling };
  } finally {
    await raw.drop();
    await target.drop();
    rmSync(ws.work, { recursive: true, force: true });
  }
}

// ---- ldap -------------------------------------------------------------------------------

const LDAP_OBJECTS = {
  unit: { attributes: { ou: '${unit.name}', description: '${unit.name} (${unit.costCentre})' } },
  person: {
    attributes: {
      cn: '${person.givenName} ${person.surname}',
      sn: '${person.surname}',
      givenName: '${person.givenName}',
      mail: '${person.email | lower}',
      title: '${position.title}',
      departmentNumber: '${unit.key}',
      manager: '${manager.key}',
    },
  },
};

async function ldapWorkspace(slapd: Slapd) {
  const baseDn = childDn('ou', 'organisation', slapd.suffix);
  const client = await slapd.client();
  try {
    await client.add(baseDn, { objectClass: ['top', 'organizationalUnit'], ou: 'organisation' });
  } finally {
    await client.unbind();
  }
  const passwordFile = join(slapd.dir, 'bind-password');
  writeFileSync(passwordFile, slapd.rootPassword);
  const ws = workspace('ldap', {
    name: 'ldap',
    connector: 'ldap',
    config: { url: slapd.url, bind: { dn: slapd.rootDn, password: { file: passwordFile } }, baseDn },
    objects: LDAP_OBJECTS,
    onRemove: { unit: 'delete', person: 'disable' },
    concurrency: LDAP_CONCURRENCY,
  });
  return { baseDn, ...ws };
}

type RawEntry = { dn: string; attributes: Record<string, string | string[]> };

/** Every entry below (not at) `baseDn`, user attributes only, as an add would write it. */
async function entriesBelow(client: Client, baseDn: string): Promise<RawEntry[]> {
  const { searchEntries } = await client.search(baseDn, {
    scope: 'sub',
    attributes: ['*'],
    paged: { pageSize: 500 },
  });
  return searchEntries
    .filter((e) => parseDn(e.dn).length > parseDn(baseDn).length)
    .map(({ dn, ...attrs }) => ({
      dn,
      attributes: Object.fromEntries(
        Object.entries(attrs)
          .map(([k, v]) => [k, (Array.isArray(v) ? v : [v]).map((x) => x.toString())] as const)
          .filter(([, v]) => v.length > 0),
      ),
    }));
}

/** The ceiling: `entries` added by a bare ldapts loop, `LDAP_CONCURRENCY` in flight, one depth at a time. */
async function rawLdap(entries: readonly RawEntry[]) {
  const slapd = await startSlapd();
  try {
    const client = await slapd.client();
    await client.add(childDn('ou', 'organisation', slapd.suffix), {
      objectClass: ['top', 'organizationalUnit'],
      ou: 'organisation',
    });
    const levels = new Map<number, RawEntry[]>();
    for (const e of entries) {
      const depth = parseDn(e.dn).length;
      levels.set(depth, [...(levels.get(depth) ?? []), e]);
    }
    const peak = rssWindow();
    const t0 = performance.now();
    for (const depth of [...levels.keys()].sort((a, b) => a - b)) {
      const q = new PQueue({ concurrency: LDAP_CONCURRENCY });
      await q.addAll(levels.get(depth)!.map((e) => () => client.add(e.dn, e.attributes)));
    }
    const taken = ms(t0);
    const peakRssMb = peak();
    await client.unbind();
    return {
      entries: entries.length,
      levels: levels.size,
      ms: taken,
      perSecond: perSecond(entries.length, taken),
      peakRssMb,
    };
  } finally {
    await slapd.stop();
  }
}

async function ldapBench() {
  const [day0, day1] = await exportsFor(LDAP_PERSONS);
  const slapd = await startSlapd();
  let entries: RawEntry[];
  let runs: Awaited<ReturnType<typeof firstAndNightly>>;
  try {
    const ws = await ldapWorkspace(slapd);
    try {
      const first = (await sync(ws.config(day0), AS_OF)).run;
      const client = await slapd.client();
      entries = await entriesBelow(client, ws.baseDn);
      await client.unbind();
      const { run: nightly, after } = await sync(ws.config(day1), NEXT_DAY, true);
      runs = { first, nightly, replan: after! };
    } finally {
      rmSync(ws.work, { recursive: true, force: true });
    }
  } finally {
    await slapd.stop();
  }
  const ceiling = await rawLdap(entries);
  return {
    persons: LDAP_PERSONS,
    concurrency: LDAP_CONCURRENCY,
    ...runs,
    entriesAfterFirst: entries.length,
    ceiling,
  };
}

// ---- main -------------------------------------------------------------------------------

function line(name: string, r: RunFigures) {
  return (
    `  ${name}: snapshot ${r.snapshotMs} ms, plan ${r.planMs} ms, apply ${r.applyMs} ms ` +
    `(connector ${r.connectorMs} ms, state store ${r.storeMs} ms) for ${r.applied}/${r.changes} changes, ${r.changesPerSecond}/s, peak ${r.peakRssMb} MB\n`
  );
}

const result: Record<string, unknown> = {
  benchmark:
    'line-of-business targets (sql on PostgreSQL, ldap on slapd) through the whole engine, next to raw pg and raw ldapts',
  measuredAt: new Date().toISOString(),
  machine: {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    memoryGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
  },
};

if (process.env['BENCH_SKIP_SQL'] !== '1') {
  const sql = await sqlBench();
  const ratio = Math.round((sql.first.changesPerSecond / sql.ceiling.rowsPerSecond) * 1000) / 1000;
  result['sql'] = { ...sql, ratio };
  process.stdout.write(
    `sql target, ${sql.persons} persons (PostgreSQL ${TEST_PG_URL.replace(/\/\/[^@]*@/, '//')}):\n` +
      line('first  ', sql.first) +
      line('nightly', sql.nightly) +
      `  plan after nightly: ${sql.replan.planMs} ms, ${sql.replan.changes} changes\n` +
      `  ceiling (raw pg, INSERT ... SELECT FROM unnest): ${sql.ceiling.rows} rows in ${sql.ceiling.ms} ms, ${sql.ceiling.rowsPerSecond}/s; first apply / ceiling ${ratio}\n`,
  );
}

if (process.env['BENCH_SKIP_LDAP'] !== '1') {
  const ldap = await ldapBench();
  const ratio = Math.round((ldap.first.changesPerSecond / ldap.ceiling.perSecond) * 1000) / 1000;
  result['ldap'] = { ...ldap, ratio };
  process.stdout.write(
    `ldap target, ${ldap.persons} persons, concurrency ${ldap.concurrency} (slapd):\n` +
      line('first  ', ldap.first) +
      line('nightly', ldap.nightly) +
      `  plan after nightly: ${ldap.replan.planMs} ms, ${ldap.replan.changes} changes\n` +
      `  ceiling (raw ldapts add): ${ldap.ceiling.entries} entries in ${ldap.ceiling.ms} ms, ${ldap.ceiling.perSecond}/s; first apply / ceiling ${ratio}\n`,
  );
}

result['peakRssMb'] = Math.round(process.resourceUsage().maxRSS / 1024);
mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
writeFileSync(join(ROOT, 'bench', 'results', 'lob.json'), `${JSON.stringify(result, null, 2)}\n`);
process.stdout.write('written: bench/results/lob.json\n');
