/**
 * plan, apply and run: the commands that compute and carry out changes.
 *
 *   orgsync plan  [--out plan.json] [--detailed-exitcode]   show what would change
 *   orgsync apply plan.json                                 apply exactly a saved plan
 *   orgsync run                                             plan and apply in one go
 */
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { TargetOutcome } from '../../engine/apply.js';
import type { Engine } from '../../engine/context.js';
import { planHasChanges, type SyncRequest, syncRun } from '../../engine/sync.js';
import { EXIT, OrgsyncError } from '../../errors.js';
import { PLAN_FORMAT_VERSION, type Plan, PlanSchema } from '../../plan/plan.js';
import { renderPlan } from '../../plan/render.js';
import { systemClock } from '../../worker/clock.js';
import {
  type CommonOptions,
  collect,
  out,
  progress,
  recordedRun,
  resolveAsOf,
  step,
  stopSignal,
  UsageError,
  withAsOf,
  withConfig,
  withEngine,
} from '../common.js';

interface PlanFlags extends CommonOptions {
  asOf?: string;
  target?: string[];
  approve?: string[];
  acceptShrink?: boolean;
  json?: boolean;
  full?: boolean;
  mode?: 'full' | 'delta';
}

function printPlan(plan: Plan, flags: PlanFlags) {
  if (flags.json) out(JSON.stringify(plan, null, 2));
  else out(renderPlan(plan, flags.full ? { limit: Number.POSITIVE_INFINITY } : {}));
}

function planFlags(cmd: Command): Command {
  return withAsOf(withConfig(cmd))
    .option('-t, --target <names>', 'only these targets (comma-separated or repeated)', collect)
    .option('--approve <names>', 'approve these targets past their safety thresholds', collect)
    .option('--accept-shrink', 'accept an export much smaller than the last accepted one')
    .option('--json', 'print the plan as JSON (docs/plan.schema.json)')
    .option('--full', 'list every change, not only the first 200 per target')
    .option(
      '--mode <mode>',
      'full: read targets to find drift; delta: plan from what orgsync last applied (fast)',
      'full',
    );
}

/** What every sync command passes to the engine: the flags, the lock lease, progress on a terminal. */
function request(engine: Engine, flags: PlanFlags, runId: string, asOf: string): SyncRequest {
  if (flags.mode !== 'full' && flags.mode !== 'delta')
    throw new UsageError(`--mode ${flags.mode} is not full or delta`);
  let bar: ReturnType<typeof progress> | undefined;
  const reading = step('reading and validating the HR export');
  return {
    runId,
    asOf,
    only: flags.target,
    approve: new Set(flags.approve),
    acceptShrink: flags.acceptShrink ?? false,
    mode: flags.mode,
    signal: stopSignal(),
    locks: { clock: systemClock, ttlMs: engine.loaded.config.worker.lock.ttlSeconds * 1000 },
    onSnapshot: (snap) =>
      reading.done(
        `${snap.counts.units} units, ${snap.counts.persons} persons, ${snap.counts.positions} positions`,
      ),
    onPlan: (plan) => {
      const total = plan.targets.reduce((n, t) => n + (t.blocked || t.error ? 0 : t.changes.length), 0);
      bar = progress('applying', total);
    },
    onResult: () => bar?.tick(),
  };
}

function printOutcomes(
  outcomes: readonly TargetOutcome[] | null,
  busy: readonly { target: string; runId: string; since: string }[],
) {
  const lines = ['Apply result:'];
  for (const o of outcomes ?? []) {
    lines.push(`  ${o.name}: ${o.status} (${o.applied} applied, ${o.failed} failed, ${o.skipped} skipped)`);
    for (const p of o.problems.slice(0, 20))
      lines.push(
        `    ! ${p.changeId}: ${p.status}${p.errorKind ? ` [${p.errorKind}]` : ''} ${p.message ?? ''}`,
      );
    if (o.problems.length > 20)
      lines.push(`    ! ... and ${o.problems.length - 20} more (orgsync history --run <id>)`);
    if (o.status === 'blocked')
      lines.push(
        `    blocked by its safety thresholds: review the plan, then rerun with --approve ${o.name}`,
      );
  }
  for (const b of busy)
    lines.push(
      `  ${b.target}: busy, left alone (locked by run ${b.runId} since ${b.since}; try again later)`,
    );
  out(lines.join('\n'));
}

