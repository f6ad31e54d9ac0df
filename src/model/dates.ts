/** Calendar dates as ISO strings compare correctly as strings; these helpers keep it that way. */
import type { IsoDate } from './schema.js';

export const todayIso = (now: Date = new Date()): IsoDate => {
  // The municipality's day, not UTC's: a run at 00:30 Copenhagen time belongs to the new day.
  return new Intl.DateTimeFormat('sv-SE', { timeZone: 'Europe/Copenhagen' }).format(now);
};

export const isValidIsoDate = (s: string): boolean => {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
};

/** True when a record with these bounds holds on `asOf` (bounds inclusive, null = open). */
export const holdsOn = (asOf: IsoDate, validFrom: IsoDate | null, validTo: IsoDate | null): boolean =>
  (validFrom === null || validFrom <= asOf) && (validTo === null || validTo >= asOf);
