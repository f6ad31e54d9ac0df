/**
 * Turns what was read from one SD institution into canonical units, persons and positions
 * holding on one day, applying SD's rules: payroll-level departments are not units (their
 * staff are lifted to the nearest unit above), managers come from the configured rule, and
 * status codes decide who is employed, on leave or gone.
 *
 * A record that cannot be mapped becomes a RecordIssue naming the record and the problem; it
 * is never guessed at. Issues never carry a CPR number: persons are named by their key (a
 * pseudonym) and employments by institution and EmploymentIdentifier.
 */
import type { Person, Position, RecordIssue, Unit } from '../../src/model/schema.js';
import type { ManagerRule, SdLonConfig, StatusCodes } from './config.js';
import { OPEN_END, type SdDepartment, type SdEmployment, type SdPerson } from './model.js';
import { dayAfter, periodOn } from './periods.js';

/** Everything read from one institution, ready to be mapped. */
export interface InstitutionRead {
  institution: string;
  institutionUuid: string;
  departments: readonly SdDepartment[];
  /** Department uuid -> parent department uuid, or null for a root. */
  parents: ReadonlyMap<string, string | null>;
  /** Persons by CPR. */
  persons: ReadonlyMap<string, SdPerson>;
  employments: Iterable<SdEmployment>;
}

export interface MapOptions {
  asOf: string;
  pseudonymize(cpr: string): string;
  config: Pick<SdLonConfig, 'unitKey' | 'payrollLevels' | 'managers' | 'statusCodes'>;
}

export interface Mapped {
  units: Unit[];
  persons: Person[];
  positions: Position[];
  rejected: RecordIssue[];
}

type Meaning = 'employed' | 'leave' | 'left' | 'deleted';

function statusMeanings(codes: StatusCodes): Map<string, Meaning> {
  const m = new Map<string, Meaning>();
  for (const meaning of ['employed', 'leave', 'left', 'deleted'] as const) {
    for (const code of codes[meaning]) m.set(code, meaning);
  }
  return m;
}

/** SD fills unknown contact fields with this placeholder. */
const PLACEHOLDER_EMAIL = 'empty@empty';
const firstEmail = (emails: readonly string[] | undefined) =>
  emails?.find((e) => e.trim() !== '' && e.trim().toLowerCase() !== PLACEHOLDER_EMAIL);
const firstPhone = (phones: readonly string[] | undefined) => phones?.find((p) => p.trim() !== '');

export function mapInstitution(read: InstitutionRead, opts: MapOptions): Mapped {
  const tree = new DepartmentTree(read, opts.config);
  const rejected: RecordIssue[] = [];
  const units = tree.units(rejected);
  const { positions, personEmployment } = mapPositions(read, tree, opts, rejected);
  const persons = mapPersons(read, personEmployment, opts, rejected);
  return { units, persons, positions, rejected };
}

/** The department hierarchy, with the decisions of which departments are units. */
class DepartmentTree {
  private readonly byUuid = new Map<string, SdDepartment>();
  private readonly byIdentifier = new Map<string, SdDepartment>();
  private readonly payroll: ReadonlySet<string>;
  private readonly leaderSuffix: string | undefined;

  constructor(
    private readonly read: InstitutionRead,
    private readonly config: MapOptions['config'],
  ) {
    for (const d of read.departments) {
      this.byUuid.set(d.uuid, d);
      this.byIdentifier.set(d.identifier, d);
    }
    this.payroll = new Set(config.payrollLevels ?? []);
    this.leaderSuffix =
      config.managers.rule === 'leader-unit' ? config.managers.suffix.toLowerCase() : undefined;
  }

  department(ref: { uuid?: string; identifier: string }): SdDepartment | undefined {
    // By identifier only when SD gave no uuid: another department may carry a reused identifier.
    return ref.uuid ? this.byUuid.get(ref.uuid) : this.byIdentifier.get(ref.identifier);
  }

  isLeaderUnit(d: SdDepartment): boolean {
    return this.leaderSuffix !== undefined && d.name.trim().toLowerCase().endsWith(this.leaderSuffix);
  }

  /** A department that is an organisation unit: not payroll-only and not a leader department. */
  isUnit(d: SdDepartment): boolean {
    return !this.payroll.has(d.level) && !this.isLeaderUnit(d);
  }

