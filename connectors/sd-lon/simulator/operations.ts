/**
 * The eight SD Løn operations of PROTOCOL.md over the store. Each checks its parameters
 * strictly first (the real service refuses what it does not know, and a lenient simulator
 * would hide a client's typo until production), then selects its data eagerly, so that the
 * answer describes one moment even if the store changes while a big answer is streamed, and
 * returns the XML as an iterable of pieces for the server to stream.
 *
 * Fault messages name parameters, never their values when those could be CPR numbers.
 */
import { isValidIsoDate } from '../../../src/model/dates.js';
import { type Period, TIMELINE_PARTS, type TimelinePart } from '../model.js';
import { overlapping, periodOn } from '../periods.js';
import {
  ACTIVE_STATUSES,
  PASSIVE_STATUSES,
  type Registered,
  type SdInstitution,
  type SdStore,
  type StoredDepartment,
  type StoredEmployment,
  type StoredTimelines,
} from './store.js';
import {
  answerClose,
  answerOpen,
  copenhagenLocal,
  type DepartmentOptions,
  departmentReferenceXml,
  departmentXml,
  type EmploymentParts,
  employmentPersonOpen,
  employmentXml,
  institutionXml,
  leaf,
  organizationStructureXml,
  PERSON_CLOSE,
  personXml,
} from './xml.js';

export const OPERATION_NAMES = [
  'GetDepartment20111201',
  'GetOrganization20111201',
  'GetDepartmentParent20190701',
  'GetPerson20111201',
  'GetEmployment20111201',
  'GetEmploymentChanged20111201',
  'GetEmploymentChangedAtDate20111201',
  'GetPersonChangedAtDate20111201',
] as const;
export type OperationName = (typeof OPERATION_NAMES)[number];

export const isOperation = (name: string): name is OperationName =>
  (OPERATION_NAMES as readonly string[]).includes(name);

export interface OperationContext {
  store: SdStore;
  /** The answer's creationDateTime. */
  now: Date;
}

/** An answer to stream, or a Fault (HTTP 500) with SD's message. */
export type OperationResult = { ok: true; chunks: Iterable<string> } | { ok: false; message: string };

export const NOT_FOUND_INSTITUTION = 'The stated institution does not exist';
export const NOT_FOUND_DEPARTMENT = 'The stated department does not exist';

/** Runs an operation; a thrown RequestFault becomes a Fault answer. */
export function runOperation(
  name: OperationName,
  params: URLSearchParams,
  ctx: OperationContext,
): OperationResult {
  try {
    const args = parseParams(name, params);
    return { ok: true, chunks: HANDLERS[name](args, ctx) };
  } catch (e) {
    if (e instanceof RequestFault) return { ok: false, message: e.message };
    throw e;
  }
}

/** A refusal of the request: the message goes into the Fault as it is. */
export class RequestFault extends Error {}

// --- parameters ---------------------------------------------------------------------------------

type ParamType = 'text' | 'date' | 'time' | 'boolean' | 'cpr';
interface ParamSpec {
  type: ParamType;
  required?: boolean;
}
type Spec = Record<string, ParamSpec>;

const req = (type: ParamType): ParamSpec => ({ type, required: true });
const opt = (type: ParamType): ParamSpec => ({ type });

/** InstitutionIdentifier or InstitutionUUIDIdentifier: exactly one (checked in parseParams). */
const INSTITUTION: Spec = { InstitutionIdentifier: opt('text'), InstitutionUUIDIdentifier: opt('text') };
const PART_INDICATORS: Spec = {
  DepartmentIndicator: opt('boolean'),
  EmploymentStatusIndicator: opt('boolean'),
  ProfessionIndicator: opt('boolean'),
  WorkingTimeIndicator: opt('boolean'),
  UUIDIndicator: opt('boolean'),
  SalaryAgreementIndicator: opt('boolean'),
  SalaryCodeGroupIndicator: opt('boolean'),
};
const WINDOW: Spec = { ActivationDate: req('date'), DeactivationDate: req('date') };
const TIMED_WINDOW: Spec = {
  ActivationDate: req('date'),
  ActivationTime: req('time'),
  DeactivationDate: req('date'),
  DeactivationTime: req('time'),
};

