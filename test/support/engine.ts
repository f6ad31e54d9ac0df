/** Drives the engine in-process, as `orgsync run` does, for tests that sync many times. */
import { randomUUID } from 'node:crypto';
import { type ApplyOptions, applyWork, type TargetOutcome } from '../../src/engine/apply.js';
import { type Engine, openEngine } from '../../src/engine/context.js';
import { closeWork, makePlan, type TargetWork } from '../../src/engine/plan.js';
import { acceptSnapshot, loadSnapshot } from '../../src/engine/snapshot.js';
import { silentLogger } from '../../src/log/logger.js';
import type { Summary } from '../../src/plan/plan.js';

export interface SyncResult {
  planned: Record<string, Summary>;
  outcomes: TargetOutcome[];
  /** Changes a plan made right after the apply still finds, per target. */
  secondPlan: Record<string, number>;
}

/** Records a run and applies planned work through the executor, as `orgsync apply` does; closes the sessions. */
export async function applyRecorded(
  engine: Engine,
  work: TargetWork[],
  asOf: string,
  onResult?: ApplyOptions['onResult'],
): Promise<TargetOutcome[]> {
  const runId = randomUUID();
  await engine.store.startRun({
    id: runId,
    command: 'test',
    startedAt: new Date().toISOString(),
    asOf,
    sourceFingerprint: null,
  });
  try {
    return await applyWork(engine, work, {
      runId,
      signal: new AbortController().signal,
      ...(onResult ? { onResult } : {}),
    });
  } finally {
    await closeWork(work);
  }
}

export async function syncAndReplan(
  configPath: string,
  asOf: string,
  approve: string[] = [],
): Promise<SyncResult> {
  const engine = await openEngine(configPath, { logger: silentLogger() });
  try {
    const snap = await loadSnapshot(engine, asOf, { acceptShrink: true });
    const first = await makePlan(engine, snap, { approve: new Set(approve) });
    expectPlanned(first.plan.targets);
    const outcomes = await applyRecorded(engine, first.work, asOf);
    await acceptSnapshot(engine, snap);
    const second = await makePlan(engine, snap);
    await closeWork(second.work);
    expectPlanned(second.plan.targets);
    return {
      planned: Object.fromEntries(first.plan.targets.map((t) => [t.name, t.summary])),
      outcomes,
      secondPlan: Object.fromEntries(second.work.map((w) => [w.plan.name, w.changes.length])),
    };
  } finally {
    await engine.close();
  }
}

/** A target that could not be planned (its read failed) must fail the test, not pass as empty. */
function expectPlanned(targets: readonly { name: string; error?: string }[]): void {
  const failed = targets.filter((t) => t.error !== undefined);
  if (failed.length > 0)
    throw new Error(`not planned: ${failed.map((t) => `${t.name}: ${t.error}`).join('; ')}`);
}
