/**
 * The next day's export: what a municipality's OPUS dump looks like one day later. Applies
 * the kinds of change HR makes every day (hires, leavers, moves, unit renames, unit moves,
 * closures) at given rates, and ages the data: yesterday's leave records drop out, contracts
 * that ended become leave records, units that closed are reported once and then vanish.
 */
import { addDays, firstOfNextMonth, toDays } from './dates.js';
import {
  type Identities,
  newEmployment,
  newPerson,
  type PersonData,
  personOf,
  uniqueName,
} from './factory.js';
import { UserIdPool } from './identifiers.js';
import type { GenEmployment, GenUnit, Municipality } from './model.js';
import { shortNameOf, unitName } from './names.js';
import { createRng, hashSeed, type Rng } from './random.js';

/** Daily rates: hires, leavers and moves are fractions of persons; the rest of units. */
export interface ChurnRates {
  hires: number;
  leavers: number;
  moves: number;
  renames: number;
  unitMoves: number;
  closures: number;
}

export const DEFAULT_RATES: Readonly<ChurnRates> = {
  hires: 0.002,
  leavers: 0.002,
  moves: 0.003,
  renames: 0.001,
  unitMoves: 0.0005,
  closures: 0.0002,
};

/** What changed, for tests and for the generator's own summary. */
export interface ChurnStats {
  hires: number;
  leavers: number;
  expired: number;
  moves: number;
  renames: number;
  unitMoves: number;
  closures: number;
}

/** The indexes one day's changes need, built once in linear time. */
class Org {
  readonly byId = new Map<string, GenUnit>();
  readonly children = new Map<string, GenUnit[]>();
  readonly depth = new Map<string, number>();
  /** Current employments (not leave records) per unit and per person. */
  readonly staff = new Map<string, GenEmployment[]>();
  readonly held = new Map<string, GenEmployment[]>();

  constructor(
    readonly units: GenUnit[],
    employees: GenEmployment[],
    readonly asOf: string,
  ) {
    for (const u of units) this.byId.set(u.id, u);
    for (const u of units) if (u.parentOrgUnit !== null) push(this.children, u.parentOrgUnit, u);
    for (const u of units) this.depthOf(u);
    for (const e of employees) {
      if (e.action === 'leave') continue;
      push(this.staff, e.orgUnit, e);
      push(this.held, e.cpr, e);
    }
  }

  private depthOf(u: GenUnit): number {
    const known = this.depth.get(u.id);
    if (known !== undefined) return known;
    // Iterative walk: a deep chain must not blow the stack; `seen` guards against a cycle.
    const chain: GenUnit[] = [];
    const seen = new Set<string>();
    let cur: GenUnit | undefined = u;
    let base = 0;
    while (cur) {
      const d = this.depth.get(cur.id);
      if (d !== undefined) {
        base = d;
        break;
      }
      if (seen.has(cur.id)) throw new Error(`unit hierarchy has a cycle at ${cur.id}`);
      seen.add(cur.id);
      chain.push(cur);
      cur = cur.parentOrgUnit === null ? undefined : this.byId.get(cur.parentOrgUnit);
    }
    for (let i = chain.length - 1; i >= 0; i--) this.depth.set(chain[i]!.id, ++base);
    return this.depth.get(u.id)!;
  }

  /** Open today and not scheduled to close: the only units that take new staff or children. */
  usable(u: GenUnit): boolean {
    return u.startDate <= this.asOf && u.endDate === null;
  }

  isAncestorOrSelf(ancestor: GenUnit, of: GenUnit): boolean {
    for (let cur: GenUnit | undefined = of; cur; ) {
      if (cur.id === ancestor.id) return true;
      cur = cur.parentOrgUnit === null ? undefined : this.byId.get(cur.parentOrgUnit);
    }
    return false;
  }

  /** Children that will still be there tomorrow (not closed or closing). */
  openChildren(id: string): number {
    let n = 0;
    for (const c of this.children.get(id) ?? []) if (c.endDate === null) n++;
    return n;
  }

  reparent(u: GenUnit, parent: GenUnit): void {
    const old = this.children.get(u.parentOrgUnit!);
    if (old) old.splice(old.indexOf(u), 1);
    push(this.children, parent.id, u);
    u.parentOrgUnit = parent.id;
  }

