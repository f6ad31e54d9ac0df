/**
 * Schedules and blackout windows in time zones: cron read by croner in the schedule's zone
 * (the same wall-clock hour on both sides of a DST change), blackout windows as wall-clock
 * times in theirs, and the worker block of the configuration refusing what would go wrong
 * later (unknown zones, bad times, duplicate names, weak or shared tokens).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { OrgsyncError } from '../../src/errors.js';
import {
  type BlackoutConfig,
  type ScheduleConfig,
  WorkerConfig,
  workerSecretProblems,
} from '../../src/worker/config.js';
import { blackouts, parseSchedule } from '../../src/worker/schedule.js';

const CPH = 'Europe/Copenhagen';
const ms = (iso: string) => Date.parse(iso);
const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());

const schedule = (cron: string, extra: Partial<ScheduleConfig> = {}): ScheduleConfig => ({
  name: 'nightly',
  cron,
  mode: 'full',
  ...extra,
});

/** The next `n` firings after `from`, as ISO text. */
function firings(s: ReturnType<typeof parseSchedule>, from: string, n: number): string[] {
  const out: string[] = [];
  let t = ms(from);
  for (let i = 0; i < n; i++) {
    const next = s.next(t);
    if (next === null) break;
    out.push(iso(next)!);
    t = next;
  }
  return out;
}

