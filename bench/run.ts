/**
 * npm run bench: the figures the issues ask for, measured on this machine, written to
 * bench/results/*.json and summarised in docs/benchmarks.md (by hand, from those files).
 *
 *   BENCH_SIZES=10000,50000 npm run bench     choose the sizes (persons)
 *   BENCH_NIGHTLY_REPEATS=5 npm run bench     how often the nightly run is measured (median reported)
 *   BENCH_SKIP_AD=1 npm run bench             without the Active Directory figures (bench/ad.ts)
 *   BENCH_SKIP_FK=1 npm run bench             without the FK Organisation figures (bench/fk.ts)
 *   BENCH_SKIP_LOB=1 npm run bench            without the line-of-business figures (bench/lob.ts: sql, ldap)
 *   BENCH_SKIP_SD=1 npm run bench             without the SD Løn source figures (bench/sd.ts)
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateToDirectory, opusFileName } from '../src/generate/index.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CACHE = join(ROOT, 'bench', 'results', 'tmp');
const SIZES = (process.env['BENCH_SIZES'] ?? '10000,50000,100000').split(',').map(Number);
const AS_OF = '2026-11-22';
const NEXT_DAY = '2026-11-23';
const NIGHTLY_REPEATS = Number(process.env['BENCH_NIGHTLY_REPEATS'] ?? 3);

/** Day 0 and day 1 (a day of churn at the generator's default rates) of one municipality. */
async function exportsFor(persons: number): Promise<[string, string]> {
  const dir = join(CACHE, `opus-${persons}`);
  const files = [join(dir, opusFileName(AS_OF)), join(dir, opusFileName(NEXT_DAY))] as [string, string];
  if (!files.every((f) => existsSync(f)))
    await generateToDirectory({ dir, seed: 1, persons, asOf: AS_OF, days: 1 });
  return files;
}

function runSize(file: string, work: string, mode: 'first' | 'nightly', asOf: string) {
  const out = execFileSync(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'bench', 'plan-size.ts'), file, work, mode],
    {
      encoding: 'utf8',
      env: { ...process.env, BENCH_AS_OF: asOf },
      maxBuffer: 1 << 24,
    },
  );
  return JSON.parse(out.trim().split('\n').pop()!);
}

const rows = [];
for (const persons of SIZES) {
  const [day0, day1] = await exportsFor(persons);
  const work = join(CACHE, `work-${persons}-${Date.now()}`);
  const first = runSize(day0, work, 'first', AS_OF);
  // The machine's speed drifts, so the nightly run, the figure the aim is about, is
  // measured several times on the same files and reported by its median.
  const repeats = Array.from({ length: NIGHTLY_REPEATS }, () => runSize(day1, work, 'nightly', NEXT_DAY));
  const totals = repeats.map((r) => r.ms.validate + r.ms.plan);
  const medianAt = totals.indexOf([...totals].sort((a, b) => a - b)[Math.floor(totals.length / 2)]!);
  const nightly = repeats[medianAt]!;
  rows.push({ persons, first, nightly, nightlyValidateAndPlanMs: totals[medianAt], nightlyRunsMs: totals });
  const f = first.ms;
  const n = nightly.ms;
  process.stdout.write(
    `${String(persons).padStart(6)} persons, first run: read ${f.read} ms (saxes ceiling ${f.ceiling} ms), validate ${f.validate} ms, ` +
      `plan ${f.plan0} ms, apply ${f.apply0} ms for ${first.changes} changes, re-plan ${f.plan1} ms (${first.secondPlanChanges} changes), peak ${first.peakRssMb} MB\n` +
      `${' '.repeat(14)} nightly:   read ${n.read} ms (saxes ceiling ${n.ceiling} ms), validate ${n.validate} ms, plan ${n.plan} ms ` +
      `(${nightly.changes} changes), peak ${nightly.peakRssMb} MB; validate + plan over ${totals.length} runs: ${totals.join(', ')} ms\n`,
  );
}
mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
const machine = {
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model,
  memoryGb: Math.round(totalmem() / 2 ** 30),
  node: process.version,
};
writeFileSync(
  join(ROOT, 'bench', 'results', 'plan.json'),
  JSON.stringify(
    {
      benchmark: 'validate and plan against one CSV file target',
      measuredAt: new Date().toISOString(),
      machine,
      rows,
    },
    null,
    2,
  ) + '\n',
);
process.stdout.write('written: bench/results/plan.json\n');

// The AD target against a local Samba DC (bench/ad.ts), in its own process: it starts the DC.
if (process.env['BENCH_SKIP_AD'] !== '1') {
  execFileSync(process.execPath, ['--import', 'tsx', join(ROOT, 'bench', 'ad.ts')], { stdio: 'inherit' });
}

// The FK Organisation target against its simulator at 100 ms per call (bench/fk.ts, about 6 minutes).
if (process.env['BENCH_SKIP_FK'] !== '1') {
  execFileSync(process.execPath, ['--import', 'tsx', join(ROOT, 'bench', 'fk.ts')], { stdio: 'inherit' });
  // What OIOIDWS adds per call (CPU only): signing on our side, checking on the service's.
  execFileSync(process.execPath, ['--import', 'tsx', join(ROOT, 'bench', 'fk-signing.ts')], {
    stdio: 'inherit',
  });
}

// The line-of-business targets (bench/lob.ts): sql against the local PostgreSQL, ldap against a
// slapd it starts, each next to its raw protocol; in its own process, for its own peak memory.
if (process.env['BENCH_SKIP_LOB'] !== '1') {
  execFileSync(process.execPath, ['--import', 'tsx', join(ROOT, 'bench', 'lob.ts')], { stdio: 'inherit' });
}

// The SD Løn source reading 50,000 employments from its simulator at 50 ms per call (bench/sd.ts),
// next to the raw protocol; the simulator runs in a child process of its own.
if (process.env['BENCH_SKIP_SD'] !== '1') {
  execFileSync(process.execPath, ['--import', 'tsx', join(ROOT, 'bench', 'sd.ts')], { stdio: 'inherit' });
}
