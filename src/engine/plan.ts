/**
 * Planning: for each target, desired objects from the snapshot, current state, the diff,
 * the safety verdict. Targets are planned side by side; one that cannot be reached is
 * reported with its error and the others go on.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { LoadedTarget } from '../config/load.js';
import { OrgsyncError } from '../errors.js';
import { buildDesired } from '../mapping/desired.js';
import { diffTarget, isRemoval } from '../plan/diff.js';
import { changesFingerprint, maskChanges, type Plan, summarise, type TargetPlan } from '../plan/plan.js';
import { foreignRemovalReasons, safetyReasons } from '../plan/safety.js';
import type { TargetSession } from '../sdk/connector.js';
import type { Change, CurrentObject, DesiredObject, ObjectType } from '../sdk/types.js';
import type { StoredObject } from '../state/store.js';
import type { Engine } from './context.js';
import { type CurrentFrom, loadCurrent, objectId } from './current.js';
import type { LoadedSnapshot } from './snapshot.js';

export interface TargetWork {
  target: LoadedTarget;
  session: TargetSession | null;
  desired: Map<string, DesiredObject>;
  stored: Map<string, StoredObject>;
  /** What the target held before (read, or from the store: `from`). */
  current: Map<string, CurrentObject>;
  from: CurrentFrom;
  /** Full changes, sensitive values included: never written anywhere. */
  changes: Change[];
  plan: TargetPlan;
}

export interface PlanOutcome {
  plan: Plan;
  work: TargetWork[];
}

export interface PlanOptions {
  /** Plan only these targets (names). Default: every enabled target. */
  only?: readonly string[];
  /** Targets a person approved past their safety thresholds. */
  approve?: ReadonlySet<string>;
  /** full (default): read targets that can be read. delta: plan from the store where it mirrors the target. */
  mode?: 'full' | 'delta';
}

export async function openTarget(engine: Engine, t: LoadedTarget): Promise<TargetSession> {
  const workDir = join(engine.loaded.config.workDir, 'targets', t.config.name);
  mkdirSync(workDir, { recursive: true });
  const attributes = Object.fromEntries(
    Object.entries(t.mappings).map(([type, m]) => [type, m.attributes.map(([name]) => name)]),
  );
  return t.connector.open(t.connectorConfig, {
    instance: t.config.name,
    logger: engine.logger.child({ target: t.config.name }),
    workDir,
    attributes,
    relink: (ids) =>
      engine.store.setTargetIds(
        t.config.name,
        [...ids].map(([id, targetId]) => {
          const at = id.indexOf(':');
          return { type: id.slice(0, at) as ObjectType, key: id.slice(at + 1), targetId };
        }),
      ),
    links: async () =>
      new Map(
        (await engine.store.loadObjects(t.config.name)).map((o) => [
          objectId(o.type, o.key),
          { targetId: o.targetId, disabled: o.disabled, parentKey: o.parentKey },
        ]),
      ),
  });
}

function labelOf(snap: LoadedSnapshot['snapshot']) {
  return (o: DesiredObject | CurrentObject): string | undefined => {
    const own = 'label' in o ? o.label : undefined;
    if (o.type === 'unit') return snap.units.get(o.key)?.name ?? own;
    if (o.type === 'position') return snap.positions.get(o.key)?.title ?? own;
    return own; // persons are shown by key only: their names are personal data
  };
}

