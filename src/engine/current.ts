/**
 * A target's current state: read from the target when it can read, else what orgsync
 * last applied (from the state store). Changes left pending by a crashed run are
 * reconciled first, so that nothing is applied twice and nothing is forgotten.
 */
import type { LoadedTarget } from '../config/load.js';
import type { TargetSession } from '../sdk/connector.js';
import type { Change, ChangeResult, CurrentObject, DesiredObject, ObjectType } from '../sdk/types.js';
import type { PendingRecord, StateStore, StoredObject } from '../state/store.js';
import type { Engine } from './context.js';

export const objectId = (type: ObjectType, key: string) => `${type}:${key}`;

/**
 * Whether this session can read the target. A connector declares `read` when any of its
 * modes can; a mode that cannot (CSV delta files) opens a session without read().
 */
export const canRead = (t: LoadedTarget, session: TargetSession): boolean =>
  t.connector.capabilities.read && typeof session.read === 'function';

export function mappedTypes(t: LoadedTarget): ObjectType[] {
  return (['unit', 'person', 'position'] as const).filter((type) => t.mappings[type]);
}

/** The state row after an applied change. `fingerprints` are of the object's full desired attributes. */
export function storedAfter(
  target: string,
  change: Change,
  result: Pick<ChangeResult, 'targetId'>,
  before: StoredObject | undefined,
  fingerprints: Record<string, string>,
): StoredObject | null {
  if (change.action === 'delete') return null;
  const base = {
    target,
    type: change.type,
    key: change.key,
    targetId: result.targetId ?? change.targetId ?? before?.targetId ?? null,
    appliedAt: new Date().toISOString(),
  };
  if (change.action === 'disable') {
    return { ...base, parentKey: change.parentKey, fingerprints: before?.fingerprints ?? {}, disabled: true };
  }
  return { ...base, parentKey: change.parentKey, fingerprints, disabled: false };
}

export function desiredFingerprints(engine: Engine, d: DesiredObject): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(d.attrs)) out[name] = engine.fingerprint(name, value);
  return out;
}

/**
 * A pending row's change: never attribute values. A target that cannot read needs their
 * fingerprints to record a recovered change; one that reads shows the truth itself, so
 * its pending rows keep only the attribute names.
 */
export function pendingForm(engine: Engine, change: Change, withFingerprints: boolean): Change {
  return {
    ...change,
    label: undefined,
    attrs: change.attrs.map((a) => ({
      name: a.name,
      new: null,
      ...(withFingerprints ? { fingerprint: engine.fingerprint(a.name, a.new) } : {}),
    })),
  };
}

/**
 * Pending changes of a run that died. A connector that reads shows the truth itself; one
 * that cannot read must say which pending changes reached it (recover()). Those are
 * recorded as applied, the rest are forgotten and planned again.
 */
async function reconcilePending(
  store: StateStore,
  t: LoadedTarget,
  session: TargetSession,
  pending: PendingRecord[],
  stored: Map<string, StoredObject>,
  engine: Engine,
): Promise<void> {
  const name = t.config.name;
  const reached = canRead(t, session)
    ? null
    : ((await session.recover?.(pending)) ?? new Map<string, boolean>());
  for (const p of pending) {
    const applied = reached?.get(p.change.id);
    if (applied) {
      const id = objectId(p.change.type, p.change.key);
      const before = stored.get(id);
      // An attribute whose fingerprint the row lacks stays unknown: the next plan sets it again.
      const fps = { ...before?.fingerprints };
      for (const a of p.change.attrs) {
        if (a.fingerprint === undefined) delete fps[a.name];
        else fps[a.name] = a.fingerprint;
      }
      const after = storedAfter(name, p.change, {}, before, fps);
      const result: ChangeResult = {
        changeId: p.change.id,
        status: 'applied',
        message: 'recovered after an interrupted run',
      };
      await store.recordResult(p.runId, name, p.change, result, after);
      if (after) stored.set(id, after);
      else stored.delete(id);
    } else if (reached && !session.recover) {
      engine.logger.warn(
        { target: name, change: p.change.id },
        'outcome of an interrupted change is unknown: the connector cannot read or recover',
      );
    }
  }
  if (pending.length > 0) {
    await store.clearPending(
      name,
      pending.map((p) => p.change.id),
    );
    engine.logger.info(
      { target: name, count: pending.length },
      'reconciled changes left pending by an interrupted run',
    );
  }
}

/** Where a target's current state comes from: the target itself, or orgsync's store. */
export type CurrentFrom = 'target' | 'store';

/**
 * The current state of a target. `mode` delta plans from the store without reading a target
 * that could be read, when the store mirrors it (a full run recorded what it read: MIRROR_META)
 * and no interrupted change is pending (only a read shows what those did).
 */
export async function loadCurrent(
  engine: Engine,
  t: LoadedTarget,
  session: TargetSession,
  mode: 'full' | 'delta' = 'full',
): Promise<{ current: Map<string, CurrentObject>; stored: Map<string, StoredObject>; from: CurrentFrom }> {
  const name = t.config.name;
  const pending = await engine.store.listPending(name);
  const current = new Map<string, CurrentObject>();
  const mirrored =
    mode === 'delta' && pending.length === 0 && (await engine.store.getMeta(mirrorMeta(name))) !== null;
  if (mode === 'delta' && !mirrored && canRead(t, session))
    engine.logger.info(
      { target: name },
      'delta run reads the target: no full run has recorded its state yet, or a change is pending',
    );
  if (canRead(t, session) && session.read && !mirrored) {
    // The target is the truth: it shows what pending changes did, and holds the target ids.
    // What orgsync stored for it is not needed to plan, so it is not loaded.
    await reconcilePending(engine.store, t, session, pending, new Map(), engine);
    const types = mappedTypes(t);
    for (const o of await session.read(types)) {
      if (types.includes(o.type)) current.set(objectId(o.type, o.key), o);
    }
    // The target does not say when orgsync disabled something; the state does.
    if (t.config.deleteDisabledAfterDays !== undefined) {
      for (const s of await engine.store.loadObjects(name)) {
        const c = current.get(objectId(s.type, s.key));
        if (c?.disabled && s.disabled) c.disabledSince = s.appliedAt;
      }
    }
    return { current, stored: new Map(), from: 'target' };
  }
  const stored = new Map((await engine.store.loadObjects(name)).map((o) => [objectId(o.type, o.key), o]));
  await reconcilePending(engine.store, t, session, pending, stored, engine);
  for (const [id, o] of stored) {
    current.set(id, {
      type: o.type,
      key: o.key,
      targetId: o.targetId,
      parentKey: o.parentKey,
      fingerprints: o.fingerprints,
      disabled: o.disabled,
      ...(o.disabled ? { disabledSince: o.appliedAt } : {}),
    });
  }
  return { current, stored, from: 'store' };
}

/** Meta row set once a full run has made the store mirror what it read from a target. */
export const mirrorMeta = (target: string) => `mirror:${target}`;
