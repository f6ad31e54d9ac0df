/**
 * npm run bench: the figures the issues ask for, measured on this machine, written to
 * bench/results/*.json and summarised in docs/benchmarks.md (by hand, from those files).
 *
 *   BENCH_SIZES=10000,50000 npm run bench     choose the sizes (persons)
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

async function exportFor(persons: number): Promise<string> {
  const dir = join(CACHE, `opus-${persons}`);
  const file = join(dir, opusFileName(AS_OF));
  if (!existsSync(file)) await generateToDirectory({ dir, seed: 1, persons, asOf: AS_OF });
  return file;
}

const rows = [];
for (const persons of SIZES) {
  const hr = await exportFor(persons);
  const work = join(CACHE, `work-${persons}-${Date.now()}`);
  const out = execFileSync(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'bench', 'plan-size.ts'), hr, work],
    {
      encoding: 'utf8',
      env: { ...process.env, BENCH_AS_OF: AS_OF },
      maxBuffer: 1 << 24,
    },
  );
  const r = JSON.parse(out.trim().split('\n').pop()!);
  const validatePlan = r.ms.validate + r.ms.plan0;
  rows.push({ persons, ...r, validateAndPlanMs: validatePlan, readValidatePlanMs: r.ms.read + validatePlan });
  process.stdout.write(
    `${String(persons).padStart(6)} persons: read ${r.ms.read} ms (saxes ceiling ${r.ms.ceiling} ms), validate ${r.ms.validate} ms, ` +
      `plan ${r.ms.plan0} ms, apply ${r.ms.apply0} ms for ${r.changes} changes, steady plan ${r.ms.plan1} ms ` +
      `(${r.secondPlanChanges} changes), peak ${r.peakRssMb} MB\n`,
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
