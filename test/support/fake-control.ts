/**
 * An in-memory WorkerControl for the admin API's tests: a few runs, one kept plan whose
 * `ad` target is blocked by its thresholds and whose `lob-csv` target creates, updates
 * (one attribute sensitive, so masked), moves and deletes. Every call is recorded, so a
 * test can assert what the API asked for (and that a refused request asked nothing);
 * `failWith` makes the next call of a method throw, to test the error mapping.
 */
import { OrgsyncError } from '../../src/errors.js';
import { type Plan, summarise, type TargetPlan } from '../../src/plan/plan.js';
import type { Change } from '../../src/sdk/types.js';
import type { AuditRecord, RunRecord } from '../../src/state/store.js';
import type {
  Caller,
  PlanListItem,
  RunDetail,
  WorkerControl,
  WorkerStatus,
} from '../../src/worker/control.js';

export interface Call {
  method: keyof WorkerControl;
  args: unknown[];
}

const T0 = '2025-03-03T05:00:00.000Z';

function change(c: Omit<Change, 'id' | 'after'> & { target: string; after?: string[] }): Change {
  const { target, ...rest } = c;
  return { id: `${target}:${c.type}:${c.key}`, after: [], ...rest };
}

function targetPlan(
  name: string,
  connector: string,
  changes: Change[],
  blocked: TargetPlan['blocked'] = null,
): TargetPlan {
  return {
    name,
    connector,
    currentCount: 10,
    summary: summarise(changes),
    blocked,
    changesFingerprint: `fp-${name}`,
    changes,
  };
}

export const BLOCK_REASONS = [
  'would disable 3 of 10 objects (30 %): more than maxDisableShare 10 %',
  'would delete unit 900, which orgsync did not create',
];

export function samplePlan(id = 'plan-1'): Plan {
  const csv = [
    change({
      target: 'lob-csv',
      action: 'create',
      type: 'person',
      key: 'p-e7632912',
      label: 'Morten Olsen',
      parentKey: '90037',
      attrs: [
        { name: 'givenName', new: 'Morten' },
        { name: 'surname', new: 'Olsen' },
        { name: 'birthDate', new: null, sensitive: true },
      ],
      reason: 'person p-e7632912 is in HR and not yet in the target',
    }),
    change({
      target: 'lob-csv',
      action: 'update',
      type: 'person',
      key: 'p-469b0454',
      label: 'Hanne Nielsen',
      parentKey: '90037',
      attrs: [
        { name: 'title', old: 'Pædagog', new: 'Skolesekretær' },
        { name: 'employeeNumber', old: null, new: null, sensitive: true },
        { name: 'phone', new: '+45 1234 5678' },
      ],
      reason: 'attributes changed in HR',
    }),
    change({
      target: 'lob-csv',
      action: 'move',
      type: 'unit',
      key: '90155',
      label: 'Team Dag',
      parentKey: '90037',
      oldParentKey: '90010',
      attrs: [],
      reason: 'moved in HR from 90010 to 90037',
    }),
    change({
      target: 'lob-csv',
      action: 'delete',
      type: 'position',
      key: 'pos-771',
      parentKey: null,
      attrs: [],
      reason: 'position pos-771 is no longer in HR',
    }),
  ];
  const ad = [
    change({
      target: 'ad',
      action: 'disable',
      type: 'person',
      key: 'p-1a3e6aac',
      label: 'Karen Jensen',
      parentKey: null,
      attrs: [],
      reason: 'person p-1a3e6aac is no longer in HR',
    }),
    change({
      target: 'ad',
      action: 'delete',
      type: 'unit',
      key: '900',
      label: 'Gammel Skole',
      parentKey: null,
      attrs: [],
      reason: 'unit 900 no longer exists in HR',
    }),
  ];
  return {
    formatVersion: 1,
    id,
    createdAt: T0,
    asOf: '2025-03-03',
    source: {
      connector: 'opus-xml',
      origin: 'out/demo-hr',
      fingerprint: 'src-fp',
      counts: { units: 12, persons: 40, positions: 44 },
    },
    quarantined: [{ recordType: 'person', key: 'p-bad', code: 'CPR_MALFORMED', message: 'malformed CPR' }],
    targets: [
      targetPlan('ad', 'active-directory', ad, { reasons: [...BLOCK_REASONS] }),
      targetPlan('lob-csv', 'csv-export', csv),
    ],
  };
}

function run(id: string, status: RunRecord['status'], startedAt: string, minutes: number | null): RunRecord {
  return {
    id,
    command: id === 'run-2' ? 'schedule:nightly' : 'api:ops',
    startedAt,
    finishedAt: minutes === null ? null : new Date(Date.parse(startedAt) + minutes * 60_000).toISOString(),
    status,
    asOf: '2025-03-03',
    sourceFingerprint: 'src-fp',
    summary: {
      planId: 'plan-1',
      targets: [
        {
          name: 'ad',
          create: 0,
          update: 0,
          move: 0,
          replace: 0,
          disable: 1,
          delete: 1,
          blocked: true,
          error: null,
        },
        {
          name: 'lob-csv',
          create: 1,
          update: 1,
          move: 1,
          replace: 0,
          disable: 0,
          delete: 1,
          blocked: false,
          error: null,
          outcome: { name: 'lob-csv', status: 'partial', applied: 3, failed: 1, skipped: 0 },
        },
      ],
    },
  };
}

