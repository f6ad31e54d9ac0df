/**
 * One sync, the same for every caller (`orgsync run`/`apply`, the worker's schedules, its
 * API): read and validate HR, lock the targets it will write, plan, check the plan against
 * a saved one when applying that, apply, record. The callers only print or serve it.
 *
 * Locks are taken before planning, so the plan a run applies is made from a state no other
 * run is changing. A locked target is reported busy and left alone, never waited on.
 */
import { EXIT, OrgsyncError } from '../errors.js';
import { changesFingerprint, type Plan, totalChanges } from '../plan/plan.js';
import type { Change, ChangeResult } from '../sdk/types.js';
import type { RunStatus } from '../state/store.js';
import type { Clock } from '../worker/clock.js';
import { type BusyTarget, lockTargets } from '../worker/locks.js';
import { applyWork, type TargetOutcome } from './apply.js';
import type { Engine } from './context.js';
import { mirrorTarget } from './mirror.js';
import { closeWork, makePlan, type PlanOutcome, selectTargets } from './plan.js';
import { acceptSnapshot, type LoadedSnapshot, loadSnapshot } from './snapshot.js';

export interface SyncRequest {
  runId: string;
  asOf: string;
  /** Only these targets; default every enabled one. */
  only?: readonly string[] | undefined;
  approve?: ReadonlySet<string>;
  acceptShrink?: boolean;
  mode?: 'full' | 'delta';
  /** Plan only: nothing is locked or written. */
  dryRun?: boolean;
  /** Apply only if planning now gives exactly this saved plan (same HR data, same changes). */
  basis?: Plan;
  signal: AbortSignal;
  locks: { clock: Clock; ttlMs: number; holder?: string };
  /** Steps a caller may show: the snapshot read, the plan made (before anything is applied). */
  onSnapshot?: (snap: LoadedSnapshot) => void;
  onPlan?: (plan: Plan) => void;
  onResult?: (target: string, change: Change, result: ChangeResult) => void;
}

export interface SyncResult {
  plan: Plan;
  outcomes: TargetOutcome[] | null;
  busy: BusyTarget[];
  status: RunStatus;
  exit: number;
  /** What the run record keeps: counts and outcomes, no personal data. */
  summary: Record<string, unknown>;
}

export async function syncRun(engine: Engine, req: SyncRequest): Promise<SyncResult> {
  const snap = await loadSnapshot(engine, req.asOf, { acceptShrink: req.acceptShrink ?? false });
  req.onSnapshot?.(snap);
  const wanted = selectTargets(engine, req.only).map((t) => t.config.name);

  // A stopped run releases its locks; a lock lost to a take-over stops the run's writes.
  const lost = new AbortController();
  const signal = AbortSignal.any([req.signal, lost.signal]);
  const locks = req.dryRun
    ? null
    : await lockTargets(wanted, req.runId, {
        store: engine.store,
        logger: engine.logger,
        clock: req.locks.clock,
        ttlMs: req.locks.ttlMs,
        ...(req.locks.holder ? { holder: req.locks.holder } : {}),
        onLost: () => lost.abort(),
      });
  try {
    const busy = locks?.busy ?? [];
    if (req.basis && busy.length > 0) throw busyError(busy);
    const held = locks ? locks.held : wanted;
    if (held.length === 0 && busy.length > 0) throw busyError(busy);

    const planned = await makePlan(engine, snap, {
      only: held,
      ...(req.approve ? { approve: req.approve } : {}),
      ...(req.mode ? { mode: req.mode } : {}),
    });
    try {
      if (req.basis) assertSamePlan(req.basis, planned.plan, engine);
    } catch (e) {
      await closeWork(planned.work);
      throw e;
    }
    req.onPlan?.(planned.plan);
    if (req.dryRun) {
      await closeWork(planned.work);
      return { ...planOnly(planned.plan), outcomes: null, busy, plan: planned.plan };
    }
    if (signal.aborted) {
      // Stopped while planning: nothing was written; the next run plans again.
      await closeWork(planned.work);
      const summary = summaryOf(planned.plan, undefined, busy);
      return { plan: planned.plan, outcomes: null, busy, status: 'interrupted', exit: EXIT.partial, summary };
    }
    return await applyPlanned(engine, planned, snap, busy, req, signal);
  } finally {
    await locks?.release();
  }
}