  keyOf(d: SdDepartment): string {
    return this.config.unitKey === 'uuid' ? d.uuid : d.identifier;
  }

  /**
   * The nearest department at or above `d` that is a unit; null when there is none, or when
   * the way up is broken (a parent SD did not give, or one not among the departments read).
   */
  unitAtOrAbove(d: SdDepartment): SdDepartment | null {
    let current: SdDepartment | undefined = d;
    for (let hops = 0; current !== undefined && hops < 100; hops++) {
      if (this.isUnit(current)) return current;
      const parent = this.read.parents.get(current.uuid);
      if (parent === undefined || parent === null) return null;
      current = this.byUuid.get(parent);
    }
    return null;
  }

  parentOf(d: SdDepartment): SdDepartment | null | undefined {
    const parent = this.read.parents.get(d.uuid);
    if (parent === undefined) return undefined;
    if (parent === null) return null;
    return this.byUuid.get(parent) ?? undefined;
  }

  units(rejected: RecordIssue[]): Unit[] {
    const units: Unit[] = [];
    for (const d of this.read.departments) {
      if (!this.isUnit(d)) continue;
      const parent = this.parentOf(d);
      if (parent === undefined) {
        rejected.push({
          recordType: 'unit',
          key: this.keyOf(d),
          code: 'missing-parent',
          message: `SD gave no parent for department ${d.identifier} of institution ${this.read.institution}, or one not active on the day`,
        });
        continue;
      }
      // A unit under a payroll-only department (unusual) hangs under the nearest unit above.
      const parentUnit = parent === null ? null : this.unitAtOrAbove(parent);
      if (parent !== null && parentUnit === null) {
        rejected.push({
          recordType: 'unit',
          key: this.keyOf(d),
          code: 'missing-parent',
          message: `department ${d.identifier} of institution ${this.read.institution} has no unit above it`,
        });
        continue;
      }
      units.push({
        key: this.keyOf(d),
        parentKey: parentUnit === null ? null : this.keyOf(parentUnit),
        name: d.name,
        shortName: d.identifier,
        type: d.level,
        pNumber: d.productionUnit,
        address: d.address,
        phone: firstPhone(d.phones),
        email: firstEmail(d.emails),
        validFrom: d.activationDate,
        validTo: d.deactivationDate === OPEN_END ? null : d.deactivationDate,
      });
    }
    return units;
  }
}

class Reject extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function mapPositions(
  read: InstitutionRead,
  tree: DepartmentTree,
  opts: MapOptions,
  rejected: RecordIssue[],
): { positions: Position[]; personEmployment: Map<string, SdEmployment> } {
  const meanings = statusMeanings(opts.config.statusCodes);
  const positions: Position[] = [];
  /** Per CPR, the employment a person's contact details come from: the lowest number. */
  const personEmployment = new Map<string, SdEmployment>();
  for (const e of read.employments) {
    const status = periodOn(e.timelines.status, opts.asOf);
    if (status === undefined) continue; // not employed on that day, or not yet
    const meaning = meanings.get(status.value);
    if (meaning === 'left' || meaning === 'deleted') continue;
    const personKey = opts.pseudonymize(e.cpr);
    const key = positionKey(read.institution, e.id, personKey);
    try {
      if (meaning === undefined) {
        throw new Reject(
          'unknown-status',
          `EmploymentStatusCode ${status.value} is not one of the configured statusCodes`,
        );
      }
      positions.push(toPosition(e, key, personKey, meaning === 'leave', status, tree, opts, meanings));
      const current = personEmployment.get(e.cpr);
      if (current === undefined || employmentOrder(e.id, current.id) < 0) personEmployment.set(e.cpr, e);
    } catch (err) {
      if (!(err instanceof Reject)) throw err;
      rejected.push({
        recordType: 'position',
        key,
        code: err.code,
        message: `employment ${e.id} of institution ${read.institution}: ${err.message}`,
      });
    }
  }
  return { positions, personEmployment };
}

/**
 * Institution and EmploymentIdentifier, plus a few characters of the person's pseudonym:
 * SD hands a deleted employment's number to someone else, and that must be a new position,
 * not the old one changing hands.
 */
