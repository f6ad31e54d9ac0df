/**
 * Day 0: a whole municipality as one OPUS full export would describe it. Shape and rates are
 * taken from real Danish municipalities: about one unit per ten people, a hierarchy four to
 * seven levels deep, 1.2 employments per person, a manager on most units, and the
 * future-dated facts that make HR data hard (hires next month, units opening and closing).
 * Everything is drawn from one seeded PRNG in a fixed order: same options, same bytes.
 */
import { addDays, firstOfNextMonth, fromDays, lastOfMonth, toDays } from './dates.js';
import {
  type Identities,
  newEmployment,
  newPerson,
  newProfile,
  newUnit,
  pastEntryDays,
  REFORM_DATE,
} from './factory.js';
import { UserIdPool } from './identifiers.js';
import type { GenEmployment, GenUnit, Municipality } from './model.js';
import { DOMAINS, type Domain } from './names.js';
import { createRng, hashSeed, makeWeighted, type Rng } from './random.js';

export type { GenEmployment, GenUnit, Municipality, MunicipalityProfile } from './model.js';

export interface GenerateOptions {
  seed: number;
  /** Distinct people (CPR numbers) with a current or future employment. */
  persons: number;
  /** The export's date, YYYY-MM-DD. */
  asOf: string;
  /** OPUS client number; drawn from the seed when not given. */
  client?: string;
}

/** How big each line of business is, relative to the others. */
const DOMAIN_WEIGHT: Record<Domain, number> = {
  children: 35,
  elderly: 30,
  social: 10,
  technical: 8,
  admin: 7,
  jobs: 6,
  culture: 4,
};

/** Relative head count of a unit by depth: the work is done in institutions and teams. */
const STAFF_WEIGHT_BY_LEVEL = [0.3, 1, 2, 6, 10, 10, 8];

const MANAGED_SHARE = 0.92;
const FUTURE_HIRE_SHARE = 0.005;
const LEAVER_SHARE = 0.002;
const MAX_DEPTH = 7;

const clamp = (n: number, lo: number, hi: number): number => Math.min(Math.max(n, lo), hi);

/** Builds the tree and keeps what later steps need: depth, children, names under each parent. */
class Tree {
  readonly units: GenUnit[] = [];
  readonly level = new Map<string, number>();
  readonly children = new Map<string, GenUnit[]>();
  private readonly names = new Map<string, Set<string>>();
  private nextId: number;

  constructor(
    private readonly rng: Rng,
    private readonly m: Pick<Municipality, 'profile' | 'asOf'>,
    firstId: number,
  ) {
    this.nextId = firstId;
  }

  get nextFreeId(): number {
    return this.nextId;
  }

  add(parent: GenUnit | null, domain: Domain, startDate: string): GenUnit {
    const level = parent ? this.level.get(parent.id)! + 1 : 1;
    const key = parent?.id ?? '';
    let siblingNames = this.names.get(key);
    if (!siblingNames) {
      siblingNames = new Set();
      this.names.set(key, siblingNames);
    }
    const unit = newUnit(this.rng, {
      id: String(this.nextId),
      parent,
      level,
      domain,
      profile: this.m.profile,
      startDate,
      asOf: this.m.asOf,
      siblingNames,
    });
    // Gaps in the numbering, as in any long-lived HR system.
    this.nextId += this.rng.chance(0.2) ? this.rng.int(2, 9) : 1;
    this.units.push(unit);
    this.level.set(unit.id, level);
    if (parent) {
      const list = this.children.get(parent.id);
      if (list) list.push(unit);
      else this.children.set(parent.id, [unit]);
    }
    return unit;
  }

  /** A start date for a child: the reform date or later, never before its parent. */
  startFor(parent: GenUnit): string {
    if (this.rng.chance(0.45)) return parent.startDate;
    const from = toDays(parent.startDate);
    const to = toDays(this.m.asOf) - 30;
    if (to <= from) return parent.startDate;
    return fromDays(from + Math.floor((to - from) * this.rng.next() ** 2));
  }
}

