/**
 * The long-running worker behind `orgsync serve`: fires schedules, keeps out of blackout
 * windows, runs syncs (src/engine/sync.ts) one per target at a time, keeps recent plans
 * for the admin API, counts everything for Prometheus and tells people what needs them.
 *
 * It is the API's WorkerControl: the HTTP layer (src/api) only validates and forwards.
 * Stopping (SIGTERM) takes no new work, stops runs from starting new changes, waits for
 * the changes in flight to be recorded (up to shutdownGraceSeconds), and records each run
 * as interrupted: the next run plans what is left.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Engine } from '../engine/context.js';
import { selectTargets } from '../engine/plan.js';
import { type SyncRequest, type SyncResult, syncRun } from '../engine/sync.js';
import { EXIT, isOrgsyncError, OrgsyncError } from '../errors.js';
import { todayIso } from '../model/dates.js';
import type { NotifyEvent } from '../notify/event.js';
import { type Notifier, notifierOff } from '../notify/notifier.js';
import type { Plan } from '../plan/plan.js';
import type { RunStatus } from '../state/store.js';
import { type Clock, systemClock } from './clock.js';
import type { WorkerConfig } from './config.js';
import type { Caller, PlanListItem, RunDetail, WorkerControl, WorkerStatus } from './control.js';
import { lockTarget, targetLockName } from './locks.js';
import { WorkerMetrics } from './metrics.js';
import { type Blackouts, blackouts, parseSchedule, type Schedule } from './schedule.js';

export interface WorkerOptions {
  clock?: Clock;
  notifier?: Notifier;
  metrics?: WorkerMetrics;
  /** Lock holder id; default this process's. Tests give simulated processes their own. */
  holder?: string;
  /** The page's address, for links in notifications. */
  publicUrl?: string;
}

/** What one run is asked to do. */
interface Job {
  command: 'run' | 'plan' | 'apply' | 'approve';
  trigger: string;
  mode: 'full' | 'delta';
  only?: readonly string[] | undefined;
  dryRun: boolean;
  basis?: Plan;
  approve?: ReadonlySet<string>;
  asOf?: string;
}

interface Running {
  job: Job;
  stop: AbortController;
  done: Promise<SyncResult | null>;
}

interface KeptPlan extends PlanListItem {
  plan: Plan;
}

export class Worker implements WorkerControl {
  readonly metrics: WorkerMetrics;
  readonly #engine: Engine;
  readonly #config: WorkerConfig;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #notifier: Notifier;
  readonly #opts: WorkerOptions;
  readonly #schedules: Schedule[];
  readonly #blackouts: Blackouts;
  readonly #running = new Map<string, Running>();
  readonly #plans: KeptPlan[] = [];
  readonly #timers = new Map<string, () => void>();
  readonly #startedAt: number;
  #stopping = false;

