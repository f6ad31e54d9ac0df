import { describe, expect, it } from 'vitest';
import { closedError } from './errors.js';
import { copenhagenTime, openAt } from './hours.js';

const HOURS = { open: '06:05', close: '21:55' };

describe('SD opening hours', () => {
  it('reads the Copenhagen clock in summer and winter time', () => {
    expect(copenhagenTime(new Date('2026-07-01T04:04:00Z'))).toBe('06:04');
    expect(copenhagenTime(new Date('2026-12-01T05:05:00Z'))).toBe('06:05');
  });

  it('is open from the opening minute to the minute before closing, also over midnight', () => {
    expect([
      openAt(HOURS, '06:04'),
      openAt(HOURS, '06:05'),
      openAt(HOURS, '21:54'),
      openAt(HOURS, '21:55'),
    ]).toEqual([false, true, true, false]);
    expect(openAt({ open: '22:00', close: '02:00' }, '23:30')).toBe(true);
    expect(openAt({ open: '22:00', close: '02:00' }, '03:00')).toBe(false);
  });

  it('says SD may be down when it answers "closed" inside its hours', () => {
    expect(closedError(HOURS, new Date('2026-12-01T22:30:00Z')).message).toMatch(
      /^SD Løn is closed \(it answers from 06:05/,
    );
    expect(closedError(HOURS, new Date('2026-12-01T10:00:00Z')).message).toMatch(
      /at 11:00 .*inside its opening hours.*may be down/,
    );
  });
});
