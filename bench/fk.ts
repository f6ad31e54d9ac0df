/**
 * FK Organisation figures (issue 4): a first sync of a municipality of 10,000 users in about
 * 1,000 units into the simulator with 100 ms latency per call, through orgsync's engine and
 * connector; then the same calls sent as raw HTTP one at a time and four at a time (the
 * reference client's pace), and a second run that must send nothing. Results in
 * bench/results/fk.json, summarised in docs/benchmarks.md.
 *
 *   FK_BENCH_PERSONS=10000        users (units follow the generator: about one per ten)
 *   FK_BENCH_CONCURRENCY=16       orgsync's concurrency for the target
 *   FK_BENCH_SAMPLE=400           calls the one-at-a-time baseline sends (four at a time: 4x);
 *                                 the baselines' wall time for all calls is their per-call time
 *                                 times the number of calls (at a fixed latency, exact enough)
 */

import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import PQueue from 'p-queue';
import { stringify } from 'yaml';
import { FK_TEST_OBJECTS } from '../connectors/fk-organisation/testing.js';
import { openEngine } from '../src/engine/context.js';
import { closeWork, makePlan } from '../src/engine/plan.js';
import { acceptSnapshot, loadSnapshot } from '../src/engine/snapshot.js';
import { generateToDirectory, opusFileName } from '../src/generate/index.js';
import { silentLogger } from '../src/log/logger.js';
import { applyRecorded } from '../test/support/engine.js';
import { forkChild } from './child.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PERSONS = Number(process.env['FK_BENCH_PERSONS'] ?? 10_000);
const CONCURRENCY = Number(process.env['FK_BENCH_CONCURRENCY'] ?? 16);
const SAMPLE = Number(process.env['FK_BENCH_SAMPLE'] ?? 400);
const LATENCY_MS = 100;
const AS_OF = '2026-11-22';
const ORG = '5d1e2c3b-4a59-4e6f-8a7b-9c0d1e2f3a4b';

const ms = (t0: number) => Math.round(performance.now() - t0);

interface Stats {
  total: number;
  byCall: Record<string, number>;
}
interface Sim {
  url: string;
  ask<T>(type: string, extra?: object): Promise<T>;
  stop(): Promise<void>;
}

async function startSimulator(): Promise<Sim> {
  const child = forkChild<{ url: string }>(join(ROOT, 'bench', 'fk-simulator-worker.ts'), [
    String(LATENCY_MS),
  ]);
  const { url } = await child.ready;
  return {
    url,
    ask: (type, extra) => child.ask(type, extra),
    stop: async () => {
      await child.ask('stop', {}, 'stopped');
    },
  };
}

function writeConfig(dir: string, hrDir: string, endpoint: string): string {
  writeFileSync(join(dir, 'pseudonym.key'), 'bench-pseudonym-key\n');
  const config = {
    source: { connector: 'opus-xml', config: { path: hrDir } },
    privacy: { pseudonymKey: { file: join(dir, 'pseudonym.key') } },
    state: { kind: 'sqlite', path: join(dir, 'state.db') },
    workDir: join(dir, 'work'),
    targets: [
      {
        name: 'fk',
        connector: 'fk-organisation',
        config: { endpoint, organisation: ORG, timeoutMs: 30_000 },
        objects: FK_TEST_OBJECTS,
        safety: { maxRemovals: 100_000, maxRemovalShare: 1 },
        concurrency: CONCURRENCY,
      },
    ],
  };
  const path = join(dir, 'orgsync.yaml');
  writeFileSync(path, stringify(config));
  return path;
}

/** Sends recorded requests as they were, raw HTTP, `inFlight` at a time; ms per call. */
async function replay(
  url: string,
  sample: { service: string; operation: string; body: string }[],
  inFlight: number,
) {
  const queue = new PQueue({ concurrency: inFlight });
  const t0 = performance.now();
  await queue.addAll(
    sample.map((r) => async () => {
      const path = r.service.toLowerCase();
      const res = await fetch(`${url}/organisation/${path}/6`, {
        method: 'POST',
        headers: {
          'content-type': `application/soap+xml; charset=utf-8; action="http://kombit.dk/sts/organisation/${path}/${r.operation}"`,
        },
        body: r.body,
      });
      await res.text();
    }),
  );
  return (performance.now() - t0) / sample.length;
}

// --- the municipality ----------------------------------------------------------------------------
const hrDir = join(ROOT, 'bench', 'results', 'tmp', `opus-fk-${PERSONS}`);
if (!existsSync(join(hrDir, opusFileName(AS_OF))))
  await generateToDirectory({ dir: hrDir, seed: 1, persons: PERSONS, asOf: AS_OF, days: 0 });

