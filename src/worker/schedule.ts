/**
 * When runs fire and when nothing may be written. Cron expressions are read by croner in
 * the schedule's time zone, so "0 2 * * *" is 02:00 in Copenhagen winter and summer alike;
 * blackout windows are wall-clock times in their zone, found with Intl (no library needed).
 */
import { Cron } from 'croner';
import { OrgsyncError } from '../errors.js';
import type { BlackoutConfig, ScheduleConfig, Weekday } from './config.js';

/** A parsed schedule: its next firing strictly after a time. */
export interface Schedule {
  config: ScheduleConfig;
  timeZone: string;
  next(after: number): number | null;
}

export function parseSchedule(config: ScheduleConfig, defaultZone: string, index: number): Schedule {
  const timeZone = config.timeZone ?? defaultZone;
  let cron: Cron;
  try {
    cron = new Cron(config.cron, { timezone: timeZone, paused: true, mode: '5-part' });
  } catch (e) {
    throw new OrgsyncError(
      'ORGSYNC_CONFIG_INVALID',
      `worker.schedules[${index}].cron "${config.cron}" is not a cron expression: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  return {
    config,
    timeZone,
    next: (after) => cron.nextRun(new Date(after))?.getTime() ?? null,
  };
}

const DAYS: readonly Weekday[] = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

/** One formatter per zone: building one costs far more than using it, and windows are checked per minute. */
const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Weekday and minute of the day of an instant, in a zone. */
function wallClock(at: number, timeZone: string): { day: number; minute: number } {
  const parts = formatter(timeZone).formatToParts(new Date(at));
  const get = (type: string) => parts.find((p) => p.type === type)!.value;
  return {
    day: DAYS.indexOf(get('weekday').toLowerCase().slice(0, 3) as Weekday),
    minute: Number(get('hour')) * 60 + Number(get('minute')),
  };
}

const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** Whether a window is open at an instant. A window past midnight belongs to the day it starts. */
function windowOpen(b: BlackoutConfig, at: number, defaultZone: string): boolean {
  const { day, minute } = wallClock(at, b.timeZone ?? defaultZone);
  const from = minutes(b.from);
  const to = minutes(b.to);
  const startsOn = (d: number) => !b.days || b.days.includes(DAYS[(d + 7) % 7]!);
  if (from < to) return minute >= from && minute < to && startsOn(day);
  // 22:00-06:00: open late on a start day, or early on the day after one.
  return (minute >= from && startsOn(day)) || (minute < to && startsOn(day - 1));
}

export interface Blackouts {
  /** Whether writing is forbidden at `at`. */
  active(at: number): boolean;
  /** When the windows open at `at` have all closed (minute precision), or null when none is open. */
  until(at: number): number | null;
  /** The next instant after `at` at which a window opens, within a week; null when none does. */
  nextStart(at: number): number | null;
}

const MINUTE = 60_000;
const WEEK = 7 * 24 * 60 * MINUTE;

export function blackouts(windows: readonly BlackoutConfig[], defaultZone: string): Blackouts {
  const active = (at: number) => windows.some((w) => windowOpen(w, at, defaultZone));
  const startOfMinute = (at: number) => Math.floor(at / MINUTE) * MINUTE;
  return {
    active,
    until(at) {
      if (!active(at)) return null;
      // Minute steps: windows are given in minutes, and a week is 10,080 steps at most.
      for (let t = startOfMinute(at) + MINUTE; t <= at + WEEK; t += MINUTE) if (!active(t)) return t;
      return null; // always closed: the configuration says never write
    },
    nextStart(at) {
      if (windows.length === 0) return null;
      let was = active(at);
      for (let t = startOfMinute(at) + MINUTE; t <= at + WEEK; t += MINUTE) {
        const now = active(t);
        if (now && !was) return t;
        was = now;
      }
      return null;
    },
  };
}