function buildTree(rng: Rng, tree: Tree, target: number): void {
  // Forvaltninger grow with the cube root of the size: 2 at 100 units, 4 at 1,000, 7 at 5,000.
  const n2 = clamp(Math.round(Math.cbrt(target) / 2.4), 1, DOMAINS.length);
  const n3 = clamp(Math.round(target / 120), n2, target);
  const n4 = clamp(Math.round(target * 0.25), n3, Math.max(n3, target - 1 - n2 - n3));
  const rest = Math.max(0, target - 1 - n2 - n3 - n4);

  const root = tree.add(null, 'admin', REFORM_DATE);
  const level2 = DOMAINS.slice(0, n2).map((d) => tree.add(root, d, REFORM_DATE));

  // Every unit at depth 2 and 3 gets at least one child, so that every branch reaches depth 4.
  const addLevel = (parents: GenUnit[], count: number): GenUnit[] => {
    const pick = makeWeighted(
      parents,
      parents.map((p) => DOMAIN_WEIGHT[p.domain]),
    );
    const out: GenUnit[] = [];
    for (let i = 0; i < count; i++) {
      const parent = i < parents.length ? parents[i]! : pick(rng);
      out.push(tree.add(parent, parent.domain, tree.startFor(parent)));
    }
    return out;
  };
  const level3 = addLevel(level2, n3);
  const level4 = addLevel(level3, n4);

  // Below the institutions: random attachment to any unit of depth 4-6, which gives the
  // uneven, bushy lower levels real organisations have, never deeper than 7.
  const open: GenUnit[] = level4.slice();
  for (let i = 0; i < rest; i++) {
    const parent = rng.pick(open);
    const unit = tree.add(parent, parent.domain, tree.startFor(parent));
    if (tree.level.get(unit.id)! < MAX_DEPTH) open.push(unit);
  }
}

/** Picks k distinct integers from [0, n) in O(n) time and memory. */
function sampleIndices(rng: Rng, n: number, k: number): Int32Array {
  const all = new Int32Array(n);
  for (let i = 0; i < n; i++) all[i] = i;
  const take = Math.min(k, n);
  for (let i = 0; i < take; i++) {
    const j = i + Math.floor(rng.next() * (n - i));
    const tmp = all[i]!;
    all[i] = all[j]!;
    all[j] = tmp;
  }
  return all.subarray(0, take);
}

export function generateMunicipality(opts: GenerateOptions): Municipality {
  const persons = Math.max(1, Math.floor(opts.persons));
  const asOf = opts.asOf;
  const asOfDays = toDays(asOf);
  const rng = createRng(hashSeed('orgsync-generate', opts.seed));
  const profile = newProfile(rng);
  const client = opts.client ?? String(rng.int(101, 860));
  const tree = new Tree(rng, { profile, asOf }, rng.int(1, 9) * 10000);

  const target = Math.max(4, Math.round(persons / 10));
  buildTree(rng, tree, target);
  const active = tree.units.slice();

  // A few units open on the 1st of next month, each under a unit of depth 3-6.
  const opening = firstOfNextMonth(asOf);
  const futureParents = active.filter((u) => {
    const l = tree.level.get(u.id)!;
    return l >= 3 && l < MAX_DEPTH;
  });
  const futureUnits: GenUnit[] = [];
  const futureCount = futureParents.length > 0 ? Math.max(1, Math.round(target * 0.001)) : 0;
  for (let i = 0; i < futureCount; i++) {
    const parent = rng.pick(futureParents);
    futureUnits.push(tree.add(parent, parent.domain, opening));
  }

  // Managers: the root, most other units, and every opening unit (hired for the opening day).
  const managedUnits = [
    active[0]!,
    ...rng.sample(active.slice(1), Math.round((active.length - 1) * MANAGED_SHARE)),
    ...futureUnits,
  ];
  const managerOf = new Map<number, GenUnit>();
  const managerPersons = sampleIndices(rng, persons, managedUnits.length);
  managerPersons.forEach((p, i) => {
    managerOf.set(p, managedUnits[i]!);
  });

  const pickUnit = makeWeighted(
    active,
    active.map((u) => STAFF_WEIGHT_BY_LEVEL[tree.level.get(u.id)! - 1]! * (0.25 + 1.75 * rng.next())),
  );
  const ids: Identities = { cprs: new Set(), userIds: new UserIdPool() };
  const employees: GenEmployment[] = [];
  let nextEmployment = rng.int(1, 9) * 100000;
  const employmentId = (): string => {
    const id = String(nextEmployment);
    nextEmployment += rng.chance(0.1) ? rng.int(2, 20) : 1;
    return id;
  };

  for (let p = 0; p < persons; p++) {
    const person = newPerson(rng, profile, ids, asOfDays);
    const count = rng.weighted<number>([
      [1, 83],
      [2, 14],
      [3, 3],
    ]);
    const held = new Set<string>();
    for (let j = 0; j < count; j++) {
      const managed = j === 0 ? managerOf.get(p) : undefined;
      let unit: GenUnit;
      let entryDate: string;
      if (managed) {
        unit = managed;
        entryDate =
          managed.startDate > asOf
            ? managed.startDate
            : fromDays(pastEntryDays(rng, person.birthDays, asOfDays));
      } else if (rng.chance(FUTURE_HIRE_SHARE)) {
        // Hired for next month: in an opening unit sometimes, otherwise anywhere.
        unit = futureUnits.length > 0 && rng.chance(0.3) ? rng.pick(futureUnits) : pickUnit(rng);
        entryDate =
          unit.startDate > asOf ? unit.startDate : rng.chance(0.7) ? opening : addDays(asOf, rng.int(1, 45));
      } else {
        unit = pickUnit(rng);
        entryDate = fromDays(pastEntryDays(rng, person.birthDays, asOfDays));
      }
      // Several employments of one person are in different units.
      if (held.has(unit.id)) continue;
      held.add(unit.id);
      employees.push(
        newEmployment(rng, {
          id: employmentId(),
          person,
          unit,
          level: tree.level.get(unit.id)!,
          entryDate,
          asOf,
          isManager: managed !== undefined,
          secondary: j > 0,
        }),
      );
    }
    // Yesterday's leavers are in today's file once more, as bare leave records.
    if (rng.chance(LEAVER_SHARE)) {
      const unit = pickUnit(rng);
      const gone = newEmployment(rng, {
        id: employmentId(),
        person,
        unit,
        level: tree.level.get(unit.id)!,
        entryDate: fromDays(pastEntryDays(rng, person.birthDays, asOfDays - 1)),
        asOf,
        isManager: false,
        secondary: true,
      });
      employees.push({ ...gone, action: 'leave', leaveDate: addDays(asOf, -1), lastChanged: asOf });
    }
  }

  const moved = closeUnits(rng, tree, active, futureUnits, employees, asOf, target, employmentId);
  employees.push(...moved);

  return {
    asOf,
    client,
    profile,
    units: tree.units,
    employees,
    nextIds: { unit: tree.nextFreeId, employment: nextEmployment },
  };
}