const SPECS: Record<OperationName, Spec> = {
  GetDepartment20111201: {
    ...INSTITUTION,
    ...WINDOW,
    DepartmentIdentifier: opt('text'),
    DepartmentUUIDIdentifier: opt('text'),
    DepartmentNameIndicator: opt('boolean'),
    PostalAddressIndicator: opt('boolean'),
    ContactInformationIndicator: opt('boolean'),
    ProductionUnitIndicator: opt('boolean'),
    UUIDIndicator: opt('boolean'),
  },
  GetOrganization20111201: { ...INSTITUTION, ...WINDOW, UUIDIndicator: opt('boolean') },
  GetDepartmentParent20190701: { EffectiveDate: req('date'), DepartmentUUIDIdentifier: req('text') },
  GetPerson20111201: {
    ...INSTITUTION,
    EffectiveDate: req('date'),
    PersonCivilRegistrationIdentifier: opt('cpr'),
    EmploymentIdentifier: opt('text'),
    StatusActiveIndicator: opt('boolean'),
    StatusPassiveIndicator: opt('boolean'),
    ContactInformationIndicator: opt('boolean'),
    PostalAddressIndicator: opt('boolean'),
  },
  GetEmployment20111201: {
    ...INSTITUTION,
    EffectiveDate: req('date'),
    PersonCivilRegistrationIdentifier: opt('cpr'),
    EmploymentIdentifier: opt('text'),
    DepartmentIdentifier: opt('text'),
    StatusActiveIndicator: opt('boolean'),
    StatusPassiveIndicator: opt('boolean'),
    ...PART_INDICATORS,
  },
  GetEmploymentChanged20111201: {
    ...INSTITUTION,
    ...WINDOW,
    PersonCivilRegistrationIdentifier: opt('cpr'),
    EmploymentIdentifier: opt('text'),
    ...PART_INDICATORS,
  },
  GetEmploymentChangedAtDate20111201: {
    ...INSTITUTION,
    ...TIMED_WINDOW,
    // Not in PROTOCOL.md's list, but the real service has them; accepting them costs nothing.
    PersonCivilRegistrationIdentifier: opt('cpr'),
    EmploymentIdentifier: opt('text'),
    ...PART_INDICATORS,
    FutureInformationIndicator: opt('boolean'),
  },
  GetPersonChangedAtDate20111201: {
    ...INSTITUTION,
    ...TIMED_WINDOW,
    ContactInformationIndicator: opt('boolean'),
    PostalAddressIndicator: opt('boolean'),
  },
};

/** The checked parameters: dates as ISO, times as HH:MM, booleans as booleans. */
class Args {
  constructor(
    private readonly values: Map<string, string | boolean>,
    /** The parameters as given, in the operation's order: the RequestStructure echo. */
    readonly echo: [string, string][],
  ) {}
  text(name: string): string | undefined {
    const v = this.values.get(name);
    return typeof v === 'string' ? v : undefined;
  }
  /** A required parameter: parseParams has made sure it is there. */
  must(name: string): string {
    const v = this.text(name);
    if (v === undefined) throw new Error(`parameter ${name} missing after validation`);
    return v;
  }
  flag(name: string): boolean {
    return this.values.get(name) === true;
  }
}

const DATE = /^(\d{2})\.(\d{2})\.(\d{4})$/;
const TIME = /^(\d{2}):(\d{2})(?::(\d{2}))?$/;

function parseParams(operation: OperationName, params: URLSearchParams): Args {
  const spec = SPECS[operation];
  const given = new Map<string, string>();
  for (const [name, value] of params) {
    if (!Object.hasOwn(spec, name)) throw new RequestFault(`Unknown parameter ${name} for ${operation}`);
    if (given.has(name)) throw new RequestFault(`Parameter ${name} is given more than once`);
    given.set(name, value);
  }
  const values = new Map<string, string | boolean>();
  const echo: [string, string][] = [];
  for (const [name, p] of Object.entries(spec)) {
    const raw = given.get(name);
    if (raw === undefined) {
      if (p.required) throw new RequestFault(`Parameter ${name} is required`);
      continue;
    }
    values.set(name, convert(name, p.type, raw));
    echo.push([name, raw]);
  }
  if ('InstitutionIdentifier' in spec) {
    const byId = values.has('InstitutionIdentifier');
    const byUuid = values.has('InstitutionUUIDIdentifier');
    if (byId && byUuid)
      throw new RequestFault(
        'Parameters InstitutionIdentifier and InstitutionUUIDIdentifier exclude each other: give one',
      );
    if (!byId && !byUuid) throw new RequestFault('Parameter InstitutionIdentifier is required');
  }
  if (values.has('DepartmentIdentifier') && values.has('DepartmentUUIDIdentifier'))
    throw new RequestFault('Parameters DepartmentIdentifier and DepartmentUUIDIdentifier exclude each other');
  const from = values.get('ActivationDate');
  const to = values.get('DeactivationDate');
  if (typeof from === 'string' && typeof to === 'string') {
    const start = `${from}T${values.get('ActivationTime') ?? '00:00'}`;
    const end = `${to}T${values.get('DeactivationTime') ?? '23:59'}`;
    if (end < start) throw new RequestFault('Parameter DeactivationDate is before ActivationDate');
  }
  return new Args(values, echo);
}

