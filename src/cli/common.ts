/**
 * What every command shares: common flags, opening the engine, turning errors into one
 * clear message and an exit code, and progress on a terminal.
 */
import { randomUUID } from 'node:crypto';
import { type Command, Option } from 'commander';
import { type Engine, openEngine } from '../engine/context.js';
import { EXIT, isOrgsyncError } from '../errors.js';
import { createLogger } from '../log/logger.js';
import { isValidIsoDate, todayIso } from '../model/dates.js';
import type { RunStatus } from '../state/store.js';

export interface CommonOptions {
  config: string;
  logLevel?: string;
}

export const DEFAULT_CONFIG = process.env['ORGSYNC_CONFIG'] ?? 'orgsync.yaml';

export function withConfig(cmd: Command): Command {
  return cmd
    .option('-c, --config <file>', 'configuration file (env ORGSYNC_CONFIG)', DEFAULT_CONFIG)
    .addOption(
      new Option('--log-level <level>', 'log level for the JSON log on stderr').choices([
        'fatal',
        'error',
        'warn',
        'info',
        'debug',
        'silent',
      ]),
    );
}

export function withAsOf(cmd: Command): Command {
  return cmd.option(
    '--as-of <date>',
    'the day the organisation is taken as of (YYYY-MM-DD); default today, Copenhagen time',
  );
}

export function resolveAsOf(value: string | undefined): string {
  if (value === undefined) return todayIso();
  if (!isValidIsoDate(value)) throw new UsageError(`--as-of ${value} is not a date YYYY-MM-DD`);
  return value;
}

export class UsageError extends Error {}

/** A numeric command-line value within bounds, or a usage error naming the flag. */
export function numberFlag(name: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < min || n > max)
    throw new UsageError(`--${name} must be a number from ${min} to ${max}`);
  return n;
}

/** Writes a command's result to stdout (logs go to stderr), ending it with one newline. */
export const out = (text: string) => process.stdout.write(text.endsWith('\n') ? text : text + '\n');

/** Writes an error for a person: the message, then what to do. Returns the exit code. */
export function reportError(e: unknown): number {
  if (isOrgsyncError(e)) {
    process.stderr.write(`Error [${e.code}]: ${e.message}\n  What to do: ${e.hint}\n`);
    return e.exitCode;
  }
  if (e instanceof UsageError) {
    process.stderr.write(`Error: ${e.message}\n`);
    return EXIT.usage;
  }
  process.stderr.write(
    `Error [ORGSYNC_INTERNAL]: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
  );
  return EXIT.error;
}

export async function withEngine(
  opts: CommonOptions,
  fn: (engine: Engine) => Promise<number>,
): Promise<number> {
  let engine: Engine | undefined;
  try {
    engine = await openEngine(opts.config, {
      logger: createLogger({ level: opts.logLevel ?? process.env['ORGSYNC_LOG_LEVEL'] ?? 'warn' }),
    });
    return await fn(engine);
  } catch (e) {
    return reportError(e);
  } finally {
    await engine?.close();
  }
}

/** Records a run in the state store around `fn`, whatever its outcome. */
export async function recordedRun(
  engine: Engine,
  command: string,
  asOf: string | null,
  fn: (runId: string) => Promise<{ status: RunStatus; summary: Record<string, unknown>; exit: number }>,
): Promise<number> {
  const id = randomUUID();
  await engine.store.startRun({
    id,
    command,
    startedAt: new Date().toISOString(),
    asOf,
    sourceFingerprint: null,
  });
  try {
    const r = await fn(id);
    await engine.store.finishRun(id, r.status, r.summary);
    return r.exit;
  } catch (e) {
    const status: RunStatus = !isOrgsyncError(e)
      ? 'failed'
      : e.code === 'ORGSYNC_TARGET_BUSY'
        ? 'busy'
        : e.exitCode === EXIT.refusedInput
          ? 'refused'
          : 'failed';
    await engine.store.finishRun(id, status, { error: isOrgsyncError(e) ? e.code : 'ORGSYNC_INTERNAL' });
    throw e;
  }
}

/** A progress line on stderr, only on a terminal, at most a few times a second. */
export function progress(label: string, total: number) {
  const tty = process.stderr.isTTY === true;
  let done = 0;
  let last = 0;
  return {
    tick() {
      done++;
      const now = Date.now();
      if (tty && (now - last > 250 || done === total)) {
        last = now;
        process.stderr.write(
          `\r${label}: ${done}/${total} (${Math.floor((done / Math.max(total, 1)) * 100)} %)`,
        );
        if (done === total) process.stderr.write('\n');
      }
    },
  };
}

/**
 * A step of a long run on stderr, only on a terminal: "reading and validating the HR
 * export ... done in 4.1 s (…)". Reading 100,000 persons takes seconds; silence looks hung.
 */
export function step(label: string): { done(detail?: string): void } {
  const tty = process.stderr.isTTY === true;
  if (tty) process.stderr.write(`${label} ...`);
  const started = Date.now();
  return {
    done(detail) {
      if (!tty) return;
      const extra = detail ? ` (${detail})` : '';
      process.stderr.write(` done in ${((Date.now() - started) / 1000).toFixed(1)} s${extra}\n`);
    },
  };
}

/** SIGINT/SIGTERM stop new work; changes in flight finish and are recorded. */
export function stopSignal(): AbortSignal {
  const ctl = new AbortController();
  const stop = (sig: string) => {
    if (ctl.signal.aborted) process.exit(EXIT.error);
    process.stderr.write(
      `\n${sig}: finishing changes in flight, starting no new ones (again to quit at once)\n`,
    );
    ctl.abort();
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
  return ctl.signal;
}

export const collect = (value: string, previous: string[] = []) => [
  ...previous,
  ...value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
];