/**
 * A few units close at the end of the month: their staff leave on the closing day, and most
 * of them are re-hired into a sibling unit from the next day (how OPUS records a move across
 * a closure). Future hires into a closing unit go straight to the sibling. Only leaves with
 * a sibling close, so that no parent is left without children.
 */
function closeUnits(
  rng: Rng,
  tree: Tree,
  active: GenUnit[],
  futureUnits: GenUnit[],
  employees: GenEmployment[],
  asOf: string,
  target: number,
  employmentId: () => string,
): GenEmployment[] {
  const monthEnd = lastOfMonth(asOf);
  const endDate = monthEnd > asOf ? monthEnd : lastOfMonth(addDays(asOf, 1));
  const future = new Set(futureUnits.map((u) => u.id));
  const candidates = active.filter(
    (u) =>
      tree.level.get(u.id)! >= 4 &&
      !tree.children.has(u.id) &&
      (tree.children.get(u.parentOrgUnit!)?.length ?? 0) >= 2,
  );
  const closing = new Map<string, GenUnit>();
  for (const unit of rng.sample(candidates, Math.max(1, Math.round(target * 0.001)))) {
    const sibling = tree.children
      .get(unit.parentOrgUnit!)!
      .find((s) => s !== unit && !closing.has(s.id) && !future.has(s.id) && s.endDate === null);
    if (!sibling || closing.has(unit.id)) continue;
    unit.endDate = endDate;
    unit.lastChanged = addDays(asOf, -rng.int(0, 10));
    closing.set(unit.id, sibling);
  }
  if (closing.size === 0) return [];

  const moved: GenEmployment[] = [];
  for (const e of employees) {
    const sibling = closing.get(e.orgUnit);
    if (!sibling || e.action === 'leave') continue;
    if (e.entryDate > endDate) {
      e.orgUnit = sibling.id;
      e.isManager = false;
      continue;
    }
    if (e.leaveDate === null || e.leaveDate > endDate) e.leaveDate = endDate;
    if (rng.chance(0.6)) {
      moved.push({
        ...e,
        id: employmentId(),
        orgUnit: sibling.id,
        isManager: false,
        entryDate: addDays(endDate, 1),
        leaveDate: null,
        lastChanged: asOf,
      });
    }
  }
  return moved;
}
