/**
 * Desired vs current -> the changes one target needs, in a safe order.
 *
 * Only attributes the mapping names are compared; anything else the target holds is left
 * alone. When the current state comes from orgsync's own store, values are known only as
 * keyed fingerprints, so a difference is found by fingerprinting the desired value.
 */
import type { RemovalPolicy } from '../config/schema.js';
import type { Capabilities } from '../sdk/connector.js';
import type {
  AttrChange,
  AttrValue,
  Change,
  CurrentObject,
  DesiredObject,
  ObjectType,
} from '../sdk/types.js';

/** Keyed fingerprint of an attribute value. Values that mean the same (empty, null, []) fingerprint alike. */
export type Fingerprinter = (name: string, value: AttrValue) => string;

export interface DiffOptions {
  target: string;
  capabilities: Capabilities;
  onRemove: Record<ObjectType, RemovalPolicy>;
  fingerprint: Fingerprinter;
  /** Unit depth in the desired tree, for parents-first order; from the snapshot. */
  depthOf: (type: ObjectType, key: string) => number;
  /** Objects (`type:key`) to leave as they are though HR lacks them: quarantined records. */
  held?: ReadonlySet<string>;
  /** Delete what was disabled this many days before `asOf` or earlier (policy `disable` only). */
  deleteDisabledAfterDays?: number;
  /** The day the plan is for (YYYY-MM-DD): the grace period counts to it. */
  asOf?: string;
  /** The target keeps values as text: compare them as text (see sameText). */
  textValues?: boolean;
  /** Human label of a desired or current object, when one is known. */
  labelOf?: (obj: DesiredObject | CurrentObject) => string | undefined;
}

/** Empty, null and missing all mean "no value": targets disagree on how they store it. */
const isEmpty = (v: AttrValue | undefined): boolean =>
  v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0);

/** The one form of "no value" that fingerprints are taken of. */
export const normaliseEmpty = (v: AttrValue): AttrValue => (isEmpty(v) ? null : v);

export function sameValue(a: AttrValue | undefined, b: AttrValue | undefined): boolean {
  if (a === b) return true; // the nightly case, almost every time
  if (isEmpty(a) || isEmpty(b)) return isEmpty(a) && isEmpty(b);
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => x === b[i]);
  }
  return a === b;
}

/**
 * The same, for a target that keeps every value as text (a directory): 1 and '1' agree,
 * and a multi-valued attribute is a set, whatever order the server returns it in.
 */
export function sameText(a: AttrValue | undefined, b: AttrValue | undefined): boolean {
  if (a === b) return true;
  if (isEmpty(a) || isEmpty(b)) return isEmpty(a) && isEmpty(b);
  const text = (v: AttrValue | undefined) =>
    Array.isArray(v) ? (v.length === 1 ? v[0] : [...v].sort().join('\u0000')) : String(v);
  return text(a) === text(b);
}

/** Whether the attribute differs from what the target holds (or was last given). */
function differs(
  name: string,
  value: AttrValue,
  current: CurrentObject,
  fp: Fingerprinter,
  asText: boolean,
): boolean {
  if (current.attrs) return !(asText ? sameText : sameValue)(current.attrs[name], value);
  const known = current.fingerprints?.[name];
  // Unknown old value: only its fingerprint was kept. A never-applied empty value is no change.
  if (known === undefined) return !isEmpty(value);
  return known !== fp(name, value);
}

function attrChanges(
  desired: DesiredObject,
  current: CurrentObject | undefined,
  fp: Fingerprinter,
  asText = false,
): AttrChange[] {
  const out: AttrChange[] = [];
  for (const name in desired.attrs) {
    const value = desired.attrs[name]!;
    if (current ? !differs(name, value, current, fp, asText) : isEmpty(value)) continue;
    const change: AttrChange = { name, new: value };
    if (current?.attrs) change.old = current.attrs[name] ?? null;
    if (desired.sensitive.includes(name)) change.sensitive = true;
    out.push(change);
  }
  return out;
}

/** The common nightly case, checked without allocating: nothing about the object changed. */
function unchanged(
  d: DesiredObject,
  c: CurrentObject,
  fp: Fingerprinter,
  tracksParent: boolean,
  asText: boolean,
): boolean {
  if (c.disabled || (tracksParent && c.parentKey !== d.parentKey)) return false;
  for (const name in d.attrs) if (differs(name, d.attrs[name]!, c, fp, asText)) return false;
  return true;
}

