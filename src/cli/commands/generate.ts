/**
 * orgsync generate: writes a realistic, deterministic municipality as OPUS exports,
 * for demos, tests and benchmarks.
 */
import type { Command } from 'commander';
import { EXIT } from '../../errors.js';
import { generateToDirectory } from '../../generate/index.js';
import { reportError, resolveAsOf, UsageError } from '../common.js';

const int = (name: string, v: string, max: number) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > max)
    throw new UsageError(`--${name} must be a whole number from 0 to ${max}`);
  return n;
};

export function registerGenerate(program: Command) {
  program
    .command('generate')
    .description('write a generated municipality as KMD OPUS XML exports (day 0 and following days)')
    .requiredOption('-o, --out <dir>', 'directory to write the ZLPE*.xml files to')
    .option('-p, --persons <n>', 'number of persons (up to 100000)', '2000')
    .option('-s, --seed <n>', 'random seed: the same seed gives the same files', '1')
    .option('--as-of <date>', 'the date of the first export (default today)')
    .option('-d, --days <n>', 'also write this many following days of churn', '0')
    .action(async (flags: { out: string; persons: string; seed: string; asOf?: string; days: string }) => {
      try {
        const files = await generateToDirectory({
          dir: flags.out,
          seed: int('seed', flags.seed, 2 ** 31),
          persons: int('persons', flags.persons, 100_000),
          asOf: resolveAsOf(flags.asOf),
          days: int('days', flags.days, 365),
        });
        for (const f of files) process.stdout.write(`${f}\n`);
        process.exitCode = EXIT.ok;
      } catch (e) {
        process.exitCode = reportError(e);
      }
    });
}
