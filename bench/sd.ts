/**
 * The SD Løn source reading a large municipality from the SD simulator with 50 ms latency per
 * call: the full read of 50,000 employments (calls made, wall time, time waiting vs parsing),
 * next to the raw protocol (the same HTTP calls in the same order and concurrency, bodies
 * read and thrown away: the ceiling) and the latency floor (the round trips on the read's
 * critical path). Then the next morning's delta read and an intraday one. Writes
 * bench/results/sd.json.
 *
 *   node --import tsx bench/sd.ts       (also part of `npm run bench`; BENCH_SKIP_SD=1 leaves it out)
 *   SD_BENCH_PERSONS=41800              persons generated (about 50,000 employments, 4,200 units)
 *   SD_BENCH_LATENCY_MS=50              added by the simulator to every answer
 */

import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import PQueue from 'p-queue';
import { cacheFile, cacheKey, saveCache } from '../connectors/sd-lon/cache.js';
import { SdLonConfig } from '../connectors/sd-lon/config.js';
import { clientFor } from '../connectors/sd-lon/index.js';
import { readSd } from '../connectors/sd-lon/read.js';
import { silentLogger } from '../src/log/logger.js';
import { makePseudonymizer } from '../src/util/pseudonym.js';
import { forkChild } from './child.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PERSONS = Number(process.env['SD_BENCH_PERSONS'] ?? 41_800);
const LATENCY_MS = Number(process.env['SD_BENCH_LATENCY_MS'] ?? 50);
const AS_OF = '2026-11-23';
const PARENT = 'GetDepartmentParent20190701';

const ms = (t0: number) => Math.round(performance.now() - t0);

interface Call {
  operation: string;
  query: string;
}

const startSimulator = () =>
  forkChild<{ url: string; employments: number; units: number }>(
    join(ROOT, 'bench', 'sd-simulator-worker.ts'),
    [String(PERSONS), '1', AS_OF, String(LATENCY_MS)],
  );

const count = (calls: readonly Call[]) => {
  const by: Record<string, number> = {};
  for (const c of calls) by[c.operation] = (by[c.operation] ?? 0) + 1;
  return by;
};

/**
 * The raw protocol: the same calls, the way the source makes them (everything but the parent
 * lookups at once, then the parent lookups `concurrency` at a time), each body read to its end
 * and dropped. What is left is latency and transfer: no XML parsing, no mapping.
 */
async function rawReplay(url: string, calls: readonly Call[], concurrency: number): Promise<number> {
  const auth = `Basic ${Buffer.from('bench:bench').toString('base64')}`;
  const get = async (c: Call) => {
    const res = await fetch(`${url}${c.operation}?${c.query}`, { headers: { authorization: auth } });
    await res.arrayBuffer();
    if (!res.ok) throw new Error(`raw ${c.operation}: HTTP ${res.status}`);
  };
  const t0 = performance.now();
  const queue = new PQueue({ concurrency });
  await Promise.all([
    ...calls.filter((c) => c.operation !== PARENT).map(get),
    ...calls.filter((c) => c.operation === PARENT).map((c) => queue.add(() => get(c))),
  ]);
  return ms(t0);
}

const sim = startSimulator();
const { url, employments, units } = await sim.ready;
process.env['ORGSYNC_SD_BENCH_PASSWORD'] = 'bench';
const config = SdLonConfig.parse({
  url,
  username: 'bench',
  password: { env: 'ORGSYNC_SD_BENCH_PASSWORD' },
  institutions: [{ identifier: 'AB' }],
  payrollLevels: ['Afdelings-niveau'],
});
const pseudonymize = makePseudonymizer('bench');
const read = async (asOf: string, cache: Awaited<ReturnType<typeof readSd>>['cache'] | null) => {
  const client = clientFor(config);
  const t0 = performance.now();
  const result = await readSd({
    config,
    client,
    asOf,
    pseudonymize,
    logger: silentLogger(),
    cache,
    setup: 'bench',
    now: () => new Date(),
  });
  const wallMs = ms(t0);
  client.close();
  const calls = (await sim.ask<{ calls: Call[] }>('log')).calls;
  return { result, wallMs, calls, stats: client.stats };
};