function convert(name: string, type: ParamType, raw: string): string | boolean {
  switch (type) {
    case 'text':
      if (raw.trim() === '') throw new RequestFault(`Parameter ${name} is empty`);
      return raw;
    case 'cpr':
      // The value is a CPR number: never quoted back.
      if (!/^\d{10}$/.test(raw)) throw new RequestFault(`Parameter ${name} must be 10 digits`);
      return raw;
    case 'boolean':
      if (raw === 'true') return true;
      if (raw === 'false') return false;
      throw new RequestFault(`Parameter ${name} must be true or false, got '${raw.slice(0, 20)}'`);
    case 'date': {
      const m = DATE.exec(raw);
      const iso = m ? `${m[3]}-${m[2]}-${m[1]}` : '';
      if (!isValidIsoDate(iso))
        throw new RequestFault(`Parameter ${name} must be a date dd.mm.yyyy, got '${raw.slice(0, 20)}'`);
      return iso;
    }
    case 'time': {
      const m = TIME.exec(raw);
      if (!m || Number(m[1]) > 23 || Number(m[2]) > 59 || Number(m[3] ?? 0) > 59)
        throw new RequestFault(
          `Parameter ${name} must be a time hh:mm or hh:mm:ss, got '${raw.slice(0, 20)}'`,
        );
      // Minute resolution (PROTOCOL.md): seconds are dropped.
      return `${m[1]}:${m[2]}`;
    }
  }
}

function institutionOf(args: Args, store: SdStore): SdInstitution {
  const id = args.text('InstitutionIdentifier');
  const inst =
    id !== undefined
      ? store.institution(id)
      : store.institutionByUuid(args.must('InstitutionUUIDIdentifier'));
  if (!inst) throw new RequestFault(NOT_FOUND_INSTITUTION);
  return inst;
}

// --- the operations -----------------------------------------------------------------------------

type Handler = (args: Args, ctx: OperationContext) => Iterable<string>;

const HANDLERS: Record<OperationName, Handler> = {
  GetDepartment20111201: getDepartment,
  GetOrganization20111201: getOrganization,
  GetDepartmentParent20190701: getDepartmentParent,
  GetPerson20111201: getPerson,
  GetEmployment20111201: getEmployment,
  GetEmploymentChanged20111201: getEmploymentChanged,
  GetEmploymentChangedAtDate20111201: getEmploymentChangedAtDate,
  GetPersonChangedAtDate20111201: getPersonChangedAtDate,
};

/** Opening, the pieces, closing: what the server streams. */
function* answer(name: OperationName, args: Args, ctx: OperationContext, ...body: Iterable<string>[]) {
  yield answerOpen(name, ctx.now, args.echo);
  for (const part of body) yield* part;
  yield answerClose(name);
}

const activeIn = (
  d: { activationDate: string; deactivationDate: string },
  from: string,
  to: string,
): boolean => d.activationDate <= to && d.deactivationDate >= from;

