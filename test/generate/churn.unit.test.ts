import { describe, expect, it } from 'vitest';
import { DEFAULT_RATES, nextDay, nextDayWithStats } from '../../src/generate/churn.js';
import { addDays } from '../../src/generate/dates.js';
import type { Municipality } from '../../src/generate/model.js';
import { generateMunicipality } from '../../src/generate/municipality.js';
import { depths } from './helpers.js';

const ASOF = '2025-03-14';
const day0 = generateMunicipality({ seed: 3, persons: 20_000, asOf: ASOF });

/** Structural checks; problems are collected so that one expect reports them all, quickly. */
function checkInvariants(m: Municipality): void {
  const problems: string[] = [];
  const depth = depths(m.units); // throws on a cycle or a missing parent
  const roots = m.units.filter((u) => u.parentOrgUnit === null).length;
  if (roots !== 1) problems.push(`${roots} roots`);
  const parents = new Set(m.units.map((u) => u.parentOrgUnit));
  for (const u of m.units) {
    const d = depth.get(u.id)!;
    if (d > 7) problems.push(`unit ${u.id} at depth ${d}`);
    if (!parents.has(u.id) && d < 4) problems.push(`leaf ${u.id} at depth ${d}`);
  }
  if (new Set(m.units.map((u) => u.id)).size !== m.units.length) problems.push('duplicate unit ids');
  if (new Set(m.employees.map((e) => e.id)).size !== m.employees.length)
    problems.push('duplicate employment ids');
  const units = new Map(m.units.map((u) => [u.id, u]));
  const names = new Map<string, string>();
  for (const e of m.employees) {
    // One CPR is one person across employments.
    const n = `${e.firstName}|${e.lastName}`;
    if ((names.get(e.cpr) ?? n) !== n) problems.push(`CPR of ${e.id} shared by two names`);
    names.set(e.cpr, n);
    if (e.action === 'leave') continue;
    const unit = units.get(e.orgUnit);
    if (!unit) problems.push(`employment ${e.id} in unknown unit ${e.orgUnit}`);
    // Nobody works in a unit that has already closed.
    else if (unit.endDate !== null && unit.endDate < m.asOf)
      problems.push(`employment ${e.id} in closed unit`);
  }
  expect(problems).toEqual([]);
}

describe('nextDay', () => {
  it('advances one day, deterministically, without touching its input', () => {
    const before = JSON.stringify(day0);
    const a = nextDay(day0, DEFAULT_RATES, 1);
    expect(JSON.stringify(day0)).toBe(before);
    expect(a.asOf).toBe(addDays(ASOF, 1));
    expect(JSON.stringify(nextDay(day0, DEFAULT_RATES, 1))).toBe(JSON.stringify(a));
    expect(JSON.stringify(nextDay(day0, DEFAULT_RATES, 2))).not.toBe(JSON.stringify(a));
  });

  it('roughly respects the rates', () => {
    const rates = {
      hires: 0.01,
      leavers: 0.01,
      moves: 0.02,
      renames: 0.01,
      unitMoves: 0.005,
      closures: 0.003,
    };
    const { municipality: m, stats } = nextDayWithStats(day0, rates, 5);
    const persons = 20_000;
    const units = day0.units.length;
    expect(stats.hires).toBeGreaterThan(persons * rates.hires * 0.8);
    expect(stats.leavers).toBe(Math.round(persons * rates.leavers));
    expect(stats.moves).toBeGreaterThan(persons * rates.moves * 0.8);
    expect(stats.renames).toBeGreaterThan(units * rates.renames * 0.6);
    expect(stats.unitMoves).toBeGreaterThan(units * rates.unitMoves * 0.5);
    expect(stats.closures).toBeGreaterThan(units * rates.closures * 0.5);

    // And the stats tell the truth about the data.
    const old = new Map(day0.employees.map((e) => [e.id, e]));
    const oldUnits = new Map(day0.units.map((u) => [u.id, u]));
    const hired = m.employees.filter((e) => !old.has(e.id));
    expect(hired).toHaveLength(stats.hires);
    for (const e of hired) expect(e.entryDate >= m.asOf).toBe(true);
    const left = m.employees.filter((e) => e.action === 'leave');
    expect(left.length).toBe(stats.leavers + stats.expired);
    const renamed = m.units.filter((u) => oldUnits.has(u.id) && oldUnits.get(u.id)!.longName !== u.longName);
    expect(renamed).toHaveLength(stats.renames);
    const moved = m.units.filter(
      (u) => oldUnits.has(u.id) && oldUnits.get(u.id)!.parentOrgUnit !== u.parentOrgUnit,
    );
    expect(moved).toHaveLength(stats.unitMoves);
    const closed = m.units.filter((u) => u.endDate === ASOF);
    expect(closed).toHaveLength(stats.closures);
    // A closed unit keeps nobody: its staff moved to a sibling first.
    for (const u of closed) {
      expect(m.employees.some((e) => e.orgUnit === u.id && e.action !== 'leave')).toBe(false);
    }
    checkInvariants(m);
  });

  it('lets leave records and closed units drop out the day after', () => {
    const d1 = nextDay(day0, { ...DEFAULT_RATES, closures: 0.005 }, 1);
    const d2 = nextDay(d1, { ...DEFAULT_RATES, closures: 0 }, 1);
    const leaveIds = d1.employees.filter((e) => e.action === 'leave').map((e) => e.id);
    expect(leaveIds.length).toBeGreaterThan(0);
    const d2Ids = new Set(d2.employees.map((e) => e.id));
    for (const id of leaveIds) expect(d2Ids.has(id)).toBe(false);
    const closedIds = d1.units.filter((u) => u.endDate !== null && u.endDate < d1.asOf).map((u) => u.id);
    expect(closedIds.length).toBeGreaterThan(0);
    const d2Units = new Set(d2.units.map((u) => u.id));
    for (const id of closedIds) expect(d2Units.has(id)).toBe(false);
  });

  it('never creates a cycle or breaks the tree over many busy days', () => {
    let m = generateMunicipality({ seed: 4, persons: 3_000, asOf: '2025-03-20' });
    const busy = { hires: 0.01, leavers: 0.01, moves: 0.02, renames: 0.02, unitMoves: 0.05, closures: 0.01 };
    let unitMoves = 0;
    for (let day = 0; day < 30; day++) {
      const next = nextDayWithStats(m, busy, 9);
      unitMoves += next.stats.unitMoves;
      m = next.municipality;
      checkInvariants(m);
    }
    expect(m.asOf).toBe('2025-04-19');
    expect(unitMoves).toBeGreaterThan(100);
    // The day-0 closures at the end of March have happened and gone.
    expect(m.units.some((u) => u.endDate === '2025-03-31')).toBe(false);
  });
});
