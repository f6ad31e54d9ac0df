/**
 * A generated municipality (src/generate) as SD Løn would hold it, so the SD connector can be
 * tested against the same data the OPUS reader sees. The rules are fixed (a test compares
 * the two readings), in short:
 *   - every OPUS unit is an NY*-niveau department (root NY6, one level down per depth);
 *   - staff sit on Afdelings-niveau payroll departments under their unit: `A<unit>` for
 *     everyone but managers, `L<unit>` (named `<unit>_leder`) for managers, the common
 *     convention PROTOCOL.md "Quirks" describes;
 *   - each current employment has a status, department, profession and working-time timeline.
 * `advanceMunicipality` records the next day's differences as registrations, so the
 * changed-at operations have something real to report.
 */
import type { GenEmployment, GenUnit, Municipality } from '../../../src/generate/model.js';
import { isValidIsoDate } from '../../../src/model/dates.js';
import {
  employmentKey,
  OPEN_END,
  type Period,
  type SdContact,
  type SdDepartmentRef,
  TIMELINE_PARTS,
  type TimelinePart,
} from '../model.js';
import { dayAfter } from '../periods.js';
import {
  ACTIVE_STATUSES,
  type PartValue,
  type PersonInit,
  type SdInstitution,
  type SdStore,
  type StoredDepartment,
  type StoredPerson,
  simulatorUuid,
  type TimelinesInit,
} from './store.js';

export interface RenderOptions {
  /** The institution's identifier (two letters in SD, e.g. `AB`). */
  institution: string;
  /** Default: a deterministic UUID of the identifier. */
  institutionUuid?: string;
  /** When the data counts as registered (what GetEmploymentChangedAtDate compares with). */
  registeredAt: Date;
}

export const AFDELINGS_NIVEAU = 'Afdelings-niveau';

/** Fills (or refills, from scratch) one institution from a generated municipality. */
export function renderMunicipality(store: SdStore, m: Municipality, opts: RenderOptions): SdInstitution {
  const known = store.institution(opts.institution);
  if (known && opts.institutionUuid !== undefined && known.uuid !== opts.institutionUuid)
    throw new Error(`institution ${opts.institution} already exists with another uuid`);
  const inst = store.addInstitution({
    identifier: opts.institution,
    ...(opts.institutionUuid === undefined ? {} : { uuid: opts.institutionUuid }),
  });
  store.clearInstitution(inst.identifier);
  const current = currentEmployments(m);
  store.setDepartments(inst.identifier, departmentsOf(m, inst, current));
  const rendered = renderEmployments(current, inst.identifier);
  for (const person of personsOf(rendered)) store.registerPerson(inst.identifier, person, opts.registeredAt);
  for (const { e, timelines } of rendered) {
    store.registerEmployment(
      inst.identifier,
      { id: e.id, cpr: e.cpr, employmentDate: e.entryDate, timelines },
      opts.registeredAt,
    );
  }
  return inst;
}

/**
 * Records the next day's municipality as registrations at `registeredAt`: only what differs
 * from the store from `next.asOf` on, as SD would register a change from the day it takes
 * effect. Departments are replaced outright.
 */
export function advanceMunicipality(
  store: SdStore,
  institution: string,
  next: Municipality,
  registeredAt: Date,
): void {
  const inst = store.require(institution);
  const d = next.asOf;
  const current = currentEmployments(next);
  store.setDepartments(institution, departmentsOf(next, inst, current));

  const rendered = renderEmployments(current, institution);
  const wanted = new Set<string>();
  for (const { e, timelines: desired } of rendered) {
    wanted.add(employmentKey(e.id, e.cpr));
    const stored = store.employment(institution, e.id, e.cpr);
    if (!stored) {
      store.registerEmployment(
        institution,
        { id: e.id, cpr: e.cpr, employmentDate: e.entryDate, timelines: desired },
        registeredAt,
      );
      continue;
    }
    if (stored.employmentDate !== e.entryDate)
      store.registerEmployment(
        institution,
        { id: e.id, cpr: e.cpr, employmentDate: e.entryDate },
        registeredAt,
      );
    for (const part of TIMELINE_PARTS)
      registerIfChanged(store, institution, e, part, desired, d, registeredAt);
  }

  // Gone from the file, or a bare leave record: the employment ended yesterday at the latest.
  for (const [key, stored] of inst.employments) {
    if (wanted.has(key)) continue;
    const status = store.statusOn(stored, d);
    if (status !== undefined && ACTIVE_STATUSES.has(status))
      store.registerPeriods(
        institution,
        stored.id,
        stored.cpr,
        'status',
        [{ from: d, to: OPEN_END, value: '8' }],
        registeredAt,
      );
  }

  for (const person of personsOf(rendered)) {
    const stored = inst.persons.get(person.cpr);
    if (!stored || !samePerson(stored, person)) store.registerPerson(institution, person, registeredAt);
  }
}

