/**
 * The objects that flow between the engine and connectors.
 * A target object is what the target should hold for one unit, person or position after
 * the target's mapping has been applied; a change is one step that takes the target there.
 */

export type ObjectType = 'unit' | 'person' | 'position';
export const OBJECT_TYPES: readonly ObjectType[] = ['unit', 'person', 'position'];

/** Attribute values are flat: targets get strings, numbers, booleans, lists of strings, or null. */
export type AttrValue = string | number | boolean | null | readonly string[];
export type Attrs = Record<string, AttrValue>;

/** What the target should hold for one object. */
export interface DesiredObject {
  type: ObjectType;
  key: string;
  /** The object's container in the target's hierarchy (unit key), or null at the top. */
  parentKey: string | null;
  attrs: Attrs;
  /** Names of attributes whose values are personal/sensitive: masked in plans and logs. */
  sensitive: readonly string[];
  /** Other objects (type:key) that must exist before this one (a position's person). */
  dependsOn: readonly string[];
}

/** What the target holds now, as read from it or as orgsync last applied it. */
export interface CurrentObject {
  type: ObjectType;
  key: string;
  /** The target's own id for the object (DN, GUID, row id), once known. */
  targetId?: string | null;
  parentKey: string | null;
  /**
   * Attribute values when the connector read them. When the state comes from orgsync's
   * own store, values are unknown and only `fingerprints` are known.
   */
  attrs?: Attrs;
  /** attribute -> keyed hash of the value last applied (store-backed state). */
  fingerprints?: Record<string, string>;
  disabled: boolean;
  /** When orgsync disabled it (ISO time), for a target that deletes after a grace period. */
  disabledSince?: string;
  /**
   * The target's words for an object HR does not know (read in a reconcile): "duplicate of
   * unit 1042 left by another tool". Shown in the plan; no personal data.
   */
  label?: string;
  /**
   * Found in the target, not made by orgsync (another tool's, or a duplicate): its removal is
   * never applied without an administrator's approval, whatever the thresholds say.
   */
  foreign?: boolean;
}

export type ChangeAction = 'create' | 'update' | 'move' | 'replace' | 'disable' | 'delete';

export interface AttrChange {
  name: string;
  /** Undefined when the old value is not known (state kept as fingerprints only). */
  old?: AttrValue;
  new: AttrValue;
  sensitive?: boolean;
  /**
   * Pending rows only: the keyed fingerprint of `new`, which the row does not hold. Lets a
   * crashed run's change be recorded as applied without keeping the value.
   */
  fingerprint?: string;
}

export interface Change {
  /** Stable id within a plan: `<target>:<type>:<key>`. */
  id: string;
  action: ChangeAction;
  type: ObjectType;
  key: string;
  targetId?: string | null;
  /** For create/move/replace: the (new) parent. For move: `oldParentKey` is the old one. */
  parentKey: string | null;
  oldParentKey?: string | null;
  /** For create/replace: every attribute. For update/move: only the attributes that differ. */
  attrs: AttrChange[];
  /** Re-enables an object that was disabled: on an update, or on a move when it also moved. */
  enable?: boolean;
  /** Why, in words a person reads: "unit 4711 no longer exists in HR". No personal data. */
  reason: string;
  /** Change ids that must succeed before this one runs. */
  after: string[];
  /**
   * A short human label for the object (unit name, person display name). Personal data
   * is allowed here only because plans are shown to administrators; CPR never is.
   */
  label?: string;
}

export type ChangeStatus = 'applied' | 'failed' | 'skipped';

export interface ChangeResult {
  changeId: string;
  status: ChangeStatus;
  /** The target's id of the object after the change (new DN, created GUID). */
  targetId?: string | null;
  /** For failures: the connector error kind and message (no personal data). */
  errorKind?: string;
  message?: string;
  attempts?: number;
  /**
   * For a transient failure: the wait the target asked for (Retry-After), so that a connector
   * that returns results (batch 'all', part of the set applied) can pass it on as a throw does.
   */
  retryAfterMs?: number;
}
