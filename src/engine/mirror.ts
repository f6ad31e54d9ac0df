/**
 * After a full run has read a target, the store is made to mirror what it read (before the
 * run's own changes are recorded on top), so that intraday delta runs can plan from the
 * store without reading the target again. Hand edits made in the target after that are
 * found by the next full run, not by delta runs: that is the trade a delta run makes.
 */
import type { StoredObject } from '../state/store.js';
import type { Engine } from './context.js';
import { desiredFingerprints, mirrorMeta, objectId } from './current.js';
import type { TargetWork } from './plan.js';

export async function mirrorTarget(engine: Engine, w: TargetWork): Promise<void> {
  if (w.from !== 'target' || w.plan.error) return;
  const name = w.target.config.name;
  const before = new Map((await engine.store.loadObjects(name)).map((o) => [objectId(o.type, o.key), o]));
  const changed = new Set(w.changes.map((c) => objectId(c.type, c.key)));
  const now = new Date().toISOString();
  const rows: StoredObject[] = [];
  for (const [id, c] of w.current) {
    if (c.foreign) continue; // not orgsync's: only a full run's reconcile deals with it
    const desired = w.desired.get(id);
    // Unchanged and wanted: the values are what HR says, fingerprinted as the diff compares
    // them. Otherwise what was read (a change's result replaces it once applied).
    const fingerprints =
      desired && !changed.has(id)
        ? desiredFingerprints(engine, desired)
        : c.attrs
          ? Object.fromEntries(Object.entries(c.attrs).map(([k, v]) => [k, engine.fingerprint(k, v)]))
          : (c.fingerprints ?? {});
    const prior = before.get(id);
    rows.push({
      target: name,
      type: c.type,
      key: c.key,
      targetId: c.targetId ?? prior?.targetId ?? null,
      parentKey: c.parentKey,
      fingerprints,
      disabled: c.disabled,
      // Kept from the row before: it dates a disable, for deleteDisabledAfterDays.
      appliedAt: prior && prior.disabled === c.disabled ? prior.appliedAt : now,
    });
  }
  await engine.store.replaceObjects(name, rows);
  await engine.store.setMeta(mirrorMeta(name), now);
  // The apply records each change over a row it knows, as in a store-backed run.
  w.stored = new Map(rows.map((r) => [objectId(r.type, r.key), r]));
}
