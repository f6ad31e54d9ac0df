import { describe, expect, it } from 'vitest';
import { LATEST_VERSION, MIGRATIONS, migrationsToApply } from '../../src/state/migrations.js';

describe('state migrations', () => {
  it('are numbered in strictly increasing order and each has both engines', () => {
    const versions = MIGRATIONS.map((m) => m.version);
    expect(versions).toEqual([...versions].sort((a, b) => a - b));
    expect(new Set(versions).size).toBe(versions.length);
    expect(LATEST_VERSION).toBe(versions.at(-1));
    for (const m of MIGRATIONS) {
      expect(m.description).not.toBe('');
      expect(m.sqlite.trim()).not.toBe('');
      expect(m.postgres.trim()).not.toBe('');
    }
  });

  it('lists what a database still lacks, in order', () => {
    expect(migrationsToApply([])).toEqual(MIGRATIONS);
    expect(migrationsToApply(MIGRATIONS.map((m) => m.version))).toEqual([]);
  });

  it('refuses a database written by a newer orgsync', () => {
    expect(() => migrationsToApply([LATEST_VERSION + 1])).toThrow(/newer than this orgsync knows/);
  });
});
