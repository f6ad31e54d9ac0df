/**
 * What the SD Løn simulator knows: institutions, each with its departments (as they are now:
 * SD serves no organisation history here), its persons and its employments. Employment parts
 * are timelines of dated periods, and every period remembers when it was registered, because
 * GetEmploymentChangedAtDate answers "what was registered between these two moments".
 *
 * Registrations go through `overlay` (../periods.ts), the same function the connector uses to
 * apply a changed-at answer to its cache: a new period cuts whatever held on its days, and the
 * cut pieces keep their old registration time, so both sides agree on what a full read gives.
 */
import { v5 as uuidv5 } from 'uuid';
import { isValidIsoDate } from '../../../src/model/dates.js';
import {
  employmentKey,
  OPEN_END,
  type Period,
  type SdContact,
  type SdDepartment,
  type SdPerson,
  type SdTimelines,
  TIMELINE_PARTS,
  type TimelinePart,
} from '../model.js';
import { overlay, periodOn } from '../periods.js';

/** Fixed namespace of the simulator's deterministic UUIDs (uuid v5): same names, same UUIDs. */
export const SIMULATOR_NAMESPACE = '2f0a9d64-5c1b-4e8a-9b7d-3c6e1f2a4b58';

/** A deterministic UUID for a name within the simulator (departments, institutions, regions). */
export const simulatorUuid = (name: string): string => uuidv5(name, SIMULATOR_NAMESPACE);

/** The value type of one timeline part: string for status and working time, records otherwise. */
export type PartValue<P extends TimelinePart> = SdTimelines[P][number]['value'];

/** A period as the store keeps it: with the moment it was registered. */
export type Registered<V> = Period<V> & { registeredAt: Date };

export type StoredTimelines = { [P in TimelinePart]: Registered<PartValue<P>>[] };

export interface StoredEmployment {
  id: string;
  cpr: string;
  /** EmploymentDate. */
  employmentDate?: string;
  timelines: StoredTimelines;
}

export interface StoredPerson extends SdPerson {
  /** The latest registration of this person's own data (names, contacts). */
  registeredAt: Date;
  /** Every registration of the person's data, oldest first: a changed-at window in the past still finds it. */
  registrations: Date[];
}

/** A department and where it hangs: its parent's uuid, or the institution's uuid for a root. */
export interface StoredDepartment extends SdDepartment {
  parentUuid: string;
}

export interface SdInstitution {
  identifier: string;
  uuid: string;
  regionIdentifier: string;
  regionUuid: string;
  /** In the order they were set; answers list them in this order. */
  departments: StoredDepartment[];
  departmentsByUuid: Map<string, StoredDepartment>;
  departmentsByIdentifier: Map<string, StoredDepartment>;
  /** By CPR. */
  persons: Map<string, StoredPerson>;
  /** By employmentKey(id, cpr). */
  employments: Map<string, StoredEmployment>;
  /** The same employments by CPR, in the order they were first registered (answers group by person). */
  employmentsByCpr: Map<string, StoredEmployment[]>;
}

export interface InstitutionInit {
  identifier: string;
  /** Default: a deterministic UUID of the identifier. */
  uuid?: string;
  /** Default `RG`. */
  regionIdentifier?: string;
  /** Default: a deterministic UUID of the region identifier. */
  regionUuid?: string;
}

/** Person data as a registration gives it; contacts may be a Map or a plain object by EmploymentIdentifier. */
export interface PersonInit {
  cpr: string;
  givenName: string;
  surname: string;
  employmentContacts?: Map<string, SdContact> | Record<string, SdContact>;
}

/** Several parts of one employment registered at once (hand-made scenarios, renders). */
export type TimelinesInit = { [P in TimelinePart]?: readonly Period<PartValue<P>>[] };

/** SD's status codes (PROTOCOL.md "Status codes"). */
export const STATUS_CODES = ['0', '1', '3', '7', '8', '9', 'S'] as const;
export const ACTIVE_STATUSES: ReadonlySet<string> = new Set(['0', '1', '3']);
export const PASSIVE_STATUSES: ReadonlySet<string> = new Set(['7', '8', '9']);

export class SdStore {
  private readonly byIdentifier = new Map<string, SdInstitution>();

