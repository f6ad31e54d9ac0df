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
import { isNotFound } from './errors.js';
import { employmentKey, OPEN_END, type SdEmployment, type SdPerson, TIMELINE_PARTS } from './model.js';
import { dayAfter, overlay, periodOn } from './periods.js';

/**
 * Clock differences between orgsync and SD must not open a gap between two windows, and the
 * window is sent in Copenhagen local time to the minute: in the hour repeated when summer time
 * ends, a shorter overlap could turn the window round, which SD refuses.
 */
export const WINDOW_OVERLAP_MS = 70 * 60_000;

/** Above this many persons to look up one by one, one GetPerson of everyone is cheaper. */
const PERSON_LOOKUPS_MAX = 200;

export interface DeltaRequest {
  client: SdClient;
  institution: string;
  asOf: string;
  /** When this read began (ISO timestamp). */
  readAt: string;
  /** Not modified: the result is a new cache. */
  cache: InstitutionCache;
  statusCodes: StatusCodes;
  /** Passive employments (7, 8, 9) are asked for too: a code among them counts as employed. */
  passive: boolean;
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
  // GetEmploymentChanged lists every part of what takes effect; changed-at only what changed.
  for (const e of takingEffect) layPeriods(employments, e, false);
  for (const e of registered) layPeriods(employments, e, true);
  for (const p of persons) people.set(p.cpr, mergePerson(people.get(p.cpr), p));

  prune(employments, asOf, req.statusCodes);
  await fillGaps(req, employments, people);
  return { asOf, readAt: req.readAt, fullReadAt: cache.fullReadAt, persons: people, employments };
}

/**
 * Lays an employment's listed periods over what is known of it. One not known before is taken
 * as listed; `partial` marks that only some of its parts may have been listed.
 */
export function layPeriods(
  employments: Map<string, SdEmployment>,
  incoming: SdEmployment,
  partial = false,
): void {
  const key = employmentKey(incoming.id, incoming.cpr);
  const known = employments.get(key);
  if (known === undefined) {
    employments.set(key, partial ? { ...incoming, partial: true } : incoming);
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
 * What the known periods cannot tell about the day is read on its own: an employment whose
 * status or placement runs out, or that is known only from a changed-at answer; a person not
 * read yet, or without the work contact of an employment that holds on the day. One that SD
 * no longer lists on the day (neither active nor passive, or "does not exist") is dropped: it
 * has nothing left to say on this day.
 */
async function fillGaps(
  req: DeltaRequest,
  employments: Map<string, SdEmployment>,
  persons: Map<string, SdPerson>,
): Promise<void> {
  const { client, institution, asOf } = req;
  const stale = [...employments.values()].filter(
    (e) => ranOut(e, asOf) || (e.partial === true && periodOn(e.timelines.status, asOf) !== undefined),
  );
  await Promise.all(
    stale.map(async (e) => {
      const key = employmentKey(e.id, e.cpr);
      const fresh = await listed(
        client.employments(institution, asOf, { employmentId: e.id, cpr: e.cpr, passive: true }),
      );
      const match = fresh.find((f) => f.id === e.id && f.cpr === e.cpr);
      if (match === undefined) {
        employments.delete(key);
        return;
      }
      layPeriods(employments, match);
      const now = employments.get(key)!;
      if (now.partial) employments.set(key, { ...now, partial: false });
    }),
  );
  // A hire starting later is known without their person: GetPerson lists them from their first day.
  const gone = new Set([...req.statusCodes.left, ...req.statusCodes.deleted]);
  const unknown = new Set<string>();
  for (const e of employments.values()) {
    const status = periodOn(e.timelines.status, asOf);
    if (status === undefined || gone.has(status.value)) continue;
    if (persons.get(e.cpr)?.employmentContacts.has(e.id) !== true) unknown.add(e.cpr);
  }
  if (unknown.size > PERSON_LOOKUPS_MAX) {
    const everyone = await client.persons(institution, asOf, { passive: req.passive });
    for (const p of everyone) if (unknown.has(p.cpr)) persons.set(p.cpr, mergePerson(persons.get(p.cpr), p));
    return;
  }
  await Promise.all(
    [...unknown].map(async (cpr) => {
      const found = await listed(client.persons(institution, asOf, { cpr, passive: true }));
      for (const p of found) persons.set(p.cpr, mergePerson(persons.get(p.cpr), p));
    }),
  );
}

/** SD may answer a narrowed lookup of something gone with "does not exist": that is "none". */
async function listed<T>(answer: Promise<T[]>): Promise<T[]> {
  try {
    return await answer;
  } catch (e) {
    if (isNotFound(e)) return [];
    throw e;
  }
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
