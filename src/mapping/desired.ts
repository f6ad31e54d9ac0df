/**
 * Snapshot -> the objects one target should hold, through the target's scope and mapping.
 *
 * Scope: units outside the configured subtrees are out; units of excluded types are skipped
 * and their children (and the positions on them) lifted to the nearest unit in scope, the
 * way payroll-level units are lifted to organisational ones. A person is in scope through
 * their best in-scope position.
 */
import type { ObjectMapping, Scope as ScopeConfig, TargetConfig } from '../config/schema.js';
import { Address, Person, Position, type Snapshot, Unit } from '../model/schema.js';
import type { Attrs, AttrValue, DesiredObject, ObjectType } from '../sdk/types.js';
import { getOrCreate } from '../util/collections.js';
import { positionPreference } from '../validate/snapshot.js';
import { type Compiled, compileExpression, ExpressionError } from './expression.js';

const UNIT_FIELDS = new Set([...Object.keys(Unit.shape), 'depth']);
const PERSON_FIELDS = new Set(Object.keys(Person.shape));
const POSITION_FIELDS = new Set([...Object.keys(Position.shape), 'primary']);
const ADDRESS_FIELDS = new Set(Object.keys(Address.shape));

/** What each object type's expressions may read: root name -> fields of that root. */
const ROOTS: Record<ObjectType, Record<string, Set<string>>> = {
  unit: { unit: UNIT_FIELDS, parent: UNIT_FIELDS, manager: PERSON_FIELDS },
  person: { person: PERSON_FIELDS, position: POSITION_FIELDS, unit: UNIT_FIELDS, manager: PERSON_FIELDS },
  position: { position: POSITION_FIELDS, person: PERSON_FIELDS, unit: UNIT_FIELDS, manager: PERSON_FIELDS },
};

/** Fields whose values are sensitive wherever they are read. */
const SENSITIVE_FIELDS = new Set(['cpr']);

export interface CompiledMapping {
  type: ObjectType;
  attributes: [string, Compiled][];
  sensitive: string[];
  /** The roots the expressions read (unit, manager...): only those are looked up per object. */
  roots: ReadonlySet<string>;
}

function allowedPath(type: ObjectType) {
  return (path: string): boolean => {
    const [root, field, sub, ...more] = path.split('.');
    const fields = ROOTS[type][root!];
    if (!fields || field === undefined || !fields.has(field) || more.length > 0) return false;
    if (field === 'address') return sub !== undefined && ADDRESS_FIELDS.has(sub);
    return sub === undefined;
  };
}

/** Compiles one object type's mapping; errors name the attribute and what is wrong. */
export function compileMapping(type: ObjectType, mapping: ObjectMapping, where: string): CompiledMapping {
  const attributes: [string, Compiled][] = [];
  const sensitive = new Set(mapping.sensitive);
  for (const [name, source] of Object.entries(mapping.attributes)) {
    try {
      const compiled = compileExpression(source, allowedPath(type));
      if (compiled.paths.some((p) => SENSITIVE_FIELDS.has(p.split('.').pop()!))) sensitive.add(name);
      attributes.push([name, compiled]);
    } catch (e) {
      if (!(e instanceof ExpressionError)) throw e;
      const roots = Object.keys(ROOTS[type]).join(', ');
      throw new ExpressionError(`${where}.${name}: ${e.message} (a ${type} mapping can read ${roots})`);
    }
  }
  const roots = new Set(attributes.flatMap(([, c]) => c.paths.map((p) => p.split('.')[0]!)));
  return { type, attributes, sensitive: [...sensitive], roots };
}

export type CompiledMappings = Partial<Record<ObjectType, CompiledMapping>>;

export function compileTargetMappings(
  t: TargetConfig,
  supported: readonly ObjectType[],
  index: number,
): CompiledMappings {
  const out: CompiledMappings = {};
  for (const type of ['unit', 'person', 'position'] as const) {
    const m = t.objects[type];
    if (!m) continue;
    if (!supported.includes(type)) {
      throw new ExpressionError(
        `targets[${index}].objects.${type}: connector ${t.connector} does not take ${type} objects`,
      );
    }
    out[type] = compileMapping(type, m, `targets[${index}].objects.${type}.attributes`);
  }
  return out;
}

/** Resolves which units and positions a scope keeps, and where lifted ones land. */
class ScopeView {
  readonly #snap: Snapshot;
  readonly #cfg: ScopeConfig;
  readonly #lifted = new Map<string, string | null>();
  readonly #inSubtree = new Map<string, boolean>();
  readonly #subtrees: Set<string> | null;

  constructor(snap: Snapshot, cfg: ScopeConfig) {
    this.#snap = snap;
    this.#cfg = cfg;
    this.#subtrees = cfg.subtrees ? new Set(cfg.subtrees) : null;
  }

  #isInSubtree(key: string): boolean {
    if (!this.#subtrees) return true;
    let v = this.#inSubtree.get(key);
    if (v === undefined) {
      const unit = this.#snap.units.get(key)!;
      v = this.#subtrees.has(key) || (unit.parentKey !== null && this.#isInSubtree(unit.parentKey));
      this.#inSubtree.set(key, v);
    }
    return v;
  }

