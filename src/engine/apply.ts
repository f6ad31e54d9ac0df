/**
 * Applying a plan: each target that is neither blocked nor broken gets its changes through
 * the executor; targets run side by side, and one failing never stops the others.
 */
import { executeTarget } from '../apply/executor.js';
import type { Change, ChangeResult } from '../sdk/types.js';
import type { Engine } from './context.js';
import { canRead, desiredFingerprints, objectId, pendingForm, storedAfter } from './current.js';
import type { TargetWork } from './plan.js';

export type TargetStatus = 'unchanged' | 'applied' | 'partial' | 'failed' | 'blocked' | 'error';

export interface TargetOutcome {
  name: string;
  status: TargetStatus;
  applied: number;
  failed: number;
  skipped: number;
  /** Failed and skipped changes, for the report. No personal data: ids, kinds, messages. */
  problems: ChangeResult[];
}

export interface ApplyOptions {
  runId: string;
  signal: AbortSignal;
  onResult?: (target: string, change: Change, result: ChangeResult) => void;
}

async function applyTarget(engine: Engine, w: TargetWork, opts: ApplyOptions): Promise<TargetOutcome> {
  const name = w.target.config.name;
  const outcome: TargetOutcome = {
    name,
    status: 'unchanged',
    applied: 0,
    failed: 0,
    skipped: 0,
    problems: [],
  };
  if (w.plan.error || !w.session) return { ...outcome, status: 'error' };
  if (w.plan.blocked) return { ...outcome, status: 'blocked' };
  if (w.changes.length === 0) return outcome;

  const log = engine.logger.child({ target: name, runId: opts.runId });
  log.info({ changes: w.changes.length }, 'applying');
  const results = await executeTarget({
    runId: opts.runId,
    target: name,
    session: w.session,
    batch: w.target.connector.batch,
    changes: w.changes,
    store: engine.store,
    concurrency: w.target.config.concurrency,
    ratePerSecond: w.target.config.ratePerSecond,
    retry: w.target.config.retry,
    signal: opts.signal,
    pendingForm: (c) => pendingForm(engine, c, !canRead(w.target, w.session!)),
    objectAfter: (change, result) => {
      const id = objectId(change.type, change.key);
      const desired = w.desired.get(id);
      return storedAfter(
        name,
        change,
        result,
        w.stored.get(id),
        desired ? desiredFingerprints(engine, desired) : {},
      );
    },
    onResult: (change, result) => {
      if (result.status !== 'applied')
        log.warn(
          { change: change.id, status: result.status, kind: result.errorKind },
          result.message ?? result.status,
        );
      opts.onResult?.(name, change, result);
    },
  });
  for (const r of results) {
    outcome[r.status]++;
    if (r.status !== 'applied') outcome.problems.push(r);
  }
  outcome.status =
    outcome.failed + outcome.skipped === 0 ? 'applied' : outcome.applied === 0 ? 'failed' : 'partial';
  log.info(
    { applied: outcome.applied, failed: outcome.failed, skipped: outcome.skipped },
    `target ${outcome.status}`,
  );
  return outcome;
}

export async function applyWork(
  engine: Engine,
  work: readonly TargetWork[],
  opts: ApplyOptions,
): Promise<TargetOutcome[]> {
  return Promise.all(
    work.map((w) =>
      applyTarget(engine, w, opts).catch((e: unknown): TargetOutcome => {
        engine.logger.error(
          { target: w.target.config.name, err: e instanceof Error ? e.message : String(e) },
          'target failed',
        );
        return {
          name: w.target.config.name,
          status: 'error',
          applied: 0,
          failed: w.changes.length,
          skipped: 0,
          problems: [],
        };
      }),
    ),
  );
}
