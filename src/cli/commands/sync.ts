/**
 * plan, apply and run: the commands that compute and carry out changes.
 *
 *   orgsync plan  [--out plan.json] [--detailed-exitcode]   show what would change
 *   orgsync apply plan.json                                 apply exactly a saved plan
 *   orgsync run                                             plan and apply in one go
 */
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { applyWork, type TargetOutcome } from '../../engine/apply.js';
import type { Engine } from '../../engine/context.js';
import { closeWork, makePlan, type PlanOutcome } from '../../engine/plan.js';
import { acceptSnapshot, type LoadedSnapshot, loadSnapshot } from '../../engine/snapshot.js';
import { EXIT, OrgsyncError } from '../../errors.js';
import {
  changesFingerprint,
  PLAN_FORMAT_VERSION,
  type Plan,
  PlanSchema,
  totalChanges,
} from '../../plan/plan.js';
import { renderPlan } from '../../plan/render.js';
import type { RunStatus } from '../../state/store.js';
import {
  type CommonOptions,
  collect,
  out,
  phase,
  progress,
  recordedRun,
  resolveAsOf,
  stopSignal,
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
    .option('--full', 'list every change, not only the first 200 per target');
}

async function planFrom(
  engine: Engine,
  flags: PlanFlags,
  asOf: string,
): Promise<PlanOutcome & { snap: LoadedSnapshot }> {
  const snap = await phase(
    'reading and validating the HR export',
    () => loadSnapshot(engine, asOf, { acceptShrink: flags.acceptShrink ?? false }),
    (s) => `${s.counts.units} units, ${s.counts.persons} persons, ${s.counts.positions} positions`,
  );
  const outcome = await phase('planning', () =>
    makePlan(engine, snap, { only: flags.target, approve: new Set(flags.approve) }),
  );
  return { ...outcome, snap };
}

/** Exit code of a finished apply: failures over blocks over success. */
function applyExit(outcomes: readonly TargetOutcome[]): { exit: number; status: RunStatus } {
  if (outcomes.some((o) => o.status === 'error' || o.status === 'failed' || o.status === 'partial'))
    return { exit: EXIT.partial, status: 'partial' };
  if (outcomes.some((o) => o.status === 'blocked')) return { exit: EXIT.blocked, status: 'blocked' };
  return { exit: EXIT.ok, status: 'succeeded' };
}