describe('parseSchedule', () => {
  const nightly = parseSchedule(schedule('0 2 * * *'), CPH, 0);

  it('takes the worker zone when the schedule names none', () => {
    expect(nightly.timeZone).toBe(CPH);
  });

  it('fires a nightly 02:00 at 01:00Z in winter and 00:00Z in summer', () => {
    expect(firings(nightly, '2026-01-13T12:00:00Z', 2)).toEqual([
      '2026-01-14T01:00:00.000Z',
      '2026-01-15T01:00:00.000Z',
    ]);
    expect(firings(nightly, '2026-07-13T12:00:00Z', 2)).toEqual([
      '2026-07-14T00:00:00.000Z',
      '2026-07-15T00:00:00.000Z',
    ]);
  });

  it('keeps 02:00 local across the March change (02:00 does not exist on the day itself)', () => {
    // 2026-03-29: clocks go 02:00 CET -> 03:00 CEST at 01:00Z. The missing 02:00 fires once,
    // at the first instant after the gap (03:00 CEST = 01:00Z), then 02:00 CEST = 00:00Z.
    expect(firings(nightly, '2026-03-27T12:00:00Z', 4)).toEqual([
      '2026-03-28T01:00:00.000Z',
      '2026-03-29T01:00:00.000Z',
      '2026-03-30T00:00:00.000Z',
      '2026-03-31T00:00:00.000Z',
    ]);
  });

  it('fires once across the October change (02:00 happens twice on the day itself)', () => {
    // 2026-10-25: clocks go 03:00 CEST -> 02:00 CET at 01:00Z; 02:00 is 00:00Z and again 01:00Z.
    const got = firings(nightly, '2026-10-23T12:00:00Z', 4);
    expect(got).toEqual([
      '2026-10-24T00:00:00.000Z',
      '2026-10-25T00:00:00.000Z',
      '2026-10-26T01:00:00.000Z',
      '2026-10-27T01:00:00.000Z',
    ]);
    expect(got.filter((t) => t.startsWith('2026-10-25'))).toHaveLength(1);
  });

  it('reads the cron in the schedule’s own zone when it has one', () => {
    const ny = parseSchedule(schedule('0 2 * * *', { timeZone: 'America/New_York' }), CPH, 0);
    expect(ny.timeZone).toBe('America/New_York');
    // 02:00 EST = 07:00Z in winter, 02:00 EDT = 06:00Z in summer.
    expect(firings(ny, '2026-01-13T12:00:00Z', 1)).toEqual(['2026-01-14T07:00:00.000Z']);
    expect(firings(ny, '2026-07-13T12:00:00Z', 1)).toEqual(['2026-07-14T06:00:00.000Z']);
  });

  it('fires a weekday range every quarter hour 08:00-16:45 and skips the weekend', () => {
    const office = parseSchedule(schedule('*/15 8-16 * * 1-5', { name: 'office' }), CPH, 0);
    // Friday 2026-06-05 16:45 CEST is the last of the week; Monday 08:00 CEST the next.
    expect(firings(office, '2026-06-05T14:40:00Z', 3)).toEqual([
      '2026-06-05T14:45:00.000Z',
      '2026-06-08T06:00:00.000Z',
      '2026-06-08T06:15:00.000Z',
    ]);
    // From a Saturday morning: nothing until Monday.
    expect(firings(office, '2026-06-06T07:00:00Z', 1)).toEqual(['2026-06-08T06:00:00.000Z']);
    // A whole week holds 5 days x 9 hours x 4 firings, none at the weekend or out of hours.
    const week: string[] = [];
    let t = ms('2026-06-07T22:00:00Z'); // Monday 00:00 CEST
    for (;;) {
      const next = office.next(t);
      if (next === null || next >= ms('2026-06-14T22:00:00Z')) break;
      week.push(iso(next)!);
      t = next;
    }
    expect(week).toHaveLength(5 * 9 * 4);
    for (const f of week) {
      const local = new Intl.DateTimeFormat('en-GB', {
        timeZone: CPH,
        weekday: 'short',
        hour: '2-digit',
        hourCycle: 'h23',
      }).formatToParts(new Date(f));
      const day = local.find((p) => p.type === 'weekday')!.value;
      const hour = Number(local.find((p) => p.type === 'hour')!.value);
      expect(['Sat', 'Sun']).not.toContain(day);
      expect(hour).toBeGreaterThanOrEqual(8);
      expect(hour).toBeLessThanOrEqual(16);
    }
  });

  it.each([
    ['not a cron expression', 'every night'],
    ['an out-of-range minute', '61 2 * * *'],
    ['six fields (seconds)', '0 0 2 * * *'],
    ['three fields', '0 2 *'],
  ])('refuses %s with ORGSYNC_CONFIG_INVALID naming worker.schedules[i].cron', (_what, cron) => {
    let caught: unknown;
    try {
      parseSchedule(schedule(cron), CPH, 3);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(OrgsyncError);
    const e = caught as OrgsyncError;
    expect(e.code).toBe('ORGSYNC_CONFIG_INVALID');
    expect(e.message).toContain('worker.schedules[3].cron');
    expect(e.message).toContain(cron);
  });
});

describe('WorkerConfig', () => {
  const envNames: string[] = [];
  const setEnv = (name: string, value: string) => {
    process.env[name] = value;
    envNames.push(name);
  };
  afterEach(() => {
    for (const n of envNames.splice(0)) delete process.env[n];
  });

  /** The paths and messages of the issues of a refused worker block. */
  function refused(input: unknown): { path: string; message: string }[] {
    const r = WorkerConfig.safeParse(input);
    expect(r.success, 'expected the worker block to be refused').toBe(false);
    return r.success ? [] : r.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
  }

  it('fills the defaults', () => {
    const w = WorkerConfig.parse({});
    expect(w.timeZone).toBe(CPH);
    expect(w.lock.ttlSeconds).toBe(60);
    expect(w.schedules).toEqual([]);
    expect(w.blackouts).toEqual([]);
    expect(w.api.tokens).toEqual([]);
  });

  it('accepts schedules, blackouts and tokens that are right', () => {
    setEnv('ORGSYNC_TEST_TOKEN_READ', 'r'.repeat(16));
    setEnv('ORGSYNC_TEST_TOKEN_OP', 'o'.repeat(32));
    const w = WorkerConfig.parse({
      timeZone: 'America/New_York',
      schedules: [
        { name: 'nightly', cron: '0 2 * * *' },
        { name: 'intraday', cron: '*/15 8-16 * * 1-5', mode: 'delta', timeZone: CPH, targets: ['ad'] },
      ],
      blackouts: [{ days: ['fri'], from: '22:00', to: '06:00' }],
      api: {
        tokens: [
          { name: 'viewer', role: 'read', token: { env: 'ORGSYNC_TEST_TOKEN_READ' } },
          { name: 'ops', role: 'operator', token: { env: 'ORGSYNC_TEST_TOKEN_OP' } },
        ],
      },
    });
    expect(w.schedules.map((s) => s.mode)).toEqual(['full', 'delta']);
    expect(w.api.tokens[1]!.token.reveal()).toBe('o'.repeat(32));
  });

  it('refuses a time zone the system does not know, for the worker, a schedule and a window', () => {
    expect(refused({ timeZone: 'Mars/Olympus_Mons' })).toEqual([
      expect.objectContaining({ path: 'timeZone', message: expect.stringContaining('time zone') }),
    ]);
    expect(refused({ schedules: [{ name: 'a', cron: '0 2 * * *', timeZone: 'Europe/Kobenhavn' }] })).toEqual([
      expect.objectContaining({ path: 'schedules.0.timeZone' }),
    ]);
    expect(refused({ blackouts: [{ from: '07:00', to: '08:00', timeZone: 'CET+5' }] })).toEqual([
      expect.objectContaining({ path: 'blackouts.0.timeZone' }),
    ]);
  });

  it.each(['24:00', '7:30', '07:60', '0730', '07:30:00'])('refuses blackout time %s', (bad) => {
    expect(refused({ blackouts: [{ from: bad, to: '08:00' }] })).toEqual([
      expect.objectContaining({ path: 'blackouts.0.from', message: expect.stringContaining('HH:MM') }),
    ]);
  });

  it('refuses a window that starts and ends at the same minute', () => {
    expect(refused({ blackouts: [{ from: '07:00', to: '07:00' }] })[0]!.message).toContain('differ');
  });

  it('refuses two schedules with the same name, naming the second', () => {
    const issues = refused({
      schedules: [
        { name: 'nightly', cron: '0 2 * * *' },
        { name: 'other', cron: '0 3 * * *' },
        { name: 'nightly', cron: '0 4 * * *' },
      ],
    });
    expect(issues).toEqual([
      { path: 'schedules.2.name', message: expect.stringContaining('duplicate schedule nightly') },
    ]);
  });

  /** The problems `orgsync serve` finds in the worker's secrets, read when it starts. */
  function secretProblems(input: unknown): { path: string; message: string }[] {
    return workerSecretProblems(WorkerConfig.parse(input));
  }

  it('refuses a token shorter than 16 characters, without printing it', () => {
    setEnv('ORGSYNC_TEST_TOKEN_SHORT', 'short-secret-15');
    const issues = secretProblems({
      api: { tokens: [{ name: 'ops', role: 'operator', token: { env: 'ORGSYNC_TEST_TOKEN_SHORT' } }] },
    });
    expect(issues).toEqual([
      { path: 'api.tokens.0.token', message: expect.stringContaining('shorter than 16') },
    ]);
    expect(JSON.stringify(issues)).not.toContain('short-secret-15');
  });

  it('refuses two tokens with the same value, even under different names and roles', () => {
    setEnv('ORGSYNC_TEST_TOKEN_A', 'the-same-long-token-value');
    setEnv('ORGSYNC_TEST_TOKEN_B', 'the-same-long-token-value');
    const issues = secretProblems({
      api: {
        tokens: [
          { name: 'viewer', role: 'read', token: { env: 'ORGSYNC_TEST_TOKEN_A' } },
          { name: 'ops', role: 'operator', token: { env: 'ORGSYNC_TEST_TOKEN_B' } },
        ],
      },
    });
    expect(issues).toEqual([
      { path: 'api.tokens.1.token', message: expect.stringContaining('same as another token') },
    ]);
    expect(JSON.stringify(issues)).not.toContain('the-same-long-token-value');
  });

  it('refuses a token whose environment variable is not set, naming the variable', () => {
    const issues = secretProblems({
      api: { tokens: [{ name: 'ops', role: 'operator', token: { env: 'ORGSYNC_TEST_TOKEN_UNSET' } }] },
    });
    expect(issues.map((i) => i.message).join(' ')).toContain('ORGSYNC_TEST_TOKEN_UNSET');
  });
});

describe('blackouts', () => {
  // June 2026 is CEST (UTC+2): Monday 1, Friday 5, Saturday 6, Sunday 7, Monday 8.
  const morning: BlackoutConfig = { days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '07:30', to: '08:30' };
  const fridayNight: BlackoutConfig = { days: ['fri'], from: '22:00', to: '06:00' };

  it('has nothing open and nothing to wait for without windows', () => {
    const b = blackouts([], CPH);
    expect(b.active(ms('2026-06-01T06:00:00Z'))).toBe(false);
    expect(b.until(ms('2026-06-01T06:00:00Z'))).toBeNull();
    expect(b.nextStart(ms('2026-06-01T06:00:00Z'))).toBeNull();
  });

  it('opens a same-day window from its start minute up to, not including, its end minute', () => {
    const b = blackouts([morning], CPH);
    expect(b.active(ms('2026-06-01T05:29:00Z'))).toBe(false); // Mon 07:29
    expect(b.active(ms('2026-06-01T05:30:00Z'))).toBe(true); // Mon 07:30
    expect(b.active(ms('2026-06-01T05:45:00Z'))).toBe(true); // Mon 07:45
    expect(b.active(ms('2026-06-01T06:29:59Z'))).toBe(true); // Mon 08:29:59
    expect(b.active(ms('2026-06-01T06:30:00Z'))).toBe(false); // Mon 08:30: its end
    expect(b.active(ms('2026-06-05T05:45:00Z'))).toBe(true); // Fri 07:45
    expect(b.active(ms('2026-06-06T05:45:00Z'))).toBe(false); // Sat 07:45
    expect(b.active(ms('2026-06-07T05:45:00Z'))).toBe(false); // Sun 07:45
  });

  it('says when a same-day window ends and when the next one opens', () => {
    const b = blackouts([morning], CPH);
    expect(iso(b.until(ms('2026-06-01T05:45:00Z')))).toBe('2026-06-01T06:30:00.000Z');
    expect(iso(b.until(ms('2026-06-01T06:29:30Z')))).toBe('2026-06-01T06:30:00.000Z');
    expect(b.until(ms('2026-06-01T07:00:00Z'))).toBeNull(); // not open: nothing to wait for
    // Monday 09:00 -> Tuesday 07:30; Friday 09:00 -> Monday 07:30 (the weekend has none).
    expect(iso(b.nextStart(ms('2026-06-01T07:00:00Z')))).toBe('2026-06-02T05:30:00.000Z');
    expect(iso(b.nextStart(ms('2026-06-05T07:00:00Z')))).toBe('2026-06-08T05:30:00.000Z');
    // Inside a window, the next opening is the following one, not the one already open.
    expect(iso(b.nextStart(ms('2026-06-01T05:45:00Z')))).toBe('2026-06-02T05:30:00.000Z');
  });

  it('keeps a window past midnight on the day it starts', () => {
    const b = blackouts([fridayNight], CPH);
    expect(b.active(ms('2026-06-05T19:59:00Z'))).toBe(false); // Fri 21:59
    expect(b.active(ms('2026-06-05T20:00:00Z'))).toBe(true); // Fri 22:00
    expect(b.active(ms('2026-06-05T21:00:00Z'))).toBe(true); // Fri 23:00
    expect(b.active(ms('2026-06-05T22:00:00Z'))).toBe(true); // Sat 00:00
    expect(b.active(ms('2026-06-06T03:59:00Z'))).toBe(true); // Sat 05:59
    expect(b.active(ms('2026-06-06T04:00:00Z'))).toBe(false); // Sat 06:00
    expect(b.active(ms('2026-06-06T20:30:00Z'))).toBe(false); // Sat 22:30: starts on Friday only
    expect(b.active(ms('2026-06-04T21:00:00Z'))).toBe(false); // Thu 23:00
    expect(b.active(ms('2026-06-05T03:00:00Z'))).toBe(false); // Fri 05:00: Thursday night has none
    expect(iso(b.until(ms('2026-06-05T21:00:00Z')))).toBe('2026-06-06T04:00:00.000Z');
    expect(iso(b.nextStart(ms('2026-06-06T05:00:00Z')))).toBe('2026-06-12T20:00:00.000Z');
  });

  it('ends a night window at 06:00 local across the March change', () => {
    // Saturday 2026-03-28 22:00 CET (21:00Z) to Sunday 06:00 CEST (04:00Z): seven hours, not eight.
    const b = blackouts([{ days: ['sat'], from: '22:00', to: '06:00' }], CPH);
    expect(b.active(ms('2026-03-28T21:00:00Z'))).toBe(true);
    expect(iso(b.until(ms('2026-03-28T21:00:00Z')))).toBe('2026-03-29T04:00:00.000Z');
  });

  it('waits until every open window has closed', () => {
    const b = blackouts([fridayNight, { days: ['sat'], from: '05:00', to: '09:00' }], CPH);
    // Friday 23:00: the night window ends at 06:00 but the morning one holds on to 09:00.
    expect(iso(b.until(ms('2026-06-05T21:00:00Z')))).toBe('2026-06-06T07:00:00.000Z');
  });

  it('reads a window in the default zone, or in its own when it names one', () => {
    const inDefault = blackouts([morning], CPH);
    const inOwn = blackouts([{ ...morning, timeZone: 'America/New_York' }], CPH);
    const nyDefault = blackouts([morning], 'America/New_York');
    const cphMorning = ms('2026-06-01T05:45:00Z'); // 07:45 Copenhagen, 01:45 New York
    const nyMorning = ms('2026-06-01T11:45:00Z'); // 13:45 Copenhagen, 07:45 New York
    expect(inDefault.active(cphMorning)).toBe(true);
    expect(inDefault.active(nyMorning)).toBe(false);
    expect(inOwn.active(cphMorning)).toBe(false);
    expect(inOwn.active(nyMorning)).toBe(true);
    expect(nyDefault.active(nyMorning)).toBe(true);
    expect(iso(inOwn.until(nyMorning))).toBe('2026-06-01T12:30:00.000Z');
    expect(iso(inOwn.nextStart(cphMorning))).toBe('2026-06-01T11:30:00.000Z');
  });
});