export function registerSync(program: Command) {
  planFlags(program.command('plan'))
    .description('show what a sync would change in each target, changing nothing')
    .option('-o, --out <file>', 'save the plan for `orgsync apply`')
    .option('--detailed-exitcode', 'exit 0 when nothing would change, 2 when something would, 1 on error')
    .action(async (flags: PlanFlags & { out?: string; detailedExitcode?: boolean }) => {
      process.exitCode = await withEngine(flags, (engine) => {
        const asOf = resolveAsOf(flags.asOf);
        return recordedRun(engine, 'plan', asOf, async (runId) => {
          const r = await syncRun(engine, { ...request(engine, flags, runId, asOf), dryRun: true });
          printPlan(r.plan, flags);
          if (flags.out) {
            writeFileSync(flags.out, JSON.stringify(r.plan, null, 2) + '\n', { mode: 0o600 });
            chmodSync(flags.out, 0o600); // also when the file existed with a wider mode
          }
          const changes = flags.detailedExitcode && r.exit === EXIT.ok && planHasChanges(r.plan);
          return { ...r, exit: changes ? EXIT.changes : r.exit };
        });
      });
    });

  withConfig(program.command('apply'))
    .description('apply exactly a plan saved by `orgsync plan --out`; refuses a stale plan')
    .argument('<plan>', 'the plan file')
    .option('--approve <names>', 'approve these blocked targets', collect)
    .option('--accept-shrink', 'accept an export much smaller than the last accepted one')
    .action(async (file: string, flags: PlanFlags) => {
      process.exitCode = await withEngine(flags, async (engine) => {
        const saved = readPlanFile(file);
        return recordedRun(engine, 'apply', saved.asOf, async (runId) => {
          const r = await syncRun(engine, {
            ...request(
              engine,
              { ...flags, mode: saved.mode ?? 'full', target: saved.targets.map((t) => t.name) },
              runId,
              saved.asOf,
            ),
            basis: saved,
          });
          printOutcomes(r.outcomes, r.busy);
          return r;
        });
      });
    });

  planFlags(program.command('run'))
    .description('plan and apply in one go: what the nightly job runs')
    .option('--dry-run', 'plan only (same as `orgsync plan`)')
    .action(async (flags: PlanFlags & { dryRun?: boolean }) => {
      process.exitCode = await withEngine(flags, (engine) => {
        const asOf = resolveAsOf(flags.asOf);
        return recordedRun(engine, flags.dryRun ? 'plan' : 'run', asOf, async (runId) => {
          const base = request(engine, flags, runId, asOf);
          const r = await syncRun(engine, {
            ...base,
            dryRun: flags.dryRun ?? false,
            onPlan: (plan) => {
              printPlan(plan, flags);
              base.onPlan?.(plan);
            },
          });
          if (!flags.dryRun) printOutcomes(r.outcomes, r.busy);
          return r;
        });
      });
    });
}

function readPlanFile(file: string): Plan {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    throw new OrgsyncError('ORGSYNC_PLAN_INVALID', `plan file ${file} cannot be read as JSON`);
  }
  const parsed = PlanSchema.safeParse(raw);
  if (!parsed.success)
    throw new OrgsyncError(
      'ORGSYNC_PLAN_INVALID',
      `plan file ${file} is not an orgsync plan of format version ${PLAN_FORMAT_VERSION}`,
    );
  return parsed.data as Plan;
}
