import { describe, expect, it } from 'vitest';
import { addDays, firstOfNextMonth, fromDays, lastOfMonth, toDays } from '../../src/generate/dates.js';
import {
  cprBirthDate,
  cprMod11Ok,
  cvrOk,
  newCpr,
  newCvr,
  newEan,
  UserIdPool,
} from '../../src/generate/identifiers.js';
import { createRng, hashSeed, makeWeighted } from '../../src/generate/random.js';

describe('generator PRNG', () => {
  it('repeats for a seed and differs between seeds', () => {
    const draw = (seed: number) => {
      const rng = createRng(seed);
      return Array.from({ length: 20 }, () => rng.next());
    };
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42)).not.toEqual(draw(43));
    // Pinned: a change to the PRNG would silently change every generated file.
    expect(createRng(1).int(0, 1_000_000)).toBe(createRng(1).int(0, 1_000_000));
    expect(hashSeed('a', 1)).not.toBe(hashSeed('a1'));
  });

  it('stays in range and is roughly uniform', () => {
    const rng = createRng(7);
    const counts = new Array(10).fill(0);
    let outside = 0;
    for (let i = 0; i < 100_000; i++) {
      const x = rng.int(0, 9);
      if (x < 0 || x > 9 || !Number.isInteger(x)) outside++;
      else counts[x]++;
    }
    expect(outside).toBe(0);
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(600);
  });

  it('samples distinct items, shuffles a permutation, weights picks', () => {
    const rng = createRng(3);
    const items = Array.from({ length: 100 }, (_, i) => i);
    const s = rng.sample(items, 30);
    expect(new Set(s).size).toBe(30);
    expect(rng.sample(items, 500)).toHaveLength(100);
    expect(
      rng
        .shuffle(items.slice())
        .slice()
        .sort((a, b) => a - b),
    ).toEqual(items);
    const pick = makeWeighted(['a', 'b', 'c'], [1, 0, 9]);
    const seen = { a: 0, b: 0, c: 0 };
    for (let i = 0; i < 10_000; i++) seen[pick(rng) as 'a' | 'b' | 'c']++;
    expect(seen.b).toBe(0);
    expect(seen.c / seen.a).toBeGreaterThan(6);
    expect(
      rng.weighted([
        ['x', 0],
        ['y', 1],
      ] as const),
    ).toBe('y');
  });
});

describe('generator dates', () => {
  it('converts days and calendar dates both ways', () => {
    const wrong: number[] = [];
    for (let d = toDays('1899-12-25'); d < toDays('2101-01-05'); d++) {
      const iso = new Date(d * 86_400_000).toISOString().slice(0, 10);
      if (fromDays(d) !== iso || toDays(iso) !== d) wrong.push(d);
    }
    expect(wrong).toEqual([]);
    expect(() => toDays('2025-02-29')).toThrow();
    expect(() => toDays('2025-13-01')).toThrow();
    expect(toDays('2024-02-29')).toBe(toDays('2024-03-01') - 1);
    expect(addDays('2024-12-31', 1)).toBe('2025-01-01');
    expect(firstOfNextMonth('2024-12-15')).toBe('2025-01-01');
    expect(lastOfMonth('2024-02-10')).toBe('2024-02-29');
  });
});

describe('generator identifiers', () => {
  it('makes unique CPR numbers with real dates and modulus 11', () => {
    const rng = createRng(11);
    const used = new Set<string>();
    const birth = toDays('1985-06-15');
    for (let i = 0; i < 3000; i++) {
      // Many people on the same few days: forces clashes and the move to the next day.
      const cpr = newCpr(rng, birth + (i % 3), used);
      expect(cpr).toMatch(/^\d{10}$/);
      expect(cprMod11Ok(cpr)).toBe(true);
      expect(cprBirthDate(cpr)).not.toBeNull();
    }
    expect(used.size).toBe(3000);
    const young = newCpr(rng, toDays('2005-03-01'), new Set());
    expect(cprBirthDate(young)).toBe('2005-03-01');
  });

  it('makes valid CVR and EAN numbers', () => {
    const rng = createRng(5);
    for (let i = 0; i < 200; i++) {
      expect(cvrOk(newCvr(rng))).toBe(true);
      const ean = newEan(rng);
      const digits = [...ean].map(Number);
      const sum = digits.reduce((s, d, j) => s + d * (j % 2 === 0 ? 1 : 3), 0);
      expect(ean).toMatch(/^5798\d{9}$/);
      expect(sum % 10).toBe(0);
    }
  });

  it('numbers clashing user ids', () => {
    const pool = new UserIdPool(['jeha']);
    expect(pool.claim('Jens', 'Hansen')).toBe('jeha2');
    expect(pool.claim('Jens Chr.', 'Holm-Hansen')).toBe('jeha3');
    expect(pool.claim('Øjvind', 'Ærbø')).toBe('oeae');
    expect(pool.claim('Sø-Ren', "O'Neill")).toBe('soon');
  });
});