/** Audit rows as the state store keeps them. */
function audit(runId: string): AuditRecord[] {
  const at = '2025-03-03T05:01:00.000Z';
  const row = (key: string, action: AuditRecord['action'], status: AuditRecord['status']) => ({
    runId,
    target: 'lob-csv',
    changeId: `lob-csv:person:${key}`,
    action,
    type: 'person' as const,
    key,
    status,
    attributes: ['title'],
    message: null as string | null,
    errorKind: null as string | null,
    attempts: 1 as number | null,
    at,
  });
  return [
    row('p-e7632912', 'create', 'applied'),
    {
      ...row('p-469b0454', 'update', 'failed'),
      errorKind: 'conflict',
      message: 'the row is locked by another job',
    },
    row('p-00000001', 'update', 'applied'),
  ];
}

export class FakeControl implements WorkerControl {
  readonly calls: Call[] = [];
  /** The next call of a method throws this (once). */
  readonly failWith: Partial<Record<keyof WorkerControl, Error>> = {};
  readonly plans = new Map<string, Plan>([['plan-1', samplePlan('plan-1')]]);
  runs: RunRecord[] = [
    run('run-3', 'running', '2025-03-03T06:00:00.000Z', null),
    run('run-2', 'partial', '2025-03-03T05:00:00.000Z', 2),
    run('run-1', 'succeeded', '2025-03-02T05:00:00.000Z', 1),
  ];
  isReady = true;
  #seq = 0;

  #enter(method: keyof WorkerControl, ...args: unknown[]): void {
    this.calls.push({ method, args });
    const err = this.failWith[method];
    if (err) {
      delete this.failWith[method];
      throw err;
    }
  }

  callsOf(method: keyof WorkerControl): unknown[][] {
    return this.calls.filter((c) => c.method === method).map((c) => c.args);
  }

  async status(): Promise<WorkerStatus> {
    this.#enter('status');
    return {
      startedAt: '2025-03-03T04:00:00.000Z',
      stopping: false,
      schedules: [
        {
          name: 'nightly',
          cron: '0 5 * * *',
          timeZone: 'Europe/Copenhagen',
          mode: 'full',
          targets: null,
          next: '2025-03-04T04:00:00.000Z',
        },
      ],
      blackout: { active: false, until: null },
      running: ['run-3'],
      locks: [],
      targets: [
        { name: 'ad', connector: 'active-directory', enabled: true },
        { name: 'lob-csv', connector: 'csv-export', enabled: true },
      ],
    };
  }

  async ready(): Promise<{ ready: boolean; checks: Record<string, string> }> {
    this.#enter('ready');
    return {
      ready: this.isReady,
      checks: { state: this.isReady ? 'ok' : 'the state store does not answer' },
    };
  }

  async listRuns(limit: number): Promise<RunRecord[]> {
    this.#enter('listRuns', limit);
    return this.runs.slice(0, limit);
  }

  async getRun(id: string, opts: { limit: number }): Promise<RunDetail> {
    this.#enter('getRun', id, opts);
    const found = this.runs.find((r) => r.id === id);
    if (!found) throw new OrgsyncError('ORGSYNC_RUN_NOT_FOUND', `there is no run ${id}`);
    return { run: found, changes: audit(id).slice(0, opts.limit), planId: 'plan-1' };
  }

  listPlans(): PlanListItem[] {
    this.#enter('listPlans');
    return [...this.plans.values()].reverse().map((p) => ({
      id: p.id,
      runId: `run-of-${p.id}`,
      createdAt: p.createdAt,
      asOf: p.asOf,
      trigger: 'api:ops',
      targets: p.targets.map((t) => ({
        name: t.name,
        changes: t.changes.length,
        blocked: t.blocked !== null,
        error: t.error !== undefined,
      })),
    }));
  }

  getPlan(id: string): Plan {
    this.#enter('getPlan', id);
    return this.#plan(id);
  }

  #plan(id: string): Plan {
    const plan = this.plans.get(id);
    if (!plan) throw new OrgsyncError('ORGSYNC_PLAN_NOT_FOUND', `the worker keeps no plan ${id}`);
    return plan;
  }

  async dryRun(
    opts: { target?: string; mode?: 'full' | 'delta' },
    by: Caller,
  ): Promise<{ runId: string; planId: string }> {
    this.#enter('dryRun', opts, by);
    const n = ++this.#seq;
    const plan = samplePlan(`plan-dry-${n}`);
    if (opts.target) plan.targets = plan.targets.filter((t) => t.name === opts.target);
    this.plans.set(plan.id, plan);
    return { runId: `run-dry-${n}`, planId: plan.id };
  }

  async applyPlan(planId: string, by: Caller): Promise<{ runId: string }> {
    this.#enter('applyPlan', planId, by);
    this.#plan(planId);
    return { runId: `run-apply-${++this.#seq}` };
  }

  async approve(target: string, planId: string, by: Caller): Promise<{ runId: string }> {
    this.#enter('approve', target, planId, by);
    const plan = this.#plan(planId);
    if (!plan.targets.find((t) => t.name === target)?.blocked)
      throw new OrgsyncError(
        'ORGSYNC_TARGET_NOT_BLOCKED',
        `target ${target} is not blocked in plan ${planId}`,
      );
    return { runId: `run-approve-${++this.#seq}` };
  }
}
