/**
 * What the admin API (and the page on it) may ask of the worker: the one seam between
 * src/api (HTTP, auth, validation) and src/worker (runs, locks, schedules). The API holds
 * no engine logic; the worker knows nothing of HTTP.
 *
 * Methods throw OrgsyncError with a code (ORGSYNC_RUN_NOT_FOUND, ORGSYNC_TARGET_BUSY, ...);
 * the API turns each code into an HTTP status and a JSON error (src/api/errors.ts).
 */
import type { Plan } from '../plan/plan.js';
import type { AuditRecord, RunRecord } from '../state/store.js';
import type { Role } from './config.js';

/** Who asked: the token's name and role (for the run's trigger and the log). */
export interface Caller {
  name: string;
  role: Role;
}

export interface ScheduleView {
  name: string;
  cron: string;
  timeZone: string;
  mode: 'full' | 'delta';
  targets: string[] | null;
  /** ISO time of the next firing, null when the expression never fires again. */
  next: string | null;
}

export interface LockView {
  target: string;
  runId: string;
  holder: string;
  acquiredAt: string;
  expiresAt: string;
}

export interface WorkerStatus {
  startedAt: string;
  /** Set once SIGTERM/SIGINT arrived: the worker takes no new work. */
  stopping: boolean;
  schedules: ScheduleView[];
  /** A blackout window is open now: nothing is written until `until`. */
  blackout: { active: boolean; until: string | null };
  /** Runs of this worker in progress. */
  running: string[];
  locks: LockView[];
  targets: Array<{ name: string; connector: string; enabled: boolean }>;
}

export interface PlanListItem {
  id: string;
  runId: string;
  createdAt: string;
  asOf: string;
  trigger: string;
  targets: Array<{ name: string; changes: number; blocked: boolean; error: boolean }>;
}

export interface RunDetail {
  run: RunRecord;
  /** The run's recorded changes and their results (attribute names, never values), newest first. */
  changes: AuditRecord[];
  /** The plan the run made, while this worker still keeps it (masked). */
  planId: string | null;
}

export interface WorkerControl {
  status(): Promise<WorkerStatus>;
  /** Ready when the state store answers and the worker is not stopping. */
  ready(): Promise<{ ready: boolean; checks: Record<string, 'ok' | string> }>;

  listRuns(limit: number): Promise<RunRecord[]>;
  getRun(id: string, opts: { limit: number }): Promise<RunDetail>;

  listPlans(): PlanListItem[];
  /** A kept plan, masked as saved plans are (sensitive values null). */
  getPlan(id: string): Plan;

  /** Plans now (all targets, or one), changing nothing; resolves when the plan is made. */
  dryRun(
    opts: { target?: string; mode?: 'full' | 'delta' },
    by: Caller,
  ): Promise<{ runId: string; planId: string }>;
  /**
   * Applies a kept plan: re-plans, refuses when HR or a target changed since (stale), then
   * applies. Resolves once the run has started; the run goes on in the background.
   */
  applyPlan(planId: string, by: Caller): Promise<{ runId: string }>;
  /**
   * Approves a target blocked in a kept plan, for exactly that plan's changes, and applies
   * it. Refused when the target is not blocked in that plan or the plan is stale.
   */
  approve(target: string, planId: string, by: Caller): Promise<{ runId: string }>;
}