function getDepartment(args: Args, ctx: OperationContext): Iterable<string> {
  const inst = institutionOf(args, ctx.store);
  if (args.flag('ProductionUnitIndicator') && !args.flag('PostalAddressIndicator'))
    throw new RequestFault('Parameter ProductionUnitIndicator needs PostalAddressIndicator');
  const from = args.must('ActivationDate');
  const to = args.must('DeactivationDate');
  let candidates: readonly StoredDepartment[] = inst.departments;
  const byId = args.text('DepartmentIdentifier');
  const byUuid = args.text('DepartmentUUIDIdentifier');
  if (byId !== undefined || byUuid !== undefined) {
    const one =
      byId !== undefined ? inst.departmentsByIdentifier.get(byId) : inst.departmentsByUuid.get(byUuid!);
    if (!one) throw new RequestFault(NOT_FOUND_DEPARTMENT);
    candidates = [one];
  }
  const listed = candidates.filter((d) => activeIn(d, from, to));
  const o: DepartmentOptions = {
    uuid: args.flag('UUIDIndicator'),
    name: args.flag('DepartmentNameIndicator'),
    postalAddress: args.flag('PostalAddressIndicator'),
    productionUnit: args.flag('ProductionUnitIndicator'),
    contact: args.flag('ContactInformationIndicator'),
  };
  const head = institutionXml(inst);
  return answer(
    'GetDepartment20111201',
    args,
    ctx,
    [head],
    lazyMap(listed, (d) => departmentXml(d, o)),
  );
}

/** NY levels by number, then Afdelings-niveau first: the leaf-first order of OrganizationStructure. */
function levelRank(level: string): number {
  if (level === 'Afdelings-niveau') return -1;
  const m = /^NY(\d+)-niveau$/.exec(level);
  return m ? Number(m[1]) : 1000;
}

function getOrganization(args: Args, ctx: OperationContext): Iterable<string> {
  const inst = institutionOf(args, ctx.store);
  const from = args.must('ActivationDate');
  const to = args.must('DeactivationDate');
  const uuid = args.flag('UUIDIndicator');
  const chains: StoredDepartment[][] = [];
  for (const d of inst.departments) {
    if (d.level !== 'Afdelings-niveau' || !activeIn(d, from, to)) continue;
    // Leaf first, then each parent up to the root; `seen` stops a (hand-made) cycle.
    const chain = [d];
    const seen = new Set([d.uuid]);
    for (let p = inst.departmentsByUuid.get(d.parentUuid); p && !seen.has(p.uuid); ) {
      chain.push(p);
      seen.add(p.uuid);
      p = inst.departmentsByUuid.get(p.parentUuid);
    }
    chains.push(chain);
  }
  const levels = [...new Set(inst.departments.map((d) => d.level))].sort(
    (a, b) => levelRank(a) - levelRank(b) || (a < b ? -1 : a > b ? 1 : 0),
  );
  const head =
    institutionXml(inst) +
    leaf('DepartmentStructureName', inst.identifier) +
    organizationStructureXml(levels) +
    '<Organization>' +
    leaf('ActivationDate', from) +
    leaf('DeactivationDate', to);
  return answer(
    'GetOrganization20111201',
    args,
    ctx,
    [head],
    lazyMap(chains, (c) => departmentReferenceXml(c, uuid)),
    ['</Organization>'],
  );
}

function getDepartmentParent(args: Args, ctx: OperationContext): Iterable<string> {
  const found = ctx.store.departmentByUuid(args.must('DepartmentUUIDIdentifier'));
  // SD's quirk: before its activation date a department "does not exist" (PROTOCOL.md).
  if (!found || args.must('EffectiveDate') < found.department.activationDate)
    throw new RequestFault(NOT_FOUND_DEPARTMENT);
  const parent = `<DepartmentParent>${leaf('DepartmentUUIDIdentifier', found.department.parentUuid)}</DepartmentParent>`;
  return answer('GetDepartmentParent20190701', args, ctx, [parent]);
}

// --- persons and employments ----------------------------------------------------------------------

/** The employments to look at, grouped by person, narrowed by the optional CPR and employment filters. */
function employmentsByPerson(inst: SdInstitution, args: Args): [string, StoredEmployment[]][] {
  const cpr = args.text('PersonCivilRegistrationIdentifier');
  const id = args.text('EmploymentIdentifier');
  const groups: [string, StoredEmployment[]][] =
    cpr === undefined
      ? [...inst.employmentsByCpr]
      : inst.employmentsByCpr.has(cpr)
        ? [[cpr, inst.employmentsByCpr.get(cpr)!]]
        : [];
  if (id === undefined) return groups;
  const out: [string, StoredEmployment[]][] = [];
  for (const [c, list] of groups) {
    const kept = list.filter((e) => e.id === id);
    if (kept.length) out.push([c, kept]);
  }
  return out;
}

function statusFilter(args: Args): (status: string | undefined) => boolean {
  const active = args.flag('StatusActiveIndicator');
  const passive = args.flag('StatusPassiveIndicator');
  return (s) =>
    s !== undefined && ((active && ACTIVE_STATUSES.has(s)) || (passive && PASSIVE_STATUSES.has(s)));
}

