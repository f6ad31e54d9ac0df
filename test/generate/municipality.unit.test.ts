import { describe, expect, it } from 'vitest';
import { cprBirthDate } from '../../src/generate/identifiers.js';
import { generateMunicipality } from '../../src/generate/municipality.js';
import { depths } from './helpers.js';

const ASOF = '2025-03-14';

describe('generateMunicipality', () => {
  const m = generateMunicipality({ seed: 1, persons: 10_000, asOf: ASOF });
  const current = m.employees.filter((e) => e.action !== 'leave');

  it('is deterministic for a seed and size, and differs between seeds', () => {
    const again = generateMunicipality({ seed: 1, persons: 10_000, asOf: ASOF });
    expect(JSON.stringify(again)).toBe(JSON.stringify(m));
    const other = generateMunicipality({ seed: 2, persons: 10_000, asOf: ASOF });
    expect(JSON.stringify(other)).not.toBe(JSON.stringify(m));
  });

  it('has one root, no cycles, and a depth of 4 to 7 on every branch', () => {
    const roots = m.units.filter((u) => u.parentOrgUnit === null);
    expect(roots).toHaveLength(1);
    expect(roots[0]!.longName).toMatch(/ Kommune$/);
    const depth = depths(m.units);
    const parents = new Set(m.units.map((u) => u.parentOrgUnit));
    const leafDepths = m.units.filter((u) => !parents.has(u.id)).map((u) => depth.get(u.id)!);
    expect(Math.min(...leafDepths)).toBeGreaterThanOrEqual(4);
    expect(Math.max(...depth.values())).toBeLessThanOrEqual(7);
    expect(Math.max(...depth.values())).toBeGreaterThanOrEqual(4);
  });

  it('has about one unit per ten persons, with unique ids and orgTypes by level', () => {
    expect(m.units.length).toBeGreaterThan(950);
    expect(m.units.length).toBeLessThan(1050);
    expect(new Set(m.units.map((u) => u.id)).size).toBe(m.units.length);
    const depth = depths(m.units);
    const levelsOfType = new Map<string, Set<number>>();
    for (const u of m.units)
      levelsOfType.set(u.orgType, (levelsOfType.get(u.orgType) ?? new Set()).add(depth.get(u.id)!));
    for (const levels of levelsOfType.values()) expect(levels.size).toBe(1);
  });

  it('has exactly the requested persons, ~1.2 employments each, in different units', () => {
    const byCpr = new Map<string, typeof current>();
    for (const e of current) {
      const list = byCpr.get(e.cpr);
      if (list) list.push(e);
      else byCpr.set(e.cpr, [e]);
    }
    expect(byCpr.size).toBe(10_000);
    expect(current.length / byCpr.size).toBeGreaterThan(1.15);
    expect(current.length / byCpr.size).toBeLessThan(1.26);
    let multi = 0;
    for (const list of byCpr.values()) {
      if (list.length > 1) multi++;
      expect(new Set(list.map((e) => e.orgUnit)).size).toBe(list.length);
      // One CPR is one person: the same name on every employment.
      expect(new Set(list.map((e) => `${e.firstName}|${e.lastName}`)).size).toBe(1);
    }
    expect(multi).toBeGreaterThan(1000);
  });

  it('has unique employment ids, valid CPRs and existing units', () => {
    expect(new Set(m.employees.map((e) => e.id)).size).toBe(m.employees.length);
    const unitIds = new Set(m.units.map((u) => u.id));
    const bad = m.employees.filter(
      (e) => !/^\d{10}$/.test(e.cpr) || cprBirthDate(e.cpr) === null || !unitIds.has(e.orgUnit),
    );
    expect(bad).toEqual([]);
  });

  it('puts a manager on most units', () => {
    const managed = new Set(current.filter((e) => e.isManager).map((e) => e.orgUnit));
    expect(managed.size / m.units.length).toBeGreaterThan(0.85);
    const root = m.units.find((u) => u.parentOrgUnit === null)!;
    expect(managed.has(root.id)).toBe(true);
  });

  it('carries future-dated facts and leavers', () => {
    const futureHires = current.filter((e) => e.entryDate > ASOF);
    expect(futureHires.length / current.length).toBeGreaterThan(0.003);
    expect(futureHires.length / current.length).toBeLessThan(0.03);
    const opening = m.units.filter((u) => u.startDate > ASOF);
    expect(opening.length).toBeGreaterThanOrEqual(1);
    // Opening units are staffed from their opening day, manager included.
    for (const u of opening) {
      const staff = current.filter((e) => e.orgUnit === u.id);
      expect(staff.some((e) => e.isManager)).toBe(true);
      for (const e of staff) expect(e.entryDate >= u.startDate).toBe(true);
    }
    const closing = m.units.filter((u) => u.endDate !== null);
    expect(closing.length).toBeGreaterThanOrEqual(1);
    for (const u of closing) {
      expect(u.endDate! > ASOF).toBe(true);
      expect(m.units.some((c) => c.parentOrgUnit === u.id)).toBe(false);
      // Everyone in a closing unit leaves on its last day at the latest.
      for (const e of current.filter((x) => x.orgUnit === u.id))
        expect(e.leaveDate! <= u.endDate!).toBe(true);
    }
    const leavers = m.employees.filter((e) => e.action === 'leave');
    expect(leavers.length).toBeGreaterThan(5);
  });

  it('includes names that break naive code', () => {
    const names = current.map((e) => `${e.firstName} ${e.lastName}`).join('\n');
    expect(names).toMatch(/[æøåÆØÅ]/);
    expect(names).toMatch(/\w-\w/);
    expect(names).toMatch(/'/);
    expect(names).toMatch(/\./);
    expect(m.units.some((u) => u.longName.includes('&'))).toBe(true);
  });

  it('works for tiny sizes', () => {
    for (const persons of [1, 3, 10, 40]) {
      const small = generateMunicipality({ seed: 9, persons, asOf: ASOF });
      const depth = depths(small.units);
      expect(Math.max(...depth.values())).toBeGreaterThanOrEqual(4);
      expect(new Set(small.employees.filter((e) => !e.action).map((e) => e.cpr)).size).toBe(persons);
    }
  });
});