function registerIfChanged<P extends TimelinePart>(
  store: SdStore,
  institution: string,
  e: GenEmployment,
  part: P,
  desired: TimelinesInit,
  d: string,
  registeredAt: Date,
): void {
  const stored = store.employment(institution, e.id, e.cpr)!;
  const want = clipFrom(desired[part] ?? [], d);
  const have = clipFrom(stored.timelines[part] as readonly Period<PartValue<P>>[], d);
  if (samePeriods(have, want)) return;
  // Nothing to say from `d` on (e.g. no usable working time any more): SD cannot register
  // "no value", so the old periods stay.
  if (want.length === 0) return;
  store.registerPeriods(institution, e.id, e.cpr, part, want, registeredAt);
}

/** The periods from day `d` on, the first one starting no earlier than `d`. */
function clipFrom<V>(periods: readonly Period<V>[], d: string): Period<V>[] {
  const out: Period<V>[] = [];
  for (const p of periods)
    if (p.to >= d) out.push({ from: p.from < d ? d : p.from, to: p.to, value: p.value });
  return out;
}

function samePeriods<V>(a: readonly Period<V>[], b: readonly Period<V>[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.from !== y.from || x.to !== y.to || !sameValue(x.value, y.value)) return false;
  }
  return true;
}

/** Part values are strings or flat records of strings. */
function sameValue(a: unknown, b: unknown): boolean {
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return a === b;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  const keys = Object.keys(x);
  return keys.length === Object.keys(y).length && keys.every((k) => x[k] === y[k]);
}

function samePerson(a: StoredPerson, b: RenderedPerson): boolean {
  if (a.givenName !== b.givenName || a.surname !== b.surname) return false;
  const bc = b.employmentContacts;
  if (a.employmentContacts.size !== bc.size) return false;
  for (const [id, c] of a.employmentContacts) {
    const o = bc.get(id);
    if (!o || !sameList(c.phones, o.phones) || !sameList(c.emails, o.emails)) return false;
  }
  return true;
}

const sameList = (a: readonly string[], b: readonly string[]): boolean =>
  a.length === b.length && a.every((v, i) => v === b[i]);

// --- the mapping rules --------------------------------------------------------------------------

/** OPUS leave records only say "this ended": they are not employments SD holds. */
const currentEmployments = (m: Municipality): GenEmployment[] =>
  m.employees.filter((e) => e.action !== 'leave');

/** Trimmed text, undefined when empty (as the OPUS reader takes fields). */
const text = (v: string | null | undefined): string | undefined => {
  const t = v?.trim();
  return t ? t : undefined;
};

const departmentUuid = (institution: string, identifier: string): string =>
  simulatorUuid(`${institution}/${identifier}`);

/** The Afdelings-niveau department an employment is paid from. */
function payrollDepartment(e: GenEmployment, institution: string): SdDepartmentRef {
  const identifier = `${e.isManager ? 'L' : 'A'}${e.orgUnit}`;
  return { identifier, uuid: departmentUuid(institution, identifier) };
}

/** NY6 for the root, one step down per level, never below NY0. */
const levelOf = (depth: number): string => `NY${Math.max(0, 7 - depth)}-niveau`;

/** The departments of one day: the units, and the payroll departments their staff need. */
function departmentsOf(m: Municipality, inst: SdInstitution, current: GenEmployment[]): StoredDepartment[] {
  const byId = new Map<string, GenUnit>();
  for (const u of m.units) byId.set(u.id, u);
  const staffed = new Set<string>();
  const managed = new Set<string>();
  for (const e of current) (e.isManager ? managed : staffed).add(e.orgUnit);
  const depths = unitDepths(m.units, byId);

  const out: StoredDepartment[] = [];
  for (const u of m.units) {
    const uuid = departmentUuid(inst.identifier, u.id);
    const name = text(u.longName) ?? text(u.shortName) ?? u.id;
    const parent = u.parentOrgUnit === null ? undefined : byId.get(u.parentOrgUnit);
    const activationDate = u.startDate;
    const deactivationDate = text(u.endDate) ?? OPEN_END;
    const street = text(u.street);
    const postalCode = text(u.zipCode);
    const city = text(u.city);
    const pNr = text(u.pNr);
    const phone = text(u.phoneNumber);
    out.push({
      identifier: u.id,
      uuid,
      level: levelOf(depths.get(u.id) ?? 1),
      name,
      activationDate,
      deactivationDate,
      ...(street || postalCode || city
        ? {
            address: {
              ...(street ? { street } : {}),
              ...(postalCode ? { postalCode } : {}),
              ...(city ? { city } : {}),
            },
          }
        : {}),
      ...(pNr ? { productionUnit: pNr } : {}),
      ...(phone ? { phones: [phone] } : {}),
      parentUuid: parent ? departmentUuid(inst.identifier, parent.id) : inst.uuid,
    });
    const payroll = (identifier: string, depName: string): StoredDepartment => ({
      identifier,
      uuid: departmentUuid(inst.identifier, identifier),
      level: AFDELINGS_NIVEAU,
      name: depName,
      activationDate,
      deactivationDate,
      parentUuid: uuid,
    });
    if (staffed.has(u.id)) out.push(payroll(`A${u.id}`, name));
    if (managed.has(u.id)) out.push(payroll(`L${u.id}`, `${name}_leder`));
  }
  return out;
}

