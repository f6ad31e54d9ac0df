/**
 * The worker's Prometheus metrics (prom-client), one registry per worker so tests can
 * start several. Labels are target names, actions and outcomes: never keys or values.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { TargetOutcome } from '../engine/apply.js';
import type { Change, ChangeResult } from '../sdk/types.js';
import type { RunRecord } from '../state/store.js';

export class WorkerMetrics {
  readonly registry = new Registry();
  readonly runs = new Counter({
    name: 'orgsync_runs_total',
    help: 'Runs by command and final status',
    labelNames: ['command', 'status'],
    registers: [this.registry],
  });
  readonly targetRuns = new Counter({
    name: 'orgsync_target_runs_total',
    help: 'Per target: runs by outcome (applied, unchanged, partial, failed, blocked, error, busy)',
    labelNames: ['target', 'outcome'],
    registers: [this.registry],
  });
  readonly changes = new Counter({
    name: 'orgsync_changes_total',
    help: 'Changes handed to targets, by action and result (applied, failed, skipped)',
    labelNames: ['target', 'action', 'result'],
    registers: [this.registry],
  });
  readonly retries = new Counter({
    name: 'orgsync_change_retries_total',
    help: 'Extra attempts made for changes after transient errors',
    labelNames: ['target'],
    registers: [this.registry],
  });
  readonly duration = new Histogram({
    name: 'orgsync_run_duration_seconds',
    help: 'Wall time of runs, from reading HR to the last change recorded',
    labelNames: ['command'],
    buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200],
    registers: [this.registry],
  });
  readonly lastSuccess = new Gauge({
    name: 'orgsync_last_success_timestamp_seconds',
    help: 'When a run last left the target as HR says (applied or unchanged), Unix time',
    labelNames: ['target'],
    registers: [this.registry],
  });
  readonly blocked = new Gauge({
    name: 'orgsync_target_blocked',
    help: '1 while the last run of the target was blocked by its safety thresholds',
    labelNames: ['target'],
    registers: [this.registry],
  });
  readonly snapshot = new Gauge({
    name: 'orgsync_source_snapshot_records',
    help: 'Records in the last HR snapshot read, by kind',
    labelNames: ['kind'],
    registers: [this.registry],
  });
  readonly inProgress = new Gauge({
    name: 'orgsync_runs_in_progress',
    help: 'Runs of this worker in progress',
    registers: [this.registry],
  });
  readonly skipped = new Counter({
    name: 'orgsync_scheduled_runs_skipped_total',
    help: 'Scheduled firings that did not run, by reason (blackout, stopping)',
    labelNames: ['schedule', 'reason'],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'orgsync_' });
  }

  change(target: string, change: Change, result: ChangeResult) {
    this.changes.inc({ target, action: change.action, result: result.status });
    if ((result.attempts ?? 1) > 1) this.retries.inc({ target }, (result.attempts ?? 1) - 1);
  }

  outcome(o: TargetOutcome, at: number) {
    this.targetRuns.inc({ target: o.name, outcome: o.status });
    this.blocked.set({ target: o.name }, o.status === 'blocked' ? 1 : 0);
    if (o.status === 'applied' || o.status === 'unchanged')
      this.lastSuccess.set({ target: o.name }, at / 1000);
  }

  /** Last successes survive a restart: they are read back from the recorded runs. */
  restore(runs: readonly RunRecord[]) {
    const seen = new Set<string>();
    for (const run of runs) {
      const targets = (run.summary['targets'] ?? []) as Array<{ name: string; outcome?: TargetOutcome }>;
      for (const t of targets) {
        const status = t.outcome?.status;
        if (seen.has(t.name) || !run.finishedAt || (status !== 'applied' && status !== 'unchanged')) continue;
        seen.add(t.name);
        this.lastSuccess.set({ target: t.name }, Date.parse(run.finishedAt) / 1000);
      }
    }
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