const TYPE_ORDER: Record<ObjectType, number> = { unit: 0, person: 1, position: 2 };

export function diffTarget(
  desired: ReadonlyMap<string, DesiredObject>,
  current: ReadonlyMap<string, CurrentObject>,
  opts: DiffOptions,
): Change[] {
  const { capabilities: caps, target } = opts;
  const changes: Change[] = [];
  const dependsOn = new Map<Change, readonly string[]>();
  const push = (c: Change, d?: DesiredObject) => {
    changes.push(c);
    if (d && d.dependsOn.length > 0) dependsOn.set(c, d.dependsOn);
  };
  const idOf = (type: ObjectType, key: string) => `${target}:${type}:${key}`;
  const label = (o: DesiredObject | CurrentObject) => opts.labelOf?.(o);

  // Only operations the target declared are planned. One that can neither move nor replace
  // has no notion of where an object sits, so parent changes are not changes for it.
  const tracksParent = caps.move || caps.replace;
  const asText = opts.textValues ?? false;
  for (const [id, d] of desired) {
    const c = current.get(id);
    if (c && unchanged(d, c, opts.fingerprint, tracksParent, asText)) continue;
    const attrs = attrChanges(d, c, opts.fingerprint, asText);
    const base = {
      id: idOf(d.type, d.key),
      type: d.type,
      key: d.key,
      parentKey: d.parentKey,
      after: [],
      label: label(d),
    };
    if (!c) {
      if (!caps.create) continue;
      push(
        {
          ...base,
          action: 'create',
          attrs,
          reason: `${d.type} ${d.key} is in HR and not yet in the target`,
        },
        d,
      );
      continue;
    }
    const moved = tracksParent && c.parentKey !== d.parentKey;
    if (!moved && attrs.length === 0 && !c.disabled) continue;
    const common = { ...base, targetId: c.targetId ?? null, attrs, ...(c.disabled ? { enable: true } : {}) };
    if (moved) {
      const reason = `moved in HR from ${c.parentKey ?? '(top)'} to ${d.parentKey ?? '(top)'}`;
      if (caps.move) push({ ...common, action: 'move', oldParentKey: c.parentKey, reason }, d);
      else if (caps.replace) {
        // Replace recreates the object: it needs every attribute, not only the changed ones.
        const all = attrChanges(d, undefined, opts.fingerprint);
        push(
          {
            ...common,
            action: 'replace',
            attrs: all,
            oldParentKey: c.parentKey,
            reason: `${reason}; the target cannot move, so it is replaced`,
          },
          d,
        );
      }
      continue;
    }
    if (!caps.update) continue;
    const reason = c.disabled
      ? `${d.type} ${d.key} is back in HR; re-enabled`
      : `changed in HR: ${attrs.map((a) => a.name).join(', ')}`;
    push({ ...common, action: 'update', reason }, d);
  }

  for (const [id, c] of current) {
    if (desired.has(id) || opts.held?.has(id)) continue;
    const policy = opts.onRemove[c.type];
    if (policy === 'ignore') continue;
    const graceOver = policy === 'disable' && c.disabled && graceEnded(c, opts);
    if (policy === 'disable' && c.disabled && !graceOver) continue;
    const action = policy === 'delete' || graceOver ? 'delete' : 'disable';
    if (!caps[action]) continue; // config load refuses this; kept as a guard
    changes.push({
      id: idOf(c.type, c.key),
      action,
      type: c.type,
      key: c.key,
      targetId: c.targetId ?? null,
      parentKey: c.parentKey,
      attrs: [],
      after: [],
      reason: graceOver
        ? `${c.type} ${c.key} was disabled on ${c.disabledSince!.slice(0, 10)}, ${opts.deleteDisabledAfterDays} or more days ago`
        : `${c.type} ${c.key} is no longer in HR, or no longer in this target's scope`,
      label: label(c),
    });
  }
  return orderChanges(changes, dependsOn, current, opts.depthOf);
}

/** Whether an object orgsync disabled has waited out the target's grace period. */
function graceEnded(c: CurrentObject, opts: DiffOptions): boolean {
  const days = opts.deleteDisabledAfterDays;
  if (days === undefined || !c.disabledSince || !opts.asOf) return false;
  const since = Date.parse(c.disabledSince.slice(0, 10));
  return (Date.parse(opts.asOf) - since) / 86_400_000 >= days;
}