// --- orgsync ---------------------------------------------------------------------------------------
const sim = await startSimulator();
const dir = mkdtempSync(join(tmpdir(), 'orgsync-fk-bench-'));
const engine = await openEngine(writeConfig(dir, hrDir, sim.url), { logger: silentLogger() });
const snap = await loadSnapshot(engine, AS_OF, { acceptShrink: true });
const objects = {
  units: snap.snapshot.units.size,
  users: snap.snapshot.persons.size,
  positions: snap.snapshot.positions.size,
  managers: [...snap.snapshot.positions.values()].filter((p) => p.manager).length,
};
process.stdout.write(
  `FK: ${JSON.stringify(objects)}, latency ${LATENCY_MS} ms, concurrency ${CONCURRENCY}\n`,
);
const first = await makePlan(engine, snap);
let t0 = performance.now();
const [outcome] = await applyRecorded(engine, first.work, AS_OF);
const firstMs = ms(t0);
if (outcome!.status !== 'applied')
  throw new Error(`apply ${outcome!.status}: ${JSON.stringify(outcome!.problems[0])}`);
await acceptSnapshot(engine, snap);
const firstStats = await sim.ask<Stats>('stats');
process.stdout.write(`  orgsync first sync: ${firstStats.total} calls in ${firstMs} ms\n`);

// A second run: nothing changed, nothing is sent.
t0 = performance.now();
const second = await makePlan(engine, snap);
const [again] = await applyRecorded(engine, second.work, AS_OF);
const secondMs = ms(t0);
const secondCalls = (await sim.ask<Stats>('stats')).total - firstStats.total;
process.stdout.write(
  `  unchanged run: ${second.work[0]!.changes.length} changes, ${secondCalls} calls, ${secondMs} ms\n`,
);
await closeWork(second.work);
await engine.close();
const { sample } = await sim.ask<{ sample: { service: string; operation: string; body: string }[] }>(
  'sample',
  {
    n: SAMPLE * 4,
  },
);
await sim.stop();
if (again!.status !== 'applied' || secondCalls !== 0)
  throw new Error(`the unchanged run was ${again!.status} with ${secondCalls} calls: expected none`);

// --- the same calls, one at a time and four at a time, each against a fresh simulator ------------
const baselines: Record<string, { perCallMs: number; sampled: number; wallMsForAllCalls: number }> = {};
for (const [name, inFlight, n] of [
  ['oneAtATime', 1, SAMPLE],
  ['fourAtATime', 4, SAMPLE * 4],
] as const) {
  const fresh = await startSimulator();
  const perCall = await replay(fresh.url, sample.slice(0, n), inFlight);
  await fresh.stop();
  baselines[name] = {
    perCallMs: Math.round(perCall * 100) / 100,
    sampled: n,
    wallMsForAllCalls: Math.round(perCall * firstStats.total),
  };
  process.stdout.write(
    `  ${name}: ${baselines[name]!.perCallMs} ms per call over ${n} calls -> ${baselines[name]!.wallMsForAllCalls} ms for all ${firstStats.total}\n`,
  );
}

const totalObjects = objects.units + objects.users + objects.positions;
const result = {
  benchmark: 'FK Organisation first sync into the simulator, 100 ms latency per call',
  measuredAt: new Date().toISOString(),
  machine: { cpus: cpus().length, node: process.version },
  objects,
  concurrency: CONCURRENCY,
  orgsync: {
    firstSyncMs: firstMs,
    calls: firstStats.total,
    callsByServiceOperationAndStatus: firstStats.byCall,
    callsPerObject: Math.round((firstStats.total / totalObjects) * 100) / 100,
    unchangedRun: { changes: second.work[0]!.changes.length, calls: secondCalls, ms: secondMs },
  },
  baselines,
  speedup: {
    vsOneAtATime: Math.round((baselines['oneAtATime']!.wallMsForAllCalls / firstMs) * 10) / 10,
    vsFourAtATime: Math.round((baselines['fourAtATime']!.wallMsForAllCalls / firstMs) * 10) / 10,
  },
};
mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
writeFileSync(join(ROOT, 'bench', 'results', 'fk.json'), `${JSON.stringify(result, null, 2)}\n`);
process.stdout.write(
  `  speed-up: ${result.speedup.vsOneAtATime}x one at a time, ${result.speedup.vsFourAtATime}x four at a time; ` +
    `${result.orgsync.callsPerObject} calls per object\nwritten: bench/results/fk.json\n`,
);