  moveStaff(e: GenEmployment, to: GenUnit): void {
    const old = this.staff.get(e.orgUnit);
    if (old) old.splice(old.indexOf(e), 1);
    push(this.staff, to.id, e);
    e.orgUnit = to.id;
  }
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** rate * base, rounded at random so that small rates still happen now and then at the right average. */
function howMany(rng: Rng, rate: number, base: number): number {
  const expected = Math.max(0, rate) * base;
  const whole = Math.floor(expected);
  return whole + (rng.next() < expected - whole ? 1 : 0);
}

export function nextDay(m: Municipality, rates: Partial<ChurnRates> = DEFAULT_RATES, seed = 0): Municipality {
  return nextDayWithStats(m, rates, seed).municipality;
}

export function nextDayWithStats(
  m: Municipality,
  rates: Partial<ChurnRates> = DEFAULT_RATES,
  seed = 0,
): { municipality: Municipality; stats: ChurnStats } {
  const r: ChurnRates = { ...DEFAULT_RATES, ...rates };
  const was = m.asOf;
  const asOf = addDays(was, 1);
  const rng = createRng(hashSeed('orgsync-churn', seed, asOf));
  const stats: ChurnStats = {
    hires: 0,
    leavers: 0,
    expired: 0,
    moves: 0,
    renames: 0,
    unitMoves: 0,
    closures: 0,
  };

  // Copy what is still reported today; the input is never touched. A unit that had ended
  // before yesterday was reported as ended yesterday and is gone now, as are yesterday's
  // leave records.
  const units = m.units.filter((u) => u.endDate === null || u.endDate >= was).map((u) => ({ ...u }));
  const employees = m.employees.filter((e) => e.action !== 'leave').map((e) => ({ ...e }));
  const leave = (e: GenEmployment): void => {
    e.action = 'leave';
    e.lastChanged = asOf;
  };
  // Contracts whose last day was yesterday turn into leave records today.
  for (const e of employees) {
    if (e.leaveDate !== null && e.leaveDate < asOf) {
      leave(e);
      stats.expired++;
    }
  }

  const org = new Org(units, employees, asOf);
  const persons = org.held.size;
  let usable = units.filter((u) => org.usable(u));

  // Closures: a leaf with an open sibling closes as of yesterday, after its staff moved there.
  // Only leaves close, and only where a sibling remains, so no parent is left childless.
  const openSiblings = (unit: GenUnit): GenUnit[] =>
    (org.children.get(unit.parentOrgUnit ?? '') ?? []).filter((s) => s !== unit && org.usable(s));
  const closable = usable.filter(
    (u) => u.parentOrgUnit !== null && !org.children.get(u.id)?.length && openSiblings(u).length > 0,
  );
  for (const unit of rng.sample(closable, howMany(rng, r.closures, usable.length))) {
    // Checked again: an earlier closure today may have taken the last open sibling.
    const siblings = openSiblings(unit);
    if (siblings.length === 0) continue;
    const sibling = rng.pick(siblings);
    for (const e of (org.staff.get(unit.id) ?? []).slice()) {
      org.moveStaff(e, sibling);
      e.isManager = false;
      e.lastChanged = asOf;
    }
    unit.endDate = was;
    unit.lastChanged = asOf;
    stats.closures++;
  }

  usable = units.filter((u) => org.usable(u));

  // Unit moves: to another parent at the same depth, so depths (and the 4-7 levels) hold.
  // A unit never moves under itself or its own subtree, and the root never moves.
  const byDepth = new Map<string, GenUnit[]>();
  for (const u of units) if (org.usable(u)) push(byDepth, String(org.depth.get(u.id)!), u);
  const movable = units.filter(
    (u) => org.usable(u) && org.depth.get(u.id)! >= 3 && org.openChildren(u.parentOrgUnit ?? '') >= 2,
  );
  for (const unit of rng.sample(movable, howMany(rng, r.unitMoves, usable.length))) {
    // The parent must keep a child: an earlier move today may have taken the others.
    if (org.openChildren(unit.parentOrgUnit!) < 2) continue;
    const parents = byDepth.get(String(org.depth.get(unit.id)! - 1)) ?? [];
    for (let attempt = 0; attempt < 10 && parents.length > 1; attempt++) {
      const parent = rng.pick(parents);
      if (parent.id === unit.parentOrgUnit || org.isAncestorOrSelf(unit, parent)) continue;
      org.reparent(unit, parent);
      unit.lastChanged = asOf;
      stats.unitMoves++;
      break;
    }
  }

  // Renames: a new long name of the same kind; the short code follows half of the time.
  const renamable = usable.filter((u) => org.depth.get(u.id)! >= 3);
  for (const unit of rng.sample(renamable, howMany(rng, r.renames, usable.length))) {
    const parent = org.byId.get(unit.parentOrgUnit!)!;
    const taken = new Set((org.children.get(parent.id) ?? []).map((s) => s.longName));
    const town = rng.pick(m.profile.towns).city;
    for (let attempt = 0; attempt < 8; attempt++) {
      const name = unitName(rng, unit.domain, org.depth.get(unit.id)!, parent.longName, town);
      if (taken.has(name)) continue;
      unit.longName = uniqueName(name, taken);
      if (rng.chance(0.5)) unit.shortName = shortNameOf(unit.longName);
      unit.lastChanged = asOf;
      stats.renames++;
      break;
    }
  }

  // Leavers: their last day was yesterday; today's file carries a bare leave record.
  const current = employees.filter((e) => e.action !== 'leave' && e.entryDate <= was);
  const leaving = rng.sample(current, howMany(rng, r.leavers, persons));
  for (const e of leaving) {
    e.leaveDate = was;
    leave(e);
    stats.leavers++;
  }

  // Moves: mostly to a sibling unit (reorganising within an institution), else anywhere.
  // Managers stay put: a manager changing unit is a new manager appointment, not a move.
  const staffUnits = usable.filter((u) => org.depth.get(u.id)! >= 4);
  const movers = employees.filter(
    (e) => e.action !== 'leave' && !e.isManager && e.entryDate <= asOf && e.leaveDate === null,
  );
  for (const e of rng.sample(movers, howMany(rng, r.moves, persons))) {
    const from = org.byId.get(e.orgUnit);
    const siblings = from?.parentOrgUnit
      ? (org.children.get(from.parentOrgUnit) ?? []).filter((s) => org.usable(s))
      : [];
    const mine = new Set(
      (org.held.get(e.cpr) ?? []).filter((x) => x.action !== 'leave').map((x) => x.orgUnit),
    );
    for (let attempt = 0; attempt < 6; attempt++) {
      const pool = siblings.length > 1 && rng.chance(0.5) ? siblings : staffUnits;
      if (pool.length === 0) break;
      const to = rng.pick(pool);
      if (mine.has(to.id)) continue;
      org.moveStaff(e, to);
      e.lastChanged = asOf;
      stats.moves++;
      break;
    }
  }

  // Hires: mostly new people, some existing staff taking a second job. Most start today,
  // some on the 1st of next month; now and then a hire fills a unit that has no manager.
  const hires = hire(rng, m, org, employees, usable, staffUnits, asOf, howMany(rng, r.hires, persons));
  stats.hires = hires.hired.length;

  return {
    municipality: {
      asOf,
      client: m.client,
      profile: m.profile,
      units,
      employees: [...employees, ...hires.hired],
      nextIds: { unit: m.nextIds.unit, employment: hires.nextEmployment },
    },
    stats,
  };
}

function hire(
  rng: Rng,
  m: Municipality,
  org: Org,
  employees: GenEmployment[],
  usable: GenUnit[],
  staffUnits: GenUnit[],
  asOf: string,
  count: number,
): { hired: GenEmployment[]; nextEmployment: number } {
  const hired: GenEmployment[] = [];
  let next = m.nextIds.employment;
  if (count === 0 || staffUnits.length === 0) return { hired, nextEmployment: next };
  // Every CPR and user id ever seen stays taken, including those of leavers.
  const ids: Identities = {
    cprs: new Set(m.employees.map((e) => e.cpr)),
    userIds: new UserIdPool(m.employees.map((e) => e.userId)),
  };
  const managed = new Set(employees.filter((e) => e.action !== 'leave' && e.isManager).map((e) => e.orgUnit));
  const unmanaged = usable.filter((u) => !managed.has(u.id));
  const current = employees.filter((e) => e.action !== 'leave');
  const asOfDays = toDays(asOf);
  const nextMonth = firstOfNextMonth(asOf);

  for (let i = 0; i < count; i++) {
    let person: PersonData;
    let holds: Set<string>;
    if (current.length > 0 && rng.chance(0.1)) {
      const other = rng.pick(current);
      person = personOf(other);
      holds = new Set((org.held.get(other.cpr) ?? []).map((x) => x.orgUnit));
    } else {
      person = newPerson(rng, m.profile, ids, asOfDays);
      holds = new Set();
    }
    const asManager = unmanaged.length > 0 && rng.chance(0.15);
    const unit = asManager ? unmanaged.splice(rng.int(0, unmanaged.length - 1), 1)[0]! : rng.pick(staffUnits);
    if (holds.has(unit.id)) continue;
    const entryDate = rng.chance(0.7) ? asOf : nextMonth;
    const e = newEmployment(rng, {
      id: String(next),
      person,
      unit,
      level: org.depth.get(unit.id)!,
      entryDate,
      asOf,
      isManager: asManager,
      secondary: holds.size > 0,
    });
    next += rng.chance(0.1) ? rng.int(2, 20) : 1;
    e.lastChanged = asOf;
    hired.push(e);
  }
  return { hired, nextEmployment: next };
}