async function applyPlanned(
  engine: Engine,
  planned: PlanOutcome,
  snap: LoadedSnapshot,
  busy: BusyTarget[],
  req: SyncRequest,
  signal: AbortSignal,
): Promise<SyncResult> {
  let outcomes: TargetOutcome[];
  try {
    for (const w of planned.work) if (!w.plan.blocked) await mirrorTarget(engine, w);
    outcomes = await applyWork(engine, planned.work, {
      runId: req.runId,
      signal,
      ...(req.onResult ? { onResult: req.onResult } : {}),
    });
  } finally {
    await closeWork(planned.work);
  }
  // A blocked target is a person's question about this export, not an answer; an
  // interrupted run did not finish with it: neither moves the shrink baseline.
  if (!signal.aborted && !outcomes.some((o) => o.status === 'blocked')) await acceptSnapshot(engine, snap);
  const { exit, status } = applyExit(outcomes, busy, signal.aborted);
  return {
    plan: planned.plan,
    outcomes,
    busy,
    status,
    exit,
    summary: summaryOf(planned.plan, outcomes, busy),
  };
}

function busyError(busy: readonly BusyTarget[]): OrgsyncError {
  return new OrgsyncError(
    'ORGSYNC_TARGET_BUSY',
    busy
      .map((b) => `target ${b.target} is locked by run ${b.runId} (${b.holder}) since ${b.since}`)
      .join('; '),
  );
}

/** Exit code of a finished apply: interruption and failures over blocks over busy over success. */
function applyExit(
  outcomes: readonly TargetOutcome[],
  busy: readonly BusyTarget[],
  interrupted: boolean,
): { exit: number; status: RunStatus } {
  if (interrupted) return { exit: EXIT.partial, status: 'interrupted' };
  if (outcomes.some((o) => o.status === 'error' || o.status === 'failed' || o.status === 'partial'))
    return { exit: EXIT.partial, status: 'partial' };
  if (outcomes.some((o) => o.status === 'blocked')) return { exit: EXIT.blocked, status: 'blocked' };
  if (busy.length > 0) return { exit: EXIT.busy, status: 'partial' };
  return { exit: EXIT.ok, status: 'succeeded' };
}

/** The outcome of a run that only plans: failed when a target could not be planned. */
export function planOnly(plan: Plan): { status: RunStatus; summary: Record<string, unknown>; exit: number } {
  const errors = plan.targets.some((t) => t.error);
  return {
    status: errors ? 'failed' : 'succeeded',
    summary: summaryOf(plan),
    exit: errors ? EXIT.error : EXIT.ok,
  };
}

export const planHasChanges = (plan: Plan) => plan.targets.some((t) => totalChanges(t.summary) > 0);

export function summaryOf(plan: Plan, outcomes?: readonly TargetOutcome[], busy: readonly BusyTarget[] = []) {
  return {
    planId: plan.id,
    source: plan.source.counts,
    quarantined: plan.quarantined.length,
    targets: plan.targets.map((t) => ({
      name: t.name,
      ...t.summary,
      blocked: t.blocked !== null,
      ...(t.blocked ? { reasons: t.blocked.reasons } : {}),
      error: t.error ?? null,
      changesFingerprint: t.changesFingerprint,
      ...(outcomes ? { outcome: outcomes.find((o) => o.name === t.name) } : {}),
    })),
    ...(busy.length > 0 ? { busy } : {}),
  };
}

/**
 * A saved plan still holds when HR gives the same data, every target it names plans the
 * same changes, and the listed changes are the ones its fingerprints were made of.
 */
export function assertSamePlan(saved: Plan, fresh: Plan, engine: Engine): void {
  if (saved.source.fingerprint !== fresh.source.fingerprint) {
    throw new OrgsyncError(
      'ORGSYNC_PLAN_STALE',
      `plan ${saved.id} is stale: the HR data as of ${saved.asOf} changed since the plan was made`,
    );
  }
  const stale: string[] = [];
  for (const s of saved.targets) {
    const f = fresh.targets.find((t) => t.name === s.name);
    if (!f || f.changesFingerprint !== s.changesFingerprint) {
      stale.push(s.name);
      continue;
    }
    if (
      changesFingerprint(s.changes, engine.fingerprint) !== changesFingerprint(f.changes, engine.fingerprint)
    ) {
      throw new OrgsyncError(
        'ORGSYNC_PLAN_INVALID',
        `plan ${saved.id}: the changes listed for ${s.name} were edited after the plan was made`,
      );
    }
  }
  if (stale.length > 0) {
    throw new OrgsyncError(
      'ORGSYNC_PLAN_STALE',
      `plan ${saved.id} is stale for ${stale.join(', ')}: the target changed since the plan was made`,
    );
  }
}