function printOutcomes(outcomes: readonly TargetOutcome[]) {
  const lines = ['Apply result:'];
  for (const o of outcomes) {
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
  out(lines.join('\n'));
}

async function applyOutcome(engine: Engine, planned: PlanOutcome, runId: string) {
  const total = planned.work.reduce((n, w) => n + (w.plan.blocked || w.plan.error ? 0 : w.changes.length), 0);
  const bar = progress('applying', total);
  try {
    return await applyWork(engine, planned.work, { runId, signal: stopSignal(), onResult: () => bar.tick() });
  } finally {
    await closeWork(planned.work);
  }
}

function summaryOf(plan: Plan, outcomes?: readonly TargetOutcome[]) {
  return {
    planId: plan.id,
    source: plan.source.counts,
    quarantined: plan.quarantined.length,
    targets: plan.targets.map((t) => ({
      name: t.name,
      ...t.summary,
      blocked: t.blocked !== null,
      error: t.error ?? null,
      ...(outcomes ? { outcome: outcomes.find((o) => o.name === t.name) } : {}),
    })),
  };
}

export function registerSync(program: Command) {
  planFlags(program.command('plan'))
    .description('show what a sync would change in each target, changing nothing')
    .option('-o, --out <file>', 'save the plan for `orgsync apply`')
    .option('--detailed-exitcode', 'exit 0 when nothing would change, 2 when something would, 1 on error')
    .action(async (flags: PlanFlags & { out?: string; detailedExitcode?: boolean }) => {
      process.exitCode = await withEngine(flags, (engine) => {
        const asOf = resolveAsOf(flags.asOf);
        return recordedRun(engine, 'plan', asOf, async () => {
          const planned = await planFrom(engine, flags, asOf);
          await closeWork(planned.work);
          printPlan(planned.plan, flags);
          if (flags.out) {
            writeFileSync(flags.out, JSON.stringify(planned.plan, null, 2) + '\n', { mode: 0o600 });
            chmodSync(flags.out, 0o600); // also when the file existed with a wider mode
          }
          return planOnly(planned.plan, flags.detailedExitcode ?? false);
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
          const planned = await planFrom(
            engine,
            { ...flags, target: saved.targets.map((t) => t.name) },
            saved.asOf,
          );
          try {
            assertSameSource(saved, planned.plan);
            assertUnedited(saved, planned.plan, engine);
            const stale = staleTargets(saved, planned.plan);
            if (stale.length > 0) {
              throw new OrgsyncError(
                'ORGSYNC_PLAN_STALE',
                `plan ${saved.id} is stale for ${stale.join(', ')}: the target changed since the plan was made`,
              );
            }
          } catch (e) {
            await closeWork(planned.work);
            throw e;
          }
          return finishApply(engine, planned, runId);
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
          const planned = await planFrom(engine, flags, asOf);
          printPlan(planned.plan, flags);
          if (flags.dryRun) {
            await closeWork(planned.work);
            return planOnly(planned.plan, false);
          }
          return finishApply(engine, planned, runId);
        });
      });
    });
}

/** The outcome of a command that only plans: 1 when a target could not be planned. */
function planOnly(
  plan: Plan,
  detailedExitcode: boolean,
): { status: RunStatus; summary: Record<string, unknown>; exit: number } {
  const errors = plan.targets.some((t) => t.error);
  const changes = plan.targets.some((t) => totalChanges(t.summary) > 0);
  const exit = errors ? EXIT.error : detailedExitcode && changes ? EXIT.changes : EXIT.ok;
  return { status: errors ? 'failed' : 'succeeded', summary: summaryOf(plan), exit };
}

/**
 * Applies, reports, and moves the shrink baseline to this export unless a target was
 * blocked: a blocked target is a person's question about this export, not an answer.
 */
async function finishApply(engine: Engine, planned: PlanOutcome & { snap: LoadedSnapshot }, runId: string) {
  const outcomes = await applyOutcome(engine, planned, runId);
  printOutcomes(outcomes);
  if (!outcomes.some((o) => o.status === 'blocked')) await acceptSnapshot(engine, planned.snap);
  const { exit, status } = applyExit(outcomes);
  return { status, summary: summaryOf(planned.plan, outcomes), exit };
}

/** The changes listed in the file must be the ones its fingerprint was made of. */
function assertUnedited(saved: Plan, fresh: Plan, engine: Engine) {
  for (const s of saved.targets) {
    const f = fresh.targets.find((t) => t.name === s.name);
    if (!f || f.changesFingerprint !== s.changesFingerprint) continue; // stale: reported as such
    if (
      changesFingerprint(s.changes, engine.fingerprint) !== changesFingerprint(f.changes, engine.fingerprint)
    ) {
      throw new OrgsyncError(
        'ORGSYNC_PLAN_INVALID',
        `plan ${saved.id}: the changes listed for ${s.name} were edited after the plan was made`,
      );
    }
  }
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

function assertSameSource(saved: Plan, fresh: Plan) {
  if (saved.source.fingerprint !== fresh.source.fingerprint) {
    throw new OrgsyncError(
      'ORGSYNC_PLAN_STALE',
      `plan ${saved.id} is stale: the HR data as of ${saved.asOf} changed since the plan was made`,
    );
  }
}

function staleTargets(saved: Plan, fresh: Plan): string[] {
  return saved.targets.flatMap((s) => {
    const f = fresh.targets.find((t) => t.name === s.name);
    return !f || f.changesFingerprint !== s.changesFingerprint ? [s.name] : [];
  });
}
