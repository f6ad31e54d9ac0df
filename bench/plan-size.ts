/**
 * One size of the plan benchmark, in its own process so that its peak memory is its own.
 * Prints one JSON line with the phase times (ms) and the peak resident set size (MB).
 *
 *   node --import tsx bench/plan-size.ts <opus-file> <work-dir> [first|nightly]
 *
 * first (default): the first run against an empty target, then a re-plan.
 * nightly: the next day's export against the target the first run filled: read, validate
 *   and plan only, as the nightly job's process does; its peak memory is the job's.
 *
 * Phases, as the nightly run goes through them:
 *   ceiling   a bare saxes pass over the file, counting elements: the floor for reading XML
 *   read      the OPUS source: parse and map to the canonical model
 *   validate  validate, resolve as of the day, derive managers and primaries, fingerprint
 *   plan0     plan against the empty file target (the first run: everything is a create)
 *   apply0    write the CSV files and record every change in the state store
 *   plan1     plan again against the full target (the steady nightly case: no changes)
 */
import { createReadStream, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { SaxesParser } from 'saxes';
import { stringify } from 'yaml';
import { applyWork } from '../src/engine/apply.js';
import { openEngine } from '../src/engine/context.js';
import { closeWork, makePlan } from '../src/engine/plan.js';
import { checkExport, readSource } from '../src/engine/snapshot.js';
import { silentLogger } from '../src/log/logger.js';

const [file, work, mode = 'first'] = process.argv.slice(2) as [string, string, string?];
const AS_OF = process.env['BENCH_AS_OF'] ?? '2026-11-22';

async function saxesCeiling(path: string): Promise<number> {
  const p = new SaxesParser();
  let elements = 0;
  p.on('opentag', () => {
    elements++;
  });
  for await (const chunk of createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 }))
    p.write(chunk as string);
  p.close();
  return elements;
}

async function timed<T>(times: Record<string, number>, name: string, fn: () => Promise<T> | T): Promise<T> {
  const t0 = performance.now();
  const r = await fn();
  times[name] = Math.round(performance.now() - t0);
  return r;
}

async function main() {
  mkdirSync(join(work, 'csv'), { recursive: true });
  // The nightly run reuses the first run's state and target files; only the export differs.
  writeFileSync(join(work, 'key'), 'bench-key');
  const configPath = join(work, 'orgsync.yaml');
  writeFileSync(
    configPath,
    stringify({
      source: { connector: 'opus-xml', config: { path: file } },
      privacy: { pseudonymKey: { file: join(work, 'key') } },
      state: { kind: 'sqlite', path: join(work, 'state.db') },
      workDir: join(work, 'work'),
      targets: [
        {
          name: 'csv',
          connector: 'csv-export',
          config: { directory: join(work, 'csv') },
          objects: {
            unit: {
              attributes: {
                name: '${unit.name}',
                costCentre: '${unit.costCentre}',
                manager: '${manager.key}',
              },
            },
            person: {
              attributes: {
                name: '${person.givenName} ${person.surname}',
                email: '${person.email | lower}',
                title: '${position.title}',
                department: '${unit.name}',
                manager: '${manager.key}',
              },
            },
            position: {
              attributes: {
                title: '${position.title}',
                fraction: '${position.fraction}',
                person: '${person.key}',
              },
            },
          },
        },
      ],
    }),
  );
  const times: Record<string, number> = {};
  const elements = await timed(times, 'ceiling', () => saxesCeiling(file));
  const engine = await openEngine(configPath, { logger: silentLogger() });
  // The raw export goes out of scope once validated, as in the CLI (loadSnapshot): keeping it
  // would make the plan phase run with a heap the real process never has.
  const readAndValidate = async () => {
    const exp = await timed(times, 'read', () => readSource(engine, AS_OF));
    return timed(times, 'validate', () => checkExport(engine, exp, AS_OF, { acceptShrink: true }));
  };
  const snap = await readAndValidate();
  if (mode === 'nightly') {
    const nightly = await timed(times, 'plan', () => makePlan(engine, snap));
    await closeWork(nightly.work);
    await engine.close();
    const changes = nightly.work[0]!.changes.length;
    process.stdout.write(
      JSON.stringify({
        file,
        mode,
        counts: snap.counts,
        changes,
        ms: times,
        peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
      }) + '\n',
    );
    return;
  }
  const first = await timed(times, 'plan0', () => makePlan(engine, snap));
  const changes = first.work[0]!.changes.length;
  await timed(times, 'apply0', async () => {
    await engine.store.startRun({
      id: 'bench',
      command: 'bench',
      startedAt: new Date().toISOString(),
      asOf: AS_OF,
      sourceFingerprint: null,
    });
    const out = await applyWork(engine, first.work, { runId: 'bench', signal: new AbortController().signal });
    await closeWork(first.work);
    if (out[0]!.status !== 'applied') throw new Error(`apply ${out[0]!.status}`);
  });
  const second = await timed(times, 'plan1', () => makePlan(engine, snap));
  await closeWork(second.work);
  const remaining = second.work[0]!.changes.length;
  await engine.close();
  const result = {
    file,
    mode,
    counts: snap.counts,
    xmlElements: elements,
    changes,
    secondPlanChanges: remaining,
    ms: times,
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
  };
  process.stdout.write(JSON.stringify(result) + '\n');
}

await main();