function getPerson(args: Args, ctx: OperationContext): Iterable<string> {
  const inst = institutionOf(args, ctx.store);
  const day = args.must('EffectiveDate');
  const listedStatus = statusFilter(args);
  const contact = args.flag('ContactInformationIndicator');
  const persons: { cpr: string; employments: StoredEmployment[] }[] = [];
  for (const [cpr, list] of employmentsByPerson(inst, args)) {
    const employments = list.filter((e) => listedStatus(periodOn(e.timelines.status, day)?.value));
    if (employments.length) persons.push({ cpr, employments });
  }
  return answer(
    'GetPerson20111201',
    args,
    ctx,
    lazyMap(persons, (p) => personOut(inst, p.cpr, p.employments, contact)),
  );
}

function personOut(
  inst: SdInstitution,
  cpr: string,
  employments: readonly { id: string }[],
  contact: boolean,
): string {
  const person = inst.persons.get(cpr);
  return personXml(
    { cpr, ...(person ? { givenName: person.givenName, surname: person.surname } : {}) },
    employments.map((e) => {
      const c = contact ? person?.employmentContacts.get(e.id) : undefined;
      return c ? { id: e.id, contact: c } : { id: e.id };
    }),
  );
}

/** Which parts an employment answer carries (the indicators), and how. */
interface PartChoice {
  parts: TimelinePart[];
  uuid: boolean;
}

function partChoice(args: Args): PartChoice {
  const indicator: Record<TimelinePart, string> = {
    status: 'EmploymentStatusIndicator',
    department: 'DepartmentIndicator',
    profession: 'ProfessionIndicator',
    workingTime: 'WorkingTimeIndicator',
  };
  return { parts: TIMELINE_PARTS.filter((p) => args.flag(indicator[p])), uuid: args.flag('UUIDIndicator') };
}

/** One employment chosen for an answer, with the periods of each asked part. */
interface Selected {
  employment: StoredEmployment;
  parts: EmploymentParts;
}

/** Persons with their chosen employments, written lazily: Person, Employment*, /Person. */
function* employmentAnswerBody(
  persons: readonly { cpr: string; selected: Selected[] }[],
  uuid: boolean,
  changedAt: boolean,
): Generator<string> {
  const o = { uuid, changedAt };
  for (const p of persons) {
    let x = employmentPersonOpen(p.cpr);
    for (const s of p.selected) x += employmentXml(s.employment, s.parts, o);
    yield x + PERSON_CLOSE;
  }
}

/** Picks, per asked part, the periods `pick` keeps. */
function partsOf(
  t: StoredTimelines,
  parts: readonly TimelinePart[],
  pick: <V>(periods: readonly Registered<V>[]) => Registered<V>[],
): EmploymentParts {
  const out: EmploymentParts = {};
  for (const part of parts)
    (out as Record<TimelinePart, unknown>)[part] = pick(t[part] as Registered<unknown>[]);
  return out;
}

function getEmployment(args: Args, ctx: OperationContext): Iterable<string> {
  const inst = institutionOf(args, ctx.store);
  const day = args.must('EffectiveDate');
  const listedStatus = statusFilter(args);
  const department = args.text('DepartmentIdentifier');
  const choice = partChoice(args);
  const pick = <V>(periods: readonly Registered<V>[]): Registered<V>[] => {
    // periods.ts is typed on plain periods; these are the store's, registeredAt included.
    const p = periodOn(periods, day) as Registered<V> | undefined;
    return p ? [p] : [];
  };
  const persons: { cpr: string; selected: Selected[] }[] = [];
  for (const [cpr, list] of employmentsByPerson(inst, args)) {
    const selected: Selected[] = [];
    for (const e of list) {
      if (!listedStatus(periodOn(e.timelines.status, day)?.value)) continue;
      if (department !== undefined && periodOn(e.timelines.department, day)?.value.identifier !== department)
        continue;
      selected.push({ employment: e, parts: partsOf(e.timelines, choice.parts, pick) });
    }
    if (selected.length) persons.push({ cpr, selected });
  }
  return answer('GetEmployment20111201', args, ctx, employmentAnswerBody(persons, choice.uuid, false));
}

