/**
 * Applies one target's changes through its connector.
 *
 * - batch 1: each change is its own call, run by a p-queue (concurrency, rate) as soon as
 *   the changes it waits for (`after`) have succeeded. A failed change skips everything
 *   that waits on it, reported as skipped with the reason.
 * - batch 'all': the whole change set in one call, in plan order (files, transactions).
 *
 * Every change is written to the state store as pending before the call and recorded with
 * its result right after, one transaction each, so a crash at any point loses nothing:
 * the next run reconciles the pending ones (reconcilePending in src/engine/current.ts).
 * Only transient errors are retried; every other kind fails the change at once.
 */
import PQueue from 'p-queue';
import type { Retry } from '../config/schema.js';
import type { TargetSession } from '../sdk/connector.js';
import { ConnectorError } from '../sdk/errors.js';
import type { Change, ChangeResult } from '../sdk/types.js';
import type { StateStore, StoredObject } from '../state/store.js';
import { backoffDelay, sleep as realSleep, type Sleep } from './retry.js';

export interface ExecuteOptions {
  runId: string;
  target: string;
  session: TargetSession;
  batch: 1 | 'all';
  changes: readonly Change[];
  store: StateStore;
  concurrency: number;
  ratePerSecond?: number | undefined;
  retry: Retry;
  /** The state to record for an applied change: the object row, or null when it is gone. */
  objectAfter: (change: Change, result: ChangeResult) => StoredObject | null;
  /** The change as the pending row may hold it (values fingerprinted, never in clear). */
  pendingForm: (change: Change) => Change;
  signal: AbortSignal;
  onResult?: (change: Change, result: ChangeResult) => void;
  sleep?: Sleep;
}

/** Connector messages go to logs and the audit; a long one (a dumped payload) is cut. */
const MAX_MESSAGE = 500;
const clip = (m: string) => (m.length > MAX_MESSAGE ? `${m.slice(0, MAX_MESSAGE)}...` : m);

const failure = (change: Change, e: unknown, attempts: number): ChangeResult => ({
  changeId: change.id,
  status: 'failed',
  errorKind: e instanceof ConnectorError ? e.kind : 'internal',
  message: clip(e instanceof Error ? e.message : String(e)),
  attempts,
});

const isTransient = (r: ChangeResult) => r.status === 'failed' && r.errorKind === 'transient';

export async function executeTarget(opts: ExecuteOptions): Promise<ChangeResult[]> {
  const results = new Map<string, ChangeResult>();
  const record = async (change: Change, result: ChangeResult) => {
    results.set(change.id, result);
    const object = result.status === 'applied' ? opts.objectAfter(change, result) : undefined;
    await opts.store.recordResult(opts.runId, opts.target, change, result, object);
    opts.onResult?.(change, result);
  };
  if (opts.batch === 'all') for (const r of await runBatch(opts)) results.set(r.changeId, r);
  else await runEach(opts, record, results);
  return opts.changes.map(
    (c) =>
      results.get(c.id) ?? { changeId: c.id, status: 'skipped', message: 'not started: the run was stopped' },
  );
}

/**
 * Calls apply() for a list of changes with retries; a thrown error fails all of them.
 * Returns one result per change; transient failures are retried up to the attempt limit.
 */
async function applyWithRetry(opts: ExecuteOptions, changes: readonly Change[]): Promise<ChangeResult[]> {
  const wait = opts.sleep ?? realSleep;
  const final = new Map<string, ChangeResult>();
  let todo = changes;
  for (let attempt = 1; todo.length > 0; attempt++) {
    let got: ChangeResult[];
    let retryAfter: number | undefined;
    try {
      got = await opts.session.apply(todo, { runId: opts.runId, signal: opts.signal });
      if (got.length !== todo.length)
        throw new Error(`connector returned ${got.length} results for ${todo.length} changes`);
    } catch (e) {
      got = todo.map((c) => failure(c, e, attempt));
      if (e instanceof ConnectorError) retryAfter = e.retryAfterMs;
    }
    const again: Change[] = [];
    got.forEach((r, i) => {
      const change = todo[i]!;
      const { retryAfterMs, ...result } = r;
      if (isTransient(r) && attempt < opts.retry.attempts && !opts.signal.aborted) {
        again.push(change);
        // The longest wait any of them asked for: they are retried together.
        if (retryAfterMs !== undefined) retryAfter = Math.max(retryAfter ?? 0, retryAfterMs);
      } else final.set(change.id, { ...result, changeId: change.id, attempts: attempt });
    });
    todo = again;
    if (todo.length > 0) await wait(backoffDelay(opts.retry, attempt, retryAfter), opts.signal);
  }
  return changes.map((c) => final.get(c.id)!);
}

async function runBatch(opts: ExecuteOptions): Promise<ChangeResult[]> {
  if (opts.changes.length === 0 || opts.signal.aborted) return [];
  await opts.store.addPending(opts.runId, opts.target, opts.changes.map(opts.pendingForm));
  const results = await applyWithRetry(opts, opts.changes);
  // The results of one call arrive together: one transaction records them all.
  await opts.store.recordResults(
    opts.runId,
    opts.target,
    opts.changes.map((change, i) => {
      const result = results[i]!;
      return {
        change,
        result,
        object: result.status === 'applied' ? opts.objectAfter(change, result) : undefined,
      };
    }),
  );
  for (const [i, change] of opts.changes.entries()) opts.onResult?.(change, results[i]!);
  return results;
}

async function runEach(
  opts: ExecuteOptions,
  record: (c: Change, r: ChangeResult) => Promise<void>,
  results: Map<string, ChangeResult>,
) {
  const queue = new PQueue({
    concurrency: opts.concurrency,
    ...(opts.ratePerSecond
      ? { intervalCap: Math.max(1, Math.round(opts.ratePerSecond)), interval: 1000 }
      : {}),
  });
  // One settled-promise per change, made before any starts, so a change waits for its
  // dependencies wherever they sit in the list.
  const done = new Map<string, { promise: Promise<void>; resolve: () => void }>();
  for (const c of opts.changes) {
    let resolve!: () => void;
    const promise = new Promise<void>((r) => {
      resolve = r;
    });
    done.set(c.id, { promise, resolve });
  }

  const run = async (change: Change) => {
    // Only changes that are ready enter the queue, so waiting never holds a slot.
    await Promise.all(change.after.map((id) => done.get(id)?.promise));
    if (opts.signal.aborted) return;
    const blocker = change.after.find((id) => results.get(id)?.status !== 'applied');
    if (blocker !== undefined) {
      const why = results.get(blocker)?.status ?? 'not run';
      await record(change, {
        changeId: change.id,
        status: 'skipped',
        message: `skipped: ${blocker} it waits for was ${why}`,
      });
      return;
    }
    await queue.add(async () => {
      if (opts.signal.aborted) return;
      await opts.store.addPending(opts.runId, opts.target, [opts.pendingForm(change)]);
      const [result] = await applyWithRetry(opts, [change]);
      await record(change, result!);
    });
  };
  await Promise.all(opts.changes.map((change) => run(change).finally(() => done.get(change.id)!.resolve())));
  await queue.onIdle();
}