/** Depth of every unit, root = 1; a unit whose parent is unknown counts as a root. Iterative. */
function unitDepths(units: readonly GenUnit[], byId: Map<string, GenUnit>): Map<string, number> {
  const depth = new Map<string, number>();
  for (const u of units) {
    const chain: GenUnit[] = [];
    const seen = new Set<string>();
    let base = 0;
    for (let cur: GenUnit | undefined = u; cur; ) {
      const known = depth.get(cur.id);
      if (known !== undefined) {
        base = known;
        break;
      }
      if (seen.has(cur.id)) throw new Error(`unit hierarchy has a cycle at ${cur.id}`);
      seen.add(cur.id);
      chain.push(cur);
      cur = cur.parentOrgUnit === null ? undefined : byId.get(cur.parentOrgUnit);
    }
    for (let i = chain.length - 1; i >= 0; i--) depth.set(chain[i]!.id, ++base);
  }
  return depth;
}

interface Rendered {
  e: GenEmployment;
  timelines: TimelinesInit;
}

type RenderedPerson = PersonInit & { employmentContacts: Map<string, SdContact> };

/** The employments SD holds, with their timelines, in the file's order. */
function renderEmployments(current: readonly GenEmployment[], institution: string): Rendered[] {
  const out: Rendered[] = [];
  for (const e of current) {
    const timelines = desiredTimelines(e, institution);
    if (timelines) out.push({ e, timelines });
  }
  return out;
}

/**
 * The timelines SD would hold for an employment; undefined when OPUS's record is one the
 * OPUS reader refuses too (no usable entry date, or a leave date before it).
 */
function desiredTimelines(e: GenEmployment, institution: string): TimelinesInit | undefined {
  const from = e.entryDate;
  if (!isValidIsoDate(from)) return undefined;
  const leave = text(e.leaveDate);
  const last = leave === undefined || leave === OPEN_END ? undefined : leave;
  if (last !== undefined && (!isValidIsoDate(last) || last < from)) return undefined;

  const status: Period<string>[] = [{ from, to: last ?? OPEN_END, value: '1' }];
  if (last !== undefined) status.push({ from: dayAfter(last), to: OPEN_END, value: '8' });
  const timelines: TimelinesInit = {
    status,
    department: [{ from, to: OPEN_END, value: payrollDepartment(e, institution) }],
    profession: [{ from, to: OPEN_END, value: { jobPositionId: e.positionId, name: e.position } }],
  };
  const rate = Number(e.numerator.trim()) / Number(e.denominator.trim());
  if (Number.isFinite(rate) && rate > 0)
    timelines.workingTime = [{ from, to: OPEN_END, value: rate.toFixed(4) }];
  return timelines;
}

/** Person data per CPR: names from the lowest employment number (as the OPUS reader), a contact per employment. */
function personsOf(rendered: readonly Rendered[]): RenderedPerson[] {
  const persons = new Map<string, { init: RenderedPerson; rank: number; id: string }>();
  for (const { e } of rendered) {
    const phone = text(e.workPhone);
    const email = text(e.email);
    const contact: SdContact = { phones: phone ? [phone] : [], emails: email ? [email] : [] };
    const rank = idRank(e.id);
    const known = persons.get(e.cpr);
    if (!known) {
      persons.set(e.cpr, {
        init: {
          cpr: e.cpr,
          givenName: e.firstName.trim(),
          surname: e.lastName.trim(),
          employmentContacts: new Map([[e.id, contact]]),
        },
        rank,
        id: e.id,
      });
      continue;
    }
    known.init.employmentContacts.set(e.id, contact);
    if (rank < known.rank || (rank === known.rank && e.id < known.id)) {
      known.init.givenName = e.firstName.trim();
      known.init.surname = e.lastName.trim();
      known.rank = rank;
      known.id = e.id;
    }
  }
  return [...persons.values()].map((p) => p.init);
}

/** Employment numbers are numeric strings; compare them as numbers ("99" < "100"). */
function idRank(id: string): number {
  const n = Number(id);
  return Number.isFinite(n) ? n : Number.POSITIVE_INFINITY;
}