  constructor(engine: Engine, opts: WorkerOptions = {}) {
    this.#engine = engine;
    this.#config = engine.loaded.config.worker;
    this.#clock = opts.clock ?? systemClock;
    this.#log = engine.logger.child({ component: 'worker' });
    this.#notifier = opts.notifier ?? notifierOff;
    this.#opts = opts;
    this.metrics = opts.metrics ?? new WorkerMetrics();
    this.#schedules = this.#config.schedules.map((s, i) => parseSchedule(s, this.#config.timeZone, i));
    for (const s of this.#schedules) if (s.config.targets) selectTargets(engine, s.config.targets); // misspelt names fail at start
    this.#blackouts = blackouts(this.#config.blackouts, this.#config.timeZone);
    this.#startedAt = this.#clock.now();
  }

  /** Arms every schedule; restores last-success times from the recorded runs. */
  async start(): Promise<void> {
    this.metrics.restore(await this.#engine.store.listRuns(500));
    for (const s of this.#schedules) this.#arm(s);
    this.#log.info(
      { schedules: this.#schedules.map((s) => ({ name: s.config.name, next: this.#nextIso(s) })) },
      'worker started',
    );
  }

  #nextIso(s: Schedule): string | null {
    const next = s.next(this.#clock.now());
    return next === null ? null : new Date(next).toISOString();
  }

  #arm(s: Schedule) {
    const next = s.next(this.#clock.now());
    if (next === null || this.#stopping) return;
    this.#timers.set(
      s.config.name,
      this.#clock.after(next - this.#clock.now(), () => {
        this.#timers.delete(s.config.name);
        void this.#fire(s);
        this.#arm(s);
      }),
    );
  }

  /** A schedule fired: run unless stopping or in a blackout window (then skip: the next firing catches up). */
  async #fire(s: Schedule): Promise<void> {
    const name = s.config.name;
    const reason = this.#stopping
      ? 'stopping'
      : this.#blackouts.active(this.#clock.now())
        ? 'blackout'
        : null;
    if (reason) {
      this.metrics.skipped.inc({ schedule: name, reason });
      this.#log.warn({ schedule: name, reason }, `scheduled run ${name} skipped: ${reason}`);
      return;
    }
    try {
      const { done } = await this.#launch({
        command: 'run',
        trigger: `schedule:${name}`,
        mode: s.config.mode,
        only: s.config.targets,
        dryRun: false,
      });
      await done;
    } catch (e) {
      this.#log.error(
        { schedule: name, err: e instanceof Error ? e.message : String(e) },
        'scheduled run failed',
      );
    }
  }

  /** Starts a run; resolves with its id as soon as it is recorded, and `done` when it ends. */
  async #launch(job: Job): Promise<{ runId: string; done: Promise<SyncResult | null> }> {
    if (this.#stopping) throw new OrgsyncError('ORGSYNC_WORKER_STOPPING', 'the worker is shutting down');
    const now = this.#clock.now();
    if (!job.dryRun && this.#blackouts.active(now)) {
      const until = this.#blackouts.until(now);
      throw new OrgsyncError(
        'ORGSYNC_BLACKOUT',
        `a blackout window is open until ${until === null ? 'further notice' : new Date(until).toISOString()}; nothing is written now`,
      );
    }
    const runId = randomUUID();
    const asOf = job.asOf ?? todayIso(new Date(now));
    await this.#engine.store.startRun({
      id: runId,
      command: job.command,
      startedAt: new Date(now).toISOString(),
      asOf,
      sourceFingerprint: null,
    });
    const stop = new AbortController();
    // Writing stops when a blackout window opens during the run.
    const opens = job.dryRun ? null : this.#blackouts.nextStart(now);
    const cancelBlackout =
      opens === null
        ? () => {}
        : this.#clock.after(opens - now, () => {
            this.#log.warn({ runId }, 'blackout window opened: the run starts no new changes');
            stop.abort();
          });
    const done = this.#execute(runId, asOf, job, stop.signal).finally(() => {
      cancelBlackout();
      this.#running.delete(runId);
      this.metrics.inProgress.set(this.#running.size);
    });
    this.#running.set(runId, { job, stop, done });
    this.metrics.inProgress.set(this.#running.size);
    return { runId, done };
  }

  async #execute(runId: string, asOf: string, job: Job, signal: AbortSignal): Promise<SyncResult | null> {
    const log = this.#log.child({ runId, trigger: job.trigger });
    const started = this.#clock.now();
    const request: SyncRequest = {
      runId,
      asOf,
      only: job.only,
      mode: job.mode,
      dryRun: job.dryRun,
      signal,
      locks: {
        clock: this.#clock,
        ttlMs: this.#config.lock.ttlSeconds * 1000,
        ...(this.#opts.holder ? { holder: this.#opts.holder } : {}),
      },
      ...(job.basis ? { basis: job.basis } : {}),
      ...(job.approve ? { approve: job.approve } : {}),
      onSnapshot: (snap) => {
        for (const [kind, n] of Object.entries(snap.counts)) this.metrics.snapshot.set({ kind }, n);
      },
      onPlan: (plan) => this.#keep(plan, runId, job.trigger),
      onResult: (target, change, result) => this.metrics.change(target, change, result),
    };
    log.info({ command: job.command, mode: job.mode, targets: job.only ?? 'all' }, 'run started');
    let result: SyncResult | null = null;
    let status: RunStatus;
    let summary: Record<string, unknown>;
    try {
      // Every log line of the run, the source's and the connectors' too, carries its ids.
      result = await syncRun({ ...this.#engine, logger: log }, request);
      status = result.status;
      summary = { ...result.summary, trigger: job.trigger, mode: job.mode };
    } catch (e) {
      const refused = isOrgsyncError(e) && e.exitCode === EXIT.refusedInput;
      status =
        isOrgsyncError(e) && e.code === 'ORGSYNC_TARGET_BUSY' ? 'busy' : refused ? 'refused' : 'failed';
      summary = {
        trigger: job.trigger,
        mode: job.mode,
        error: isOrgsyncError(e) ? e.code : 'ORGSYNC_INTERNAL',
        message: isOrgsyncError(e) ? e.message : 'internal error (see the log)',
      };
      log.error({ err: e instanceof Error ? e.message : String(e) }, 'run failed');
    }
    await this.#engine.store.finishRun(runId, status, summary);
    const ended = this.#clock.now();
    this.metrics.runs.inc({ command: job.command, status });
    this.metrics.duration.observe({ command: job.command }, (ended - started) / 1000);
    for (const o of result?.outcomes ?? []) {
      if (status === 'interrupted') this.metrics.targetRuns.inc({ target: o.name, outcome: 'interrupted' });
      else this.metrics.outcome(o, ended);
    }
    for (const b of result?.busy ?? []) this.metrics.targetRuns.inc({ target: b.target, outcome: 'busy' });
    log.info({ status }, 'run finished');
    await this.#notify(runId, job, status, summary, result);
    return result;
  }

  async #notify(
    runId: string,
    job: Job,
    status: RunStatus,
    summary: Record<string, unknown>,
    result: SyncResult | null,
  ) {
    const targets = (result?.plan.targets ?? []).map((t) => {
      const o = result?.outcomes?.find((x) => x.name === t.name);
      return {
        name: t.name,
        status: o?.status ?? (t.blocked ? 'blocked' : t.error ? 'error' : 'planned'),
        ...(o ? { applied: o.applied, failed: o.failed } : {}),
        ...(t.blocked ? { reasons: t.blocked.reasons } : {}),
        ...(t.error ? { error: t.error } : {}),
      };
    });
    const base = {
      runId,
      trigger: job.trigger,
      at: new Date(this.#clock.now()).toISOString(),
      targets,
      ...(this.#opts.publicUrl ? { url: `${this.#opts.publicUrl}/#run/${runId}` } : {}),
    };
    const events: NotifyEvent[] = [];
    if (status === 'failed' || status === 'refused')
      events.push({
        ...base,
        kind: 'run-failed',
        title: `orgsync: run ${job.command} (${job.trigger}) ${status}`,
        error: { code: String(summary['error']), message: String(summary['message']) },
      });
    if (status === 'partial' || status === 'interrupted')
      events.push({
        ...base,
        kind: 'run-partial',
        title: `orgsync: run ${job.command} (${job.trigger}) ${status}`,
      });
    const blocked = targets.filter((t) => t.status === 'blocked').map((t) => t.name);
    if (!job.dryRun && blocked.length > 0)
      events.push({
        ...base,
        kind: 'target-blocked',
        title: `orgsync: ${blocked.join(', ')} blocked by safety thresholds; approval needed`,
      });
    for (const e of events) await this.#notifier.notify(e);
  }

  #keep(plan: Plan, runId: string, trigger: string) {
    this.#plans.unshift({
      id: plan.id,
      runId,
      createdAt: plan.createdAt,
      asOf: plan.asOf,
      trigger,
      targets: plan.targets.map((t) => ({
        name: t.name,
        changes: t.changes.length,
        blocked: t.blocked !== null,
        error: t.error !== undefined,
      })),
      plan,
    });
    this.#plans.splice(this.#config.keepPlans);
  }

  #kept(planId: string): KeptPlan {
    const kept = this.#plans.find((p) => p.id === planId);
    if (!kept) throw new OrgsyncError('ORGSYNC_PLAN_NOT_FOUND', `no plan ${planId} is kept by this worker`);
    return kept;
  }

  /** Refuses at once when another run holds one of the targets (the run would be refused anyway). */
  async #assertFree(targets: readonly string[]) {
    const now = new Date(this.#clock.now()).toISOString();
    const held = (await this.#engine.store.listLocks()).filter(
      (l) => targets.some((t) => targetLockName(t) === l.name) && l.expiresAt > now,
    );
    if (held.length > 0)
      throw new OrgsyncError(
        'ORGSYNC_TARGET_BUSY',
        held.map((l) => `${lockTarget(l.name)} is locked by run ${l.runId} since ${l.acquiredAt}`).join('; '),
      );
  }

  // WorkerControl -------------------------------------------------------------------------

  async status(): Promise<WorkerStatus> {
    const now = this.#clock.now();
    const until = this.#blackouts.until(now);
    return {
      startedAt: new Date(this.#startedAt).toISOString(),
      stopping: this.#stopping,
      schedules: this.#schedules.map((s) => ({
        name: s.config.name,
        cron: s.config.cron,
        timeZone: s.timeZone,
        mode: s.config.mode,
        targets: s.config.targets ?? null,
        next: this.#nextIso(s),
      })),
      blackout: {
        active: this.#blackouts.active(now),
        until: until === null ? null : new Date(until).toISOString(),
      },
      running: [...this.#running.keys()],
      locks: (await this.#engine.store.listLocks()).map((l) => ({
        target: lockTarget(l.name),
        runId: l.runId,
        holder: l.holder,
        acquiredAt: l.acquiredAt,
        expiresAt: l.expiresAt,
      })),
      targets: this.#engine.loaded.targets.map((t) => ({
        name: t.config.name,
        connector: t.connector.name,
        enabled: t.config.enabled,
      })),
    };
  }

  async ready() {
    const checks: Record<string, string> = {};
    try {
      await this.#engine.store.getMeta('readiness');
      checks['state'] = 'ok';
    } catch (e) {
      checks['state'] = `state store unavailable: ${e instanceof Error ? e.message : String(e)}`;
    }
    checks['worker'] = this.#stopping ? 'stopping' : 'ok';
    return { ready: Object.values(checks).every((c) => c === 'ok'), checks };
  }

  listRuns(limit: number) {
    return this.#engine.store.listRuns(limit);
  }

  async getRun(id: string, opts: { limit: number }): Promise<RunDetail> {
    const run = await this.#engine.store.getRun(id);
    if (!run) throw new OrgsyncError('ORGSYNC_RUN_NOT_FOUND', `no run ${id}`);
    const changes = await this.#engine.store.listAudit({ runId: id, limit: opts.limit });
    return { run, changes, planId: this.#plans.find((p) => p.runId === id)?.id ?? null };
  }

  listPlans(): PlanListItem[] {
    return this.#plans.map(({ plan: _plan, ...item }) => item);
  }

  getPlan(id: string): Plan {
    return this.#kept(id).plan;
  }

  async dryRun(opts: { target?: string; mode?: 'full' | 'delta' }, by: Caller) {
    const only = opts.target ? [opts.target] : undefined;
    if (only) selectTargets(this.#engine, only);
    const { runId, done } = await this.#launch({
      command: 'plan',
      trigger: `api:${by.name}`,
      mode: opts.mode ?? 'full',
      only,
      dryRun: true,
    });
    const result = await done;
    if (!result) {
      const run = await this.#engine.store.getRun(runId);
      throw new OrgsyncError(
        'ORGSYNC_SOURCE_UNREADABLE',
        `the dry run ${runId} could not plan: ${String(run?.summary['message'] ?? 'see the log')}`,
      );
    }
    return { runId, planId: result.plan.id };
  }

  async applyPlan(planId: string, by: Caller) {
    const kept = this.#kept(planId);
    const names = kept.plan.targets.filter((t) => !t.error).map((t) => t.name);
    await this.#assertFree(names);
    const basis = { ...kept.plan, targets: kept.plan.targets.filter((t) => names.includes(t.name)) };
    const { runId } = await this.#launch({
      command: 'apply',
      trigger: `api:${by.name}`,
      mode: kept.plan.mode ?? 'full', // re-planned as it was planned, or every update looks stale
      only: names,
      dryRun: false,
      basis,
      asOf: kept.plan.asOf,
    });
    return { runId };
  }

  async approve(target: string, planId: string, by: Caller) {
    const kept = this.#kept(planId);
    const t = kept.plan.targets.find((x) => x.name === target);
    if (!t?.blocked)
      throw new OrgsyncError(
        'ORGSYNC_TARGET_NOT_BLOCKED',
        `target ${target} is not blocked in plan ${planId}`,
      );
    await this.#assertFree([target]);
    this.#log.warn({ target, planId, by: by.name }, 'blocked target approved');
    const { runId } = await this.#launch({
      command: 'approve',
      trigger: `api:${by.name}`,
      mode: kept.plan.mode ?? 'full',
      only: [target],
      dryRun: false,
      basis: { ...kept.plan, targets: [t] },
      approve: new Set([target]),
      asOf: kept.plan.asOf,
    });
    return { runId };
  }

  // Stopping ------------------------------------------------------------------------------

  /**
   * Takes no new work, stops runs from starting new changes and waits up to `graceMs` for
   * the changes in flight. Resolves true when every run ended in time.
   */
  async stop(graceMs: number): Promise<boolean> {
    this.#stopping = true;
    for (const cancel of this.#timers.values()) cancel();
    this.#timers.clear();
    const runs = [...this.#running.values()];
    for (const r of runs) r.stop.abort();
    if (runs.length > 0) this.#log.warn({ runs: runs.length }, 'stopping: finishing changes in flight');
    let timer: NodeJS.Timeout | undefined;
    const ended = await Promise.race([
      Promise.allSettled(runs.map((r) => r.done)).then(() => true),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), graceMs);
      }),
    ]);
    clearTimeout(timer);
    await this.#notifier.close();
    return ended;
  }
}