  /** Creates an institution, or returns the existing one with that identifier unchanged. */
  addInstitution(init: InstitutionInit): SdInstitution {
    const known = this.byIdentifier.get(init.identifier);
    if (known) return known;
    if (!/^[A-Za-z0-9]{1,10}$/.test(init.identifier))
      throw new Error(`institution identifier must be 1-10 letters or digits: '${init.identifier}'`);
    const regionIdentifier = init.regionIdentifier ?? 'RG';
    const inst: SdInstitution = {
      identifier: init.identifier,
      uuid: init.uuid ?? simulatorUuid(`institution/${init.identifier}`),
      regionIdentifier,
      regionUuid: init.regionUuid ?? simulatorUuid(`region/${regionIdentifier}`),
      departments: [],
      departmentsByUuid: new Map(),
      departmentsByIdentifier: new Map(),
      persons: new Map(),
      employments: new Map(),
      employmentsByCpr: new Map(),
    };
    this.byIdentifier.set(inst.identifier, inst);
    return inst;
  }

  /** Forgets an institution's departments, persons and employments (a fresh render). */
  clearInstitution(identifier: string): void {
    const inst = this.require(identifier);
    inst.departments = [];
    inst.departmentsByUuid.clear();
    inst.departmentsByIdentifier.clear();
    inst.persons.clear();
    inst.employments.clear();
    inst.employmentsByCpr.clear();
  }

  institution(identifier: string): SdInstitution | undefined {
    return this.byIdentifier.get(identifier);
  }

  institutionByUuid(uuid: string): SdInstitution | undefined {
    for (const inst of this.byIdentifier.values()) if (inst.uuid === uuid) return inst;
    return undefined;
  }

  institutions(): SdInstitution[] {
    return [...this.byIdentifier.values()];
  }

  /** Like institution(), but a missing one is a programming error of the caller. */
  require(identifier: string): SdInstitution {
    const inst = this.byIdentifier.get(identifier);
    if (!inst) throw new Error(`no institution '${identifier}' in the SD store`);
    return inst;
  }

  /** Replaces all departments of an institution (SD keeps no organisation history here). */
  setDepartments(identifier: string, departments: readonly StoredDepartment[]): void {
    const inst = this.require(identifier);
    const byUuid = new Map<string, StoredDepartment>();
    const byIdentifier = new Map<string, StoredDepartment>();
    for (const d of departments) {
      checkDate(d.activationDate, 'activationDate');
      checkDate(d.deactivationDate, 'deactivationDate');
      if (byUuid.has(d.uuid)) throw new Error(`department uuid ${d.uuid} given twice`);
      if (byIdentifier.has(d.identifier))
        throw new Error(`department identifier ${d.identifier} given twice`);
      byUuid.set(d.uuid, d);
      byIdentifier.set(d.identifier, d);
    }
    inst.departments = [...departments];
    inst.departmentsByUuid = byUuid;
    inst.departmentsByIdentifier = byIdentifier;
  }

  /** A department by uuid in any institution (GetDepartmentParent names no institution). */
  departmentByUuid(uuid: string): { institution: SdInstitution; department: StoredDepartment } | undefined {
    for (const institution of this.byIdentifier.values()) {
      const department = institution.departmentsByUuid.get(uuid);
      if (department) return { institution, department };
    }
    return undefined;
  }

  /** Registers a person's own data (names, work contacts) as of `at`, replacing what was there. */
  registerPerson(identifier: string, person: PersonInit, at: Date): StoredPerson {
    const inst = this.require(identifier);
    checkCpr(person.cpr);
    const contacts = new Map<string, SdContact>();
    const given = person.employmentContacts;
    const entries = given === undefined ? [] : given instanceof Map ? [...given] : Object.entries(given);
    for (const [id, c] of entries) contacts.set(id, { phones: [...c.phones], emails: [...c.emails] });
    const previous = inst.persons.get(person.cpr);
    const stored: StoredPerson = {
      cpr: person.cpr,
      givenName: person.givenName,
      surname: person.surname,
      employmentContacts: contacts,
      registeredAt: at,
      registrations: [...(previous?.registrations ?? []), at],
    };
    inst.persons.set(person.cpr, stored);
    return stored;
  }

