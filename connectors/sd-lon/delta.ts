/**
 * An intraday read: the last read's persons and employments brought up to date with what SD
 * lists as changed since, instead of reading everything again.
 *
 *   1. GetEmploymentChangedAtDate: periods registered since the last read (with future ones).
 *   2. GetEmploymentChanged: periods taking effect between the last read's day and this one:
 *      changes registered long ago (a hire or an end known in advance) that a full read on the
 *      earlier day could not show, because GetEmployment lists only the period holding then.
 *   3. GetPersonChangedAtDate: names and contact details registered since the last read.
 *   4. An employment whose known periods run out before the day, or a person not yet known,
 *      is asked for on its own (GetEmployment / GetPerson for that one).
 *
 * Each listed period is laid over the cached ones (periods.ts `overlay`), the way SD itself
 * records a registration, so the result equals a full read of the new state. The window
 * starts a few minutes before the last read began: a registration is never missed between
 * two reads, and one seen twice changes nothing.
 */

import type { InstitutionCache } from './cache.js';
import type { SdClient } from './client.js';
import type { StatusCodes } from './config.js';
import { employmentKey, OPEN_END, type SdEmployment, type SdPerson, TIMELINE_PARTS } from './model.js';
import { dayAfter, overlay, periodOn } from './periods.js';

/** Clock differences between orgsync and SD must not open a gap between two windows. */
export const WINDOW_OVERLAP_MS = 10 * 60_000;

export interface DeltaRequest {
  client: SdClient;
  institution: string;
  asOf: string;
  /** When this read began (ISO timestamp). */
  readAt: string;
  /** Not modified: the result is a new cache. */
  cache: InstitutionCache;
  statusCodes: StatusCodes;
}

export async function applyDelta(req: DeltaRequest): Promise<InstitutionCache> {
  const { client, institution, asOf, cache } = req;
  const from = new Date(Date.parse(cache.readAt) - WINDOW_OVERLAP_MS);
  const to = new Date(req.readAt);
  const [registered, takingEffect, persons] = await Promise.all([
    client.employmentsChangedAt(institution, from, to),
    asOf > cache.asOf ? client.employmentsChanged(institution, dayAfter(cache.asOf), asOf) : [],
    client.personsChangedAt(institution, from, to),
  ]);
  const employments = new Map(cache.employments);
  const people = new Map(cache.persons);
  for (const e of [...takingEffect, ...registered]) layPeriods(employments, e);
  for (const p of persons) people.set(p.cpr, mergePerson(people.get(p.cpr), p));

  await fillGaps(req, employments, people);
  prune(employments, asOf, req.statusCodes);
  return { asOf, readAt: req.readAt, persons: people, employments };
}

/** Lays an employment's listed periods over what is known of it. */
export function layPeriods(employments: Map<string, SdEmployment>, incoming: SdEmployment): void {
  const key = employmentKey(incoming.id, incoming.cpr);
  const known = employments.get(key);
  if (known === undefined) {
    employments.set(key, incoming);
    return;
  }
  const timelines = { ...known.timelines };
  for (const part of TIMELINE_PARTS) {
    const periods = incoming.timelines[part];
    // biome-ignore lint/suspicious/noExplicitAny: the four parts differ only in their value type
    if (periods.length > 0) (timelines as any)[part] = overlay<any>(known.timelines[part], periods);
  }
  employments.set(key, {
    ...known,
    employmentDate: incoming.employmentDate ?? known.employmentDate,
    timelines,
  });
}

function mergePerson(known: SdPerson | undefined, incoming: SdPerson): SdPerson {
  if (known === undefined) return incoming;
  return {
    ...incoming,
    employmentContacts: new Map([...known.employmentContacts, ...incoming.employmentContacts]),
  };
}

/**
 * Employments whose known status or placement runs out before the day, and persons nobody
 * has read yet, are read on their own. One that SD no longer lists on the day (neither
 * active nor passive) is dropped: it has nothing left to say on this day.
 */
async function fillGaps(
  req: DeltaRequest,
  employments: Map<string, SdEmployment>,
  persons: Map<string, SdPerson>,
): Promise<void> {
  const { client, institution, asOf } = req;
  const stale = [...employments.values()].filter((e) => ranOut(e, asOf));
  await Promise.all(
    stale.map(async (e) => {
      const key = employmentKey(e.id, e.cpr);
      const fresh = await client.employments(institution, asOf, {
        employmentId: e.id,
        cpr: e.cpr,
        passive: true,
      });
      const match = fresh.find((f) => f.id === e.id && f.cpr === e.cpr);
      if (match === undefined) employments.delete(key);
      else layPeriods(employments, match);
    }),
  );
  // A hire starting later is known without their person: GetPerson lists them from their first day.
  const unknown = new Set<string>();
  for (const e of employments.values()) {
    if (!persons.has(e.cpr) && periodOn(e.timelines.status, asOf) !== undefined) unknown.add(e.cpr);
  }
  await Promise.all(
    [...unknown].map(async (cpr) => {
      const found = await client.persons(institution, asOf, { cpr, passive: true });
      for (const p of found) persons.set(p.cpr, mergePerson(persons.get(p.cpr), p));
    }),
  );
}

/**
 * Known periods say nothing about the day: no status on it and none later (a hire not yet
 * started is known, not stale), or a status but no placement (a change listed only its status).
 */
function ranOut(e: SdEmployment, day: string): boolean {
  if (periodOn(e.timelines.status, day) === undefined) return !e.timelines.status.some((p) => p.from > day);
  return periodOn(e.timelines.department, day) === undefined;
}

/** Employments that have ended for good (left or deleted up to the open end) are forgotten. */
function prune(employments: Map<string, SdEmployment>, day: string, codes: StatusCodes): void {
  const gone = new Set([...codes.left, ...codes.deleted]);
  for (const [key, e] of employments) {
    const status = periodOn(e.timelines.status, day);
    if (status !== undefined && gone.has(status.value) && status.to === OPEN_END) employments.delete(key);
  }
}
