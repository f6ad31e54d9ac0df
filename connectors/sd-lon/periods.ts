/**
 * The period algebra of SD's dated values. A registration in SD sets a value for a date range;
 * whatever held on those days before is cut away around it. `overlay` does exactly that, so
 * applying the periods a changed-at answer lists to what a full read gave yields what a
 * full read of the new state gives. The simulator's store uses the same function to record
 * registrations, which is what keeps the two in agreement.
 */
import type { Period } from './model.js';

const DAY_MS = 86_400_000;

/** The day before / after an ISO date (UTC arithmetic: no time zone can shift it). */
export const dayBefore = (iso: string): string =>
  new Date(Date.parse(`${iso}T00:00:00Z`) - DAY_MS).toISOString().slice(0, 10);
export const dayAfter = (iso: string): string =>
  new Date(Date.parse(`${iso}T00:00:00Z`) + DAY_MS).toISOString().slice(0, 10);

/**
 * `base` with `incoming` written over it: every day an incoming period covers takes the
 * incoming value; the rest of `base` is kept, cut where needed. Sorted by start date.
 */
export function overlay<V>(base: readonly Period<V>[], incoming: readonly Period<V>[]): Period<V>[] {
  let result = [...base];
  for (const p of incoming) {
    const next: Period<V>[] = [];
    for (const q of result) {
      if (q.to < p.from || q.from > p.to) {
        next.push(q);
        continue;
      }
      if (q.from < p.from) next.push({ ...q, to: dayBefore(p.from) });
      if (q.to > p.to) next.push({ ...q, from: dayAfter(p.to) });
    }
    next.push(p);
    result = next;
  }
  return result.sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : 0));
}

/** The period covering `day`, if any. */
export function periodOn<V>(periods: readonly Period<V>[], day: string): Period<V> | undefined {
  for (const p of periods) if (p.from <= day && day <= p.to) return p;
  return undefined;
}

/** The periods that share at least one day with [from, to]. */
export const overlapping = <V>(periods: readonly Period<V>[], from: string, to: string): Period<V>[] =>
  periods.filter((p) => p.from <= to && p.to >= from);
