import { describe, expect, it } from 'vitest';
import { OPEN_END, type Period } from './model.js';
import { dayAfter, dayBefore, overlapping, overlay, periodOn } from './periods.js';

const p = (from: string, to: string, value: string): Period<string> => ({ from, to, value });

describe('SD periods', () => {
  it('steps days across month, year and leap-day boundaries', () => {
    expect(dayAfter('2024-02-28')).toBe('2024-02-29');
    expect(dayAfter('2024-12-31')).toBe('2025-01-01');
    expect(dayBefore('2025-03-01')).toBe('2025-02-28');
  });

  it('lays a registration over what held before, cutting around it', () => {
    const base = [p('2020-01-01', OPEN_END, '1')];
    const ended = overlay(base, [p('2026-07-01', OPEN_END, '8')]);
    expect(ended).toEqual([p('2020-01-01', '2026-06-30', '1'), p('2026-07-01', OPEN_END, '8')]);
    const leave = overlay(ended, [p('2026-03-01', '2026-03-31', '3')]);
    expect(leave).toEqual([
      p('2020-01-01', '2026-02-28', '1'),
      p('2026-03-01', '2026-03-31', '3'),
      p('2026-04-01', '2026-06-30', '1'),
      p('2026-07-01', OPEN_END, '8'),
    ]);
    expect(periodOn(leave, '2026-03-15')?.value).toBe('3');
    expect(periodOn(leave, '2019-12-31')).toBeUndefined();
    expect(overlapping(leave, '2026-03-31', '2026-04-01').map((x) => x.value)).toEqual(['3', '1']);
  });

  it('gives the same result when the same registration is laid twice, or in parts', () => {
    const base = [p('2020-01-01', OPEN_END, 'A')];
    const once = overlay(base, [p('2026-01-01', OPEN_END, 'B')]);
    expect(overlay(once, [p('2026-01-01', OPEN_END, 'B')])).toEqual(once);
    const cut = overlay(base, [p('2020-01-01', '2025-12-31', 'A'), p('2026-01-01', OPEN_END, 'B')]);
    expect(cut).toEqual(once);
  });
});
