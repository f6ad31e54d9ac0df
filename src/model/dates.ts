/** Calendar dates as ISO strings compare correctly as strings; these helpers keep it that way. */
import type { IsoDate } from './schema.js';

export const todayIso = (now: Date = new Date()): IsoDate => {
  // The municipality's day, not UTC's: a run at 00:30 Copenhagen time belongs to the new day.
  return new Intl.DateTimeFormat('sv-SE', { timeZone: 'Europe/Copenhagen' }).format(now);
};

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;

/** A real calendar date YYYY-MM-DD. Arithmetic, not Date: it runs for every HR record. */
export const isValidIsoDate = (s: string): boolean => {
  if (s.length !== 10 || !/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
  const y = Number(s.slice(0, 4));
  const m = Number(s.slice(5, 7));
  const d = Number(s.slice(8, 10));
  if (m < 1 || m > 12 || d < 1) return false;
  return d <= (m === 2 && isLeap(y) ? 29 : DAYS_IN_MONTH[m - 1]!);
};

/** True when a record with these bounds holds on `asOf` (bounds inclusive, null = open). */
export const holdsOn = (asOf: IsoDate, validFrom: IsoDate | null, validTo: IsoDate | null): boolean =>
  (validFrom === null || validFrom <= asOf) && (validTo === null || validTo >= asOf);