function getEmploymentChanged(args: Args, ctx: OperationContext): Iterable<string> {
  const inst = institutionOf(args, ctx.store);
  const from = args.must('ActivationDate');
  const to = args.must('DeactivationDate');
  const choice = partChoice(args);
  const pick = <V>(periods: readonly Registered<V>[]): Registered<V>[] =>
    overlapping(periods, from, to) as Registered<V>[];
  const startsInside = (p: Period<unknown>): boolean => p.from >= from && p.from <= to;
  const persons: { cpr: string; selected: Selected[] }[] = [];
  for (const [cpr, list] of employmentsByPerson(inst, args)) {
    const selected: Selected[] = [];
    for (const e of list) {
      if (!TIMELINE_PARTS.some((part) => (e.timelines[part] as Period<unknown>[]).some(startsInside)))
        continue;
      selected.push({ employment: e, parts: partsOf(e.timelines, choice.parts, pick) });
    }
    if (selected.length) persons.push({ cpr, selected });
  }
  return answer('GetEmploymentChanged20111201', args, ctx, employmentAnswerBody(persons, choice.uuid, false));
}

/**
 * Whether an instant lies in a changed-at window: Copenhagen local time to the minute, both
 * ends inclusive (10:15:30 is inside a window ending 10:15). Memoised per instant, because
 * a render registers thousands of periods at the same moment.
 */
function registeredWithin(args: Args): (at: Date) => boolean {
  const start = `${args.must('ActivationDate')}T${args.must('ActivationTime')}`;
  const end = `${args.must('DeactivationDate')}T${args.must('DeactivationTime')}`;
  const memo = new Map<number, boolean>();
  return (at) => {
    const ms = at.getTime();
    let inside = memo.get(ms);
    if (inside === undefined) {
      const minute = copenhagenLocal(at).slice(0, 16);
      inside = start <= minute && minute <= end;
      memo.set(ms, inside);
    }
    return inside;
  };
}

function getEmploymentChangedAtDate(args: Args, ctx: OperationContext): Iterable<string> {
  const inst = institutionOf(args, ctx.store);
  const within = registeredWithin(args);
  const lastDay = args.must('DeactivationDate');
  const future = args.flag('FutureInformationIndicator');
  const choice = partChoice(args);
  const keep = (p: Registered<unknown>): boolean => within(p.registeredAt) && (future || p.from <= lastDay);
  const pick = <V>(periods: readonly Registered<V>[]): Registered<V>[] => periods.filter(keep);
  const persons: { cpr: string; selected: Selected[] }[] = [];
  for (const [cpr, list] of employmentsByPerson(inst, args)) {
    const selected: Selected[] = [];
    for (const e of list) {
      if (!TIMELINE_PARTS.some((part) => (e.timelines[part] as Registered<unknown>[]).some(keep))) continue;
      selected.push({ employment: e, parts: partsOf(e.timelines, choice.parts, pick) });
    }
    if (selected.length) persons.push({ cpr, selected });
  }
  return answer(
    'GetEmploymentChangedAtDate20111201',
    args,
    ctx,
    employmentAnswerBody(persons, choice.uuid, true),
  );
}

function getPersonChangedAtDate(args: Args, ctx: OperationContext): Iterable<string> {
  const inst = institutionOf(args, ctx.store);
  const within = registeredWithin(args);
  const contact = args.flag('ContactInformationIndicator');
  const persons: { cpr: string; ids: { id: string }[] }[] = [];
  for (const person of inst.persons.values()) {
    if (!person.registrations.some(within)) continue;
    // The person's employments as GetPerson would name them: deleted ones (status S last) are not.
    // A contact of an employment the store does not have (hand-made data) is still named.
    const ids = new Set<string>();
    const held = inst.employmentsByCpr.get(person.cpr) ?? [];
    for (const e of held) if (e.timelines.status.at(-1)?.value !== 'S') ids.add(e.id);
    for (const id of person.employmentContacts.keys()) if (!held.some((e) => e.id === id)) ids.add(id);
    persons.push({ cpr: person.cpr, ids: [...ids].map((id) => ({ id })) });
  }
  return answer(
    'GetPersonChangedAtDate20111201',
    args,
    ctx,
    lazyMap(persons, (p) => personOut(inst, p.cpr, p.ids, contact)),
  );
}

/** `items.map(f)`, one at a time as the server pulls: big answers are never one array of strings. */
function* lazyMap<T>(items: readonly T[], f: (item: T) => string): Generator<string> {
  for (const item of items) yield f(item);
}