  /** Keeps the unit itself (not lifted past). */
  keepsUnit(key: string): boolean {
    const u = this.#snap.units.get(key);
    if (!u || !this.#isInSubtree(key)) return false;
    const type = u.type ?? '';
    if (this.#cfg.unitTypes && !this.#cfg.unitTypes.includes(type)) return false;
    return !this.#cfg.excludeUnitTypes.includes(type);
  }

  /** The nearest kept unit at or above `key`, or null when none is in scope. */
  landing(key: string | null): string | null {
    if (key === null) return null;
    let v = this.#lifted.get(key);
    if (v === undefined) {
      v = this.keepsUnit(key)
        ? key
        : this.#isInSubtree(key)
          ? this.landing(this.#snap.units.get(key)!.parentKey)
          : null;
      this.#lifted.set(key, v);
    }
    return v;
  }

  keepsPosition(p: Position): boolean {
    const { contractTypes, jobCodes } = this.#cfg;
    if (contractTypes && !contractTypes.includes(p.contractType ?? '')) return false;
    if (jobCodes && !jobCodes.includes(p.jobCode ?? '')) return false;
    return this.landing(p.unitKey) !== null;
  }
}

export interface DesiredOptions {
  primaryContractPriority?: readonly string[];
}

/** Builds every desired object of one target, keyed `type:key`. */
export function buildDesired(
  snap: Snapshot,
  scope: ScopeConfig,
  mappings: CompiledMappings,
  opts: DesiredOptions = {},
): Map<string, DesiredObject> {
  const view = new ScopeView(snap, scope);
  const out = new Map<string, DesiredObject>();
  const unitViews = new Map<string, Record<string, unknown>>();
  const unitView = (key: string | null) => {
    if (key === null) return null;
    // parentKey as this target sees it: the nearest unit above that is in its scope.
    return getOrCreate(unitViews, key, () => ({
      ...snap.units.get(key)!,
      parentKey: view.landing(snap.units.get(key)!.parentKey),
      depth: snap.depth.get(key),
    }));
  };
  const hasUnits = mappings.unit !== undefined;
  const hasPersons = mappings.person !== undefined;

  /** The nearest manager at or above a unit who is not `self`. */
  const managerFor = (unitKey: string | null, self?: string): Record<string, unknown> | null => {
    for (let k = unitKey; k !== null; k = snap.units.get(k)?.parentKey ?? null) {
      const m = snap.managers.get(k)?.find((p) => p !== self);
      if (m) return snap.persons.get(m) ?? null;
    }
    return null;
  };

  const emit = (
    type: ObjectType,
    key: string,
    parentKey: string | null,
    scope: Record<string, unknown>,
    dependsOn: string[],
  ) => {
    const m = mappings[type]!;
    const attrs: Attrs = {};
    for (const [name, c] of m.attributes) attrs[name] = c.evaluate(scope) as AttrValue;
    out.set(`${type}:${key}`, { type, key, parentKey, attrs, sensitive: m.sensitive, dependsOn });
  };

  if (mappings.unit) {
    for (const u of snap.units.values()) {
      if (!view.keepsUnit(u.key)) continue;
      const parentKey = view.landing(u.parentKey);
      const mgr = snap.managers.get(u.key)?.[0];
      emit(
        'unit',
        u.key,
        parentKey,
        { unit: unitView(u.key), parent: unitView(parentKey), manager: mgr ? snap.persons.get(mgr) : null },
        [],
      );
    }
  }

  if (mappings.person || mappings.position) {
    const prefer = positionPreference(opts.primaryContractPriority);
    const byPerson = new Map<string, Position[]>();
    for (const p of snap.positions.values()) {
      if (!view.keepsPosition(p)) continue;
      getOrCreate(byPerson, p.personKey, () => []).push(p);
    }
    for (const [personKey, list] of byPerson) {
      const person = snap.persons.get(personKey)!;
      const globalPrimary = snap.primaryPosition.get(personKey);
      const best = list.find((p) => p.key === globalPrimary) ?? list.sort(prefer)[0]!;
      const unitKey = view.landing(best.unitKey)!;
      if (mappings.person) {
        const { roots } = mappings.person;
        // From the person's own HR unit: a team leader on a skipped unit type still counts.
        const manager = roots.has('manager') ? managerFor(best.unitKey, personKey) : null;
        const scope = { person, position: best, unit: roots.has('unit') ? unitView(unitKey) : null, manager };
        const deps = hasUnits ? [`unit:${unitKey}`] : [];
        // A target that links a person to their manager (AD's manager DN) needs the manager first.
        if (manager) deps.push(`person:${manager['key'] as string}`);
        emit('person', personKey, hasUnits ? unitKey : null, scope, deps);
      }
      if (mappings.position) {
        for (const pos of list) {
          const posUnit = view.landing(pos.unitKey)!;
          const deps = [
            ...(hasPersons ? [`person:${personKey}`] : []),
            ...(hasUnits ? [`unit:${posUnit}`] : []),
          ];
          const { roots } = mappings.position;
          const scope = {
            position: pos,
            person,
            unit: roots.has('unit') ? unitView(posUnit) : null,
            manager: roots.has('manager') ? managerFor(pos.unitKey, personKey) : null,
          };
          emit('position', pos.key, hasUnits ? posUnit : null, scope, deps);
        }
      }
    }
  }
  return out;
}