export const positionKey = (institution: string, id: string, personKey: string): string =>
  `${institution}-${id}-${personKey.slice(2, 8)}`;

function toPosition(
  e: SdEmployment,
  key: string,
  personKey: string,
  onLeave: boolean,
  status: { to: string },
  tree: DepartmentTree,
  opts: MapOptions,
  meanings: Map<string, Meaning>,
): Position {
  const { asOf } = opts;
  const placed = periodOn(e.timelines.department, asOf)?.value;
  if (placed === undefined) throw new Reject('missing-unit', 'has no EmploymentDepartment on the day');
  const department = tree.department(placed);
  if (department === undefined) {
    throw new Reject('unknown-unit', `is placed on department ${placed.identifier}, which SD did not list`);
  }
  const rule: ManagerRule = opts.config.managers;
  let manager = false;
  let from: SdDepartment | null = department;
  if (rule.rule === 'leader-unit' && tree.isLeaderUnit(department)) {
    // The leader department sits under the unit its staff manage.
    manager = true;
    const parent = tree.parentOf(department);
    from = parent ?? null;
  }
  const unit = from === null ? null : tree.unitAtOrAbove(from);
  if (unit === null) {
    throw new Reject('unknown-unit', `department ${department.identifier} has no unit at or above it`);
  }
  const profession = periodOn(e.timelines.profession, asOf)?.value;
  if (rule.rule === 'job-position' && profession !== undefined) {
    manager = rule.jobPositions.includes(profession.jobPositionId);
  }
  const rate = periodOn(e.timelines.workingTime, asOf)?.value;
  const fraction = rate === undefined ? undefined : Number(rate.replace(',', '.'));
  return {
    key,
    personKey,
    unitKey: tree.keyOf(unit),
    title: profession?.name || undefined,
    jobCode: profession?.jobPositionId,
    fraction:
      fraction !== undefined && Number.isFinite(fraction) && fraction >= 0 && fraction <= 10
        ? fraction
        : undefined,
    manager,
    onLeave,
    validFrom: e.employmentDate ?? null,
    validTo: endOf(e, status.to, meanings),
  };
}

/**
 * The last day of the employment when SD already knows it: following the status periods from
 * the current one while they stay employed or on leave (a leave is not an end, and SD splits
 * periods of the same code), up to a period that says left or deleted. Otherwise open.
 */
function endOf(e: SdEmployment, to: string, meanings: Map<string, Meaning>): string | null {
  let last = to;
  for (let hops = 0; last !== OPEN_END && hops < 1000; hops++) {
    const next = periodOn(e.timelines.status, dayAfter(last));
    const meaning = next === undefined ? undefined : meanings.get(next.value);
    if (meaning === 'left' || meaning === 'deleted') return last;
    if (next === undefined || meaning === undefined) return null;
    last = next.to;
  }
  return null;
}

/** Employment numbers compare as numbers when they are numbers ("99" before "100"). */
function employmentOrder(a: string, b: string): number {
  const na = Number(a);
  const nb = Number(b);
  if (Number.isFinite(na) && Number.isFinite(nb) && na !== nb) return na - nb;
  return a < b ? -1 : a > b ? 1 : 0;
}

function mapPersons(
  read: InstitutionRead,
  personEmployment: ReadonlyMap<string, SdEmployment>,
  opts: MapOptions,
  rejected: RecordIssue[],
): Person[] {
  const persons: Person[] = [];
  for (const [cpr, employment] of personEmployment) {
    const key = opts.pseudonymize(cpr);
    const p = read.persons.get(cpr);
    const givenName = p?.givenName.trim();
    const surname = p?.surname.trim();
    if (!givenName || !surname) {
      rejected.push({
        recordType: 'person',
        key,
        code: p === undefined ? 'unknown-person' : 'missing-name',
        message:
          p === undefined
            ? `SD listed employments of institution ${read.institution} but not the person`
            : `SD gave the person no ${givenName ? 'PersonSurnameName' : 'PersonGivenName'}`,
      });
      continue;
    }
    const contact = p?.employmentContacts.get(employment.id);
    persons.push({
      key,
      cpr,
      givenName,
      surname,
      email: firstEmail(contact?.emails),
      phone: firstPhone(contact?.phones),
    });
  }
  return persons;
}