// Full read.
const full = await read(AS_OF, null);
const workDir = mkdtempSync(join(tmpdir(), 'orgsync-sd-bench-'));
const t0 = performance.now();
await saveCache(cacheFile(workDir, 'source'), cacheKey(pseudonymize), full.result.cache);
const cacheWriteMs = ms(t0);
const parents = full.calls.filter((c) => c.operation === PARENT).length;
// The read's critical path in round trips: the organisation calls, then the parent lookups
// `concurrency` at a time; the staff calls run beside them.
const floorMs = (1 + Math.ceil(parents / config.concurrency)) * LATENCY_MS;
const rawMs = await rawReplay(url, full.calls, config.concurrency);
await sim.ask('log'); // the replay's own calls

// The next morning: one generated day of churn, read as a delta on the full read's cache.
const { asOf: nextDay } = await sim.ask<{ asOf: string }>('advance', {}, 'advanced');
const morning = await read(nextDay, full.result.cache);
// The delta must give what a full read of the same day gives.
const check = await read(nextDay, null);
const fingerprint = (e: typeof full.result.export) =>
  JSON.stringify([
    e.units.map((u) => [u.key, u.parentKey, u.name]).sort(),
    e.persons.map((p) => [p.key, p.givenName, p.surname, p.email]).sort(),
    e.positions.map((p) => [p.key, p.unitKey, p.title, p.manager, p.onLeave, p.validTo]).sort(),
  ]);
const deltaEqualsFull = fingerprint(morning.result.export) === fingerprint(check.result.export);
if (!deltaEqualsFull) process.stderr.write('the next morning delta differs from a full read of that day\n');
// Intraday, right after: nothing registered since.
const intraday = await read(nextDay, morning.result.cache);
await sim.ask('stop', {}, 'stopped');

const summary = (r: typeof full) => ({
  mode: r.result.mode,
  wallMs: r.wallMs,
  calls: r.calls.length,
  byOperation: count(r.calls),
  waitMs: Math.round(r.stats.waitMs),
  parseMs: Math.round(r.stats.parseMs),
  units: r.result.export.units.length,
  persons: r.result.export.persons.length,
  positions: r.result.export.positions.length,
});
const result = {
  benchmark: 'sd-lon source against the SD simulator',
  measuredAt: new Date().toISOString(),
  machine: {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    memoryGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
  },
  latencyMs: LATENCY_MS,
  concurrency: config.concurrency,
  generated: { persons: PERSONS, employments, units },
  full: {
    ...summary(full),
    cacheWriteMs,
    rawProtocolMs: rawMs,
    latencyFloorMs: floorMs,
    ofRaw: Math.round((rawMs / full.wallMs) * 100) / 100,
  },
  nextMorningDelta: { ...summary(morning), equalsFullRead: deltaEqualsFull },
  intradayDelta: summary(intraday),
};
mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
writeFileSync(join(ROOT, 'bench', 'results', 'sd.json'), `${JSON.stringify(result, null, 2)}\n`);
const f = result.full;
process.stdout.write(
  `sd-lon full read of ${employments} employments (${units} units) at ${LATENCY_MS} ms: ${f.wallMs} ms, ${f.calls} calls ` +
    `(${parents} GetDepartmentParent), waiting ${f.waitMs} ms and parsing ${f.parseMs} ms summed over the calls; raw protocol ${rawMs} ms ` +
    `(${f.ofRaw} of the read), latency floor ${floorMs} ms; cache written in ${cacheWriteMs} ms\n` +
    `  next morning (delta): ${result.nextMorningDelta.wallMs} ms, ${result.nextMorningDelta.calls} calls, equal to a full read: ${deltaEqualsFull}; ` +
    `intraday (delta): ${result.intradayDelta.wallMs} ms, ${result.intradayDelta.calls} calls\n` +
    'written: bench/results/sd.json\n',
);
