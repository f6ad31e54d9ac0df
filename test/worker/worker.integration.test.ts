/**
 * The worker in-process with a clock the test moves: schedules fire when they should,
 * blackout windows hold writes back, two workers on one state store never run a target
 * twice at once, a blocked target waits for an approval of exactly what was planned, and
 * the metrics and notifications say what happened.
 */
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Engine, openEngine } from '../../src/engine/context.js';
import { OrgsyncError } from '../../src/errors.js';
import { silentLogger } from '../../src/log/logger.js';
import type { NotifyEvent } from '../../src/notify/event.js';
import type { Notifier } from '../../src/notify/notifier.js';
import { Worker } from '../../src/worker/worker.js';
import { readLedger } from '../support/ledger-target.js';
import { ManualClock, settle } from '../support/manual-clock.js';
import { idle } from '../support/worker.js';
import { ledgerTargetConfig, makeWorkspace, type Workspace } from '../support/workspace.js';

const AS_OF = '2026-11-22';
const OPS = { name: 'ops', role: 'operator' as const };

function recordingNotifier(): Notifier & { events: NotifyEvent[] } {
  const events: NotifyEvent[] = [];
  return {
    events,
    async notify(e) {
      events.push(e);
    },
    async close() {},
  };
}

describe('worker', () => {
  let ws: Workspace;
  const open: Array<{ engine: Engine; worker: Worker }> = [];

  beforeAll(async () => {
    ws = await makeWorkspace({ persons: 60, asOf: AS_OF });
  });

  afterEach(async () => {
    for (const o of open.splice(0)) {
      await o.worker.stop(5000);
      await o.engine.close();
    }
  });

  async function start(
    name: string,
    worker: Record<string, unknown>,
    opts: { holder?: string; clock: ManualClock },
  ) {
    const ledger = join(ws.dir, `${name}.jsonl`);
    const config = ws.writeConfig(
      [ledgerTargetConfig(name, ledger, true, (worker['target'] as Record<string, unknown>) ?? {})],
      {
        state: { kind: 'sqlite', path: join(ws.dir, `${name}.db`) },
        worker: { timeZone: 'UTC', ...worker, target: undefined },
      },
    );
    const engine = await openEngine(config, { logger: silentLogger() });
    const notifier = recordingNotifier();
    const w = new Worker(engine, {
      clock: opts.clock,
      notifier,
      ...(opts.holder ? { holder: opts.holder } : {}),
    });
    await w.start();
    open.push({ engine, worker: w });
    return { engine, worker: w, notifier, ledger };
  }

  it('fires schedules at their times, in their time zone, and records each run', async () => {
    const clock = new ManualClock('2026-11-22T09:55:00Z');
    const { worker, engine } = await start(
      'sched',
      {
        schedules: [
          { name: 'ten', cron: '*/10 * * * *' },
          { name: 'oslo', cron: '0 12 * * *', timeZone: 'Europe/Oslo' },
        ],
      },
      { clock },
    );
    const schedules = (await worker.status()).schedules;
    expect(schedules.map((s) => [s.name, s.next])).toEqual([
      ['ten', '2026-11-22T10:00:00.000Z'],
      ['oslo', '2026-11-22T11:00:00.000Z'], // noon in Oslo, UTC+1 in November
    ]);
    await clock.advance(4 * 60_000);
    expect(await engine.store.listRuns(10)).toHaveLength(0);
    await clock.advance(2 * 60_000);
    await idle(worker);
    const first = await engine.store.listRuns(10);
    expect(first.map((r) => [r.command, r.status, r.summary['trigger']])).toEqual([
      ['run', 'succeeded', 'schedule:ten'],
    ]);
    await clock.advance(10 * 60_000);
    await idle(worker);
    expect(await engine.store.listRuns(10)).toHaveLength(2);
    expect((await worker.metrics.render()).body).toMatch(
      /orgsync_runs_total\{command="run",status="succeeded"\} 2/,
    );
  });

  it('skips firings in a blackout window and refuses writes there, but not dry runs', async () => {
    const clock = new ManualClock('2026-11-22T09:55:00Z');
    const { worker, engine } = await start(
      'blackout',
      { schedules: [{ name: 'ten', cron: '*/10 * * * *' }], blackouts: [{ from: '10:00', to: '10:25' }] },
      { clock },
    );
    await clock.advance(6 * 60_000); // 10:01: the 10:00 firing is skipped
    expect((await worker.status()).blackout).toEqual({ active: true, until: '2026-11-22T10:25:00.000Z' });
    const dry = await worker.dryRun({}, OPS);
    await expect(worker.applyPlan(dry.planId, OPS)).rejects.toMatchObject({ code: 'ORGSYNC_BLACKOUT' });
    await clock.advance(20 * 60_000); // 10:21: 10:10 and 10:20 skipped too
    expect((await engine.store.listRuns(10)).map((r) => r.command)).toEqual(['plan']);
    expect((await worker.metrics.render()).body).toMatch(
      /orgsync_scheduled_runs_skipped_total\{schedule="ten",reason="blackout"\} 3/,
    );
    await clock.advance(10 * 60_000); // 10:30 runs
    await idle(worker);
    expect((await engine.store.listRuns(10)).map((r) => [r.command, r.status])).toEqual([
      ['run', 'succeeded'],
      ['plan', 'succeeded'],
    ]);
  });

  it('never runs a target twice at once: of two workers firing together one is refused as busy', async () => {
    process.env['LEDGER_DELAY_MS'] = '5'; // the first run is still applying when the second fires
    const clock = new ManualClock('2026-11-22T09:59:00Z');
    const schedules = [{ name: 'ten', cron: '*/10 * * * *' }];
    const a = await start('shared', { schedules }, { clock, holder: 'worker-a' });
    const b = await start('shared', { schedules }, { clock, holder: 'worker-b' });
    await clock.advance(60_000);
    await Promise.all([idle(a.worker), idle(b.worker)]);
    const runs = await a.engine.store.listRuns(10);
    expect(runs.map((r) => r.status).sort()).toEqual(['busy', 'succeeded']);
    const busy = runs.find((r) => r.status === 'busy')!;
    expect(String(busy.summary['message'])).toMatch(/target shared is locked by run .* \(worker-[ab]\//);
    const creates = readLedger(a.ledger).filter((l) => l.action === 'create');
    expect(new Set(creates.map((l) => `${l.type}:${l.key}`)).size).toBe(creates.length);
    expect(await a.engine.store.listLocks()).toEqual([]);
    delete process.env['LEDGER_DELAY_MS'];
  });

  it('applies a blocked target only when approved, for exactly the planned changes', async () => {
    const clock = new ManualClock('2026-11-22T09:00:00Z');
    const { worker, notifier, ledger, engine } = await start(
      'guarded',
      { target: { safety: { maxRemovals: 100, maxRemovalShare: 0.1, maxChanges: 5 } } },
      { clock },
    );
    const dry = await worker.dryRun({}, OPS);
    const plan = worker.getPlan(dry.planId);
    expect(plan.targets[0]!.blocked?.reasons.join()).toMatch(/changes/);

    // Applying the whole plan leaves the blocked target alone and says so.
    const { runId } = await worker.applyPlan(dry.planId, OPS);
    await idle(worker);
    expect((await engine.store.getRun(runId))?.status).toBe('blocked');
    expect(readLedger(ledger)).toHaveLength(0);
    expect(notifier.events.map((e) => e.kind)).toEqual(['target-blocked']);
    expect(notifier.events[0]!.targets[0]).toMatchObject({ name: 'guarded', status: 'blocked' });

    await expect(worker.approve('nope', dry.planId, OPS)).rejects.toBeInstanceOf(OrgsyncError);
    const approved = await worker.approve('guarded', dry.planId, OPS);
    await idle(worker);
    expect((await engine.store.getRun(approved.runId))?.status).toBe('succeeded');
    expect(readLedger(ledger).length).toBe(plan.targets[0]!.changes.length);
    const metrics = (await worker.metrics.render()).body;
    expect(metrics).toMatch(/orgsync_changes_total\{target="guarded",action="create",result="applied"\} \d+/);
    expect(metrics).toMatch(/orgsync_last_success_timestamp_seconds\{target="guarded"\} \d+/);
    expect(metrics).toMatch(/orgsync_source_snapshot_records\{kind="persons"\} \d+/);

    // The same plan cannot be approved again: the target has changed since (stale).
    const fresh = await worker.dryRun({}, OPS);
    await expect(worker.approve('guarded', fresh.planId, OPS)).rejects.toMatchObject({
      code: 'ORGSYNC_TARGET_NOT_BLOCKED',
    });
    await settle();
  });
});