async function planTarget(
  engine: Engine,
  t: LoadedTarget,
  snap: LoadedSnapshot,
  opts: PlanOptions,
): Promise<TargetWork> {
  const name = t.config.name;
  const desired = buildDesired(snap.snapshot, t.config.scope, t.mappings, {
    primaryContractPriority: engine.loaded.config.source.primaryContractPriority,
  });
  const session = await openTarget(engine, t);
  const { current, stored, from } = await loadCurrent(engine, t, session, opts.mode).catch(
    async (e: unknown) => {
      await session.close?.();
      throw e;
    },
  );
  const changes = diffTarget(desired, current, {
    target: name,
    capabilities: t.connector.capabilities,
    textValues: t.connector.textValues ?? false,
    asOf: snap.snapshot.asOf,
    ...(t.config.deleteDisabledAfterDays !== undefined
      ? { deleteDisabledAfterDays: t.config.deleteDisabledAfterDays }
      : {}),
    onRemove: t.onRemove,
    fingerprint: engine.fingerprint,
    depthOf: (_type, key) => snap.snapshot.depth.get(key) ?? 0,
    held: snap.snapshot.held,
    labelOf: labelOf(snap.snapshot),
  });
  const summary = summarise(changes);
  // Shares are of what is live in the target: disabled objects piling up must not dilute them.
  let active = 0;
  for (const c of current.values()) if (!c.disabled) active++;
  let heldBack = 0; // walks the held set, which is small, not the whole target
  for (const id of snap.snapshot.held) if (current.has(id) && !desired.has(id)) heldBack++;
  const foreign = changes.filter((c) => isRemoval(c) && current.get(objectId(c.type, c.key))?.foreign).length;
  const reasons = [...safetyReasons(summary, active, t.config.safety), ...foreignRemovalReasons(foreign)];
  const approved = opts.approve?.has(name) ?? false;
  if (reasons.length > 0 && approved)
    engine.logger.warn({ target: name, reasons }, 'safety thresholds passed by approval');
  return {
    target: t,
    session,
    desired,
    stored,
    current,
    from,
    changes,
    plan: {
      name,
      connector: t.connector.name,
      currentCount: active,
      ...(heldBack > 0 ? { heldBack } : {}),
      summary,
      blocked: reasons.length > 0 && !approved ? { reasons } : null,
      changesFingerprint: changesFingerprint(changes, engine.fingerprint),
      changes: maskChanges(changes, () => null),
    },
  };
}

/** A target that could not be planned: reported, not fatal for the others. */
function failedTarget(t: LoadedTarget, e: unknown): TargetWork {
  const message = e instanceof Error ? e.message : String(e);
  return {
    target: t,
    session: null,
    desired: new Map(),
    stored: new Map(),
    current: new Map(),
    from: 'store',
    changes: [],
    plan: {
      name: t.config.name,
      connector: t.connector.name,
      currentCount: 0,
      summary: summarise([]),
      blocked: null,
      changesFingerprint: '',
      changes: [],
      error: message,
    },
  };
}

/** The targets a command works on: the named ones, or every enabled one. */
export function selectTargets(engine: Engine, only?: readonly string[]): LoadedTarget[] {
  if (!only || only.length === 0) return engine.loaded.targets.filter((t) => t.config.enabled);
  const names = engine.loaded.targets.map((t) => t.config.name);
  const unknown = only.filter((n) => !names.includes(n));
  if (unknown.length > 0) {
    throw new OrgsyncError(
      'ORGSYNC_TARGET_UNKNOWN',
      `no target named ${unknown.join(', ')} (configured: ${names.join(', ')})`,
    );
  }
  return engine.loaded.targets.filter((t) => only.includes(t.config.name));
}

export async function makePlan(
  engine: Engine,
  snap: LoadedSnapshot,
  opts: PlanOptions = {},
): Promise<PlanOutcome> {
  const targets = selectTargets(engine, opts.only);
  selectTargets(engine, [...(opts.approve ?? [])]); // an approval for a misspelt target must not pass silently
  const work = await Promise.all(
    targets.map((t) =>
      planTarget(engine, t, snap, opts).catch((e: unknown) => {
        engine.logger.error(
          { target: t.config.name, err: e instanceof Error ? e.message : String(e) },
          'target could not be planned',
        );
        return failedTarget(t, e);
      }),
    ),
  );
  const plan: Plan = {
    formatVersion: 1,
    id: randomUUID(),
    createdAt: new Date().toISOString(),
    asOf: snap.snapshot.asOf,
    mode: opts.mode ?? 'full',
    source: {
      connector: engine.loaded.source.connector.name,
      origin: snap.meta.origin,
      // Read when the plan is saved or printed as JSON, not on every run.
      get fingerprint() {
        return snap.fingerprint;
      },
      counts: snap.counts,
    },
    quarantined: snap.quarantined,
    targets: work.map((w) => w.plan),
  };
  return { plan, work };
}

export async function closeWork(work: readonly TargetWork[]): Promise<void> {
  await Promise.all(work.map((w) => w.session?.close?.()));
}