export const isRemoval = (c: Change) => c.action === 'delete' || c.action === 'disable';
/** The shared empty `after` list; never mutated (a change that waits gets its own list). */
const NOTHING: string[] = [];
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Parents before children for everything that creates or places; children before parents
 * for removals (the exact reverse). `after` lists the changes each one must wait for.
 */
export function orderChanges(
  changes: Change[],
  dependsOn: ReadonlyMap<Change, readonly string[]>,
  current: ReadonlyMap<string, CurrentObject>,
  depthOf: DiffOptions['depthOf'],
): Change[] {
  // Lookups use keys that already exist as strings: building `unit:${key}` per change and
  // hashing it anew cost more than the whole sort at 100,000 persons.
  const byObject = new Map<string, Change>();
  const unitByKey = new Map<string, Change>();
  for (const c of changes) {
    byObject.set(`${c.type}:${c.key}`, c);
    if (c.type === 'unit') unitByKey.set(c.key, c);
  }
  // A removed unit is no longer in HR, so its depth comes from the tree the target holds.
  const currentDepth = new Map<string, number>();
  const depthInCurrent = (key: string, seen = new Set<string>()): number => {
    const known = currentDepth.get(key);
    if (known !== undefined) return known;
    const parent = current.get(`unit:${key}`)?.parentKey ?? null;
    seen.add(key);
    const d = parent === null || seen.has(parent) ? 1 : 1 + depthInCurrent(parent, seen);
    currentDepth.set(key, d);
    return d;
  };
  // Within a type, a change that depends on another of the same type (a person on their
  // manager) ranks after it: its rank is the length of that chain of dependencies in this
  // change set. A cycle (odd HR data) is cut where it closes, so ranks always exist.
  const chain = new Map<Change, number>();
  const chainOf = (c: Change, visiting: Set<Change>): number => {
    const known = chain.get(c);
    if (known !== undefined) return known;
    if (visiting.has(c)) return 0;
    visiting.add(c);
    let n = 0;
    for (const d of dependsOn.get(c) ?? []) {
      const dep = byObject.get(d);
      if (dep && dep.type === c.type && !isRemoval(dep)) n = Math.max(n, 1 + chainOf(dep, visiting));
    }
    visiting.delete(c);
    chain.set(c, Math.min(n, 999));
    return chain.get(c)!;
  };
  // Sort keys computed once per change and carried beside it: type, then depth, then key.
  const rank = new Map<Change, number>();
  const rankOf = (c: Change) => {
    let r: number;
    if (c.type !== 'unit') r = TYPE_ORDER[c.type] * 1000 + (isRemoval(c) ? 0 : chainOf(c, new Set()));
    else r = TYPE_ORDER.unit * 1000 + (isRemoval(c) ? depthInCurrent(c.key) : depthOf('unit', c.key));
    rank.set(c, r);
    return r;
  };
  const sorted = (list: Change[], direction: 1 | -1) =>
    list
      .map((c) => ({ c, r: rankOf(c) }))
      .sort((a, b) => direction * (a.r - b.r) || cmp(a.c.key, b.c.key))
      .map((x) => x.c);
  const placing = sorted(
    changes.filter((c) => !isRemoval(c)),
    1,
  );
  const removing = sorted(changes.filter(isRemoval), -1);

  // Placing waits for the parent unit and the declared dependencies, when they change too.
  // Most changes wait for nothing: they share one empty list (no allocation per change).
  for (const c of placing) {
    let after: string[] = NOTHING;
    const wait = (dep: Change | undefined) => {
      if (!dep || isRemoval(dep)) return;
      // Only what ranks earlier: a dependency cut from a cycle is not waited for.
      if (dep.type === c.type && rank.get(dep)! >= rank.get(c)!) return;
      if (after === NOTHING) after = [dep.id];
      else if (!after.includes(dep.id)) after.push(dep.id);
    };
    const deps = dependsOn.get(c);
    if (deps) for (const d of deps) wait(byObject.get(d));
    if (c.parentKey !== null) wait(unitByKey.get(c.parentKey));
    c.after = after;
  }
  // A unit is removed only after everything that sat in it was removed or moved out.
  const unitRemovals = new Map(removing.filter((c) => c.type === 'unit').map((c) => [c.key, c]));
  if (unitRemovals.size > 0) {
    for (const c of current.values()) {
      const parentRemoval = c.parentKey === null ? undefined : unitRemovals.get(c.parentKey);
      const child = byObject.get(`${c.type}:${c.key}`);
      if (parentRemoval && child) parentRemoval.after.push(child.id);
    }
  }
  return [...placing, ...removing];
}