  /**
   * Registers periods of one part of one employment at `at`: each new period overwrites the
   * days it covers, the rest of the timeline stays (with its own registration time). The
   * employment is created when it is new.
   */
  registerPeriods<P extends TimelinePart>(
    identifier: string,
    id: string,
    cpr: string,
    part: P,
    periods: readonly Period<PartValue<P>>[],
    at: Date,
  ): StoredEmployment {
    const employment = this.employmentFor(identifier, id, cpr);
    for (const p of periods) checkPeriod(part, p);
    const incoming = periods.map((p) => ({ from: p.from, to: p.to, value: p.value, registeredAt: at }));
    // overlay spreads the periods it cuts, so their registeredAt survives; the cast restores the type.
    const timelines = employment.timelines as { [K in TimelinePart]: Registered<unknown>[] };
    timelines[part] = overlay<unknown>(timelines[part], incoming) as Registered<unknown>[];
    return employment;
  }

  /** Registers several parts of one employment at once, and its EmploymentDate when given. */
  registerEmployment(
    identifier: string,
    init: { id: string; cpr: string; employmentDate?: string; timelines?: TimelinesInit },
    at: Date,
  ): StoredEmployment {
    const employment = this.employmentFor(identifier, init.id, init.cpr);
    if (init.employmentDate !== undefined) {
      checkDate(init.employmentDate, 'employmentDate');
      employment.employmentDate = init.employmentDate;
    }
    for (const part of TIMELINE_PARTS) {
      const periods = init.timelines?.[part];
      if (periods?.length) this.registerPeriods(identifier, init.id, init.cpr, part, periods, at);
    }
    return employment;
  }

  /** Status S from `from` (default: the first day of the employment) on: SD's deletion. */
  deleteEmployment(identifier: string, id: string, cpr: string, at: Date, from?: string): StoredEmployment {
    const employment = this.employment(identifier, id, cpr);
    if (!employment) throw new Error(`no employment ${id} of that person in ${identifier}`);
    const start = from ?? employment.employmentDate ?? employment.timelines.status[0]?.from ?? '1900-01-01';
    return this.registerPeriods(
      identifier,
      id,
      cpr,
      'status',
      [{ from: start, to: OPEN_END, value: 'S' }],
      at,
    );
  }

  employment(identifier: string, id: string, cpr: string): StoredEmployment | undefined {
    return this.byIdentifier.get(identifier)?.employments.get(employmentKey(id, cpr));
  }

  /** The status code on `day`, or undefined when no status period covers it. */
  statusOn(employment: StoredEmployment, day: string): string | undefined {
    return periodOn(employment.timelines.status, day)?.value;
  }

  private employmentFor(identifier: string, id: string, cpr: string): StoredEmployment {
    const inst = this.require(identifier);
    const key = employmentKey(id, cpr);
    const known = inst.employments.get(key);
    if (known) return known;
    checkCpr(cpr);
    if (id.trim() === '') throw new Error('an employment needs an EmploymentIdentifier');
    const created: StoredEmployment = {
      id,
      cpr,
      timelines: { status: [], department: [], profession: [], workingTime: [] },
    };
    inst.employments.set(key, created);
    const list = inst.employmentsByCpr.get(cpr);
    if (list) list.push(created);
    else inst.employmentsByCpr.set(cpr, [created]);
    return created;
  }
}

// Checks that catch a hand-made scenario's typo early. Messages never quote a CPR number.

function checkCpr(cpr: string): void {
  if (!/^\d{10}$/.test(cpr)) throw new Error('a CPR number must be 10 digits');
}

function checkDate(value: string, what: string): void {
  if (!isValidIsoDate(value)) throw new Error(`${what} must be a date YYYY-MM-DD, got '${value}'`);
}

function checkPeriod(part: TimelinePart, p: Period<unknown>): void {
  checkDate(p.from, `${part} period start`);
  checkDate(p.to, `${part} period end`);
  if (p.to < p.from) throw new Error(`${part} period ends (${p.to}) before it starts (${p.from})`);
  if (part === 'status' && !(STATUS_CODES as readonly unknown[]).includes(p.value))
    throw new Error(`status must be one of ${STATUS_CODES.join(', ')}, got '${String(p.value)}'`);
}
