/**
 * Turns OPUS records into canonical units, persons and positions. Each record is mapped
 * on its own as the parser hands it over; a record that cannot be mapped is reported in
 * `rejected` and left out, never guessed at.
 *
 * Privacy: a CPR number is read only to normalise and pseudonymise it and to fill
 * `Person.cpr`. Issues are keyed by the employment number (or the line) and their
 * messages name fields, never values.
 */
import { isValidIsoDate } from '../../src/model/dates.js';
import type { Person, Position, RecordIssue, RecordType, Unit } from '../../src/model/schema.js';
import type { FieldSelection, RawRecord } from './parse.js';

/** OPUS's "no end date". */
const OPEN_END = '9999-12-31';

/** The child elements the mapping reads; the parser collects no others. */
export const OPUS_FIELDS: FieldSelection = {
  orgUnit: new Set([
    'startDate',
    'endDate',
    'parentOrgUnit',
    'shortName',
    'longName',
    'street',
    'zipCode',
    'city',
    'phoneNumber',
    'cvrNr',
    'eanNr',
    'pNr',
    'costCenter',
    'orgType',
    'orgTypeTxt',
  ]),
  employee: new Set([
    'entryDate',
    'leaveDate',
    'cpr',
    'firstName',
    'lastName',
    'email',
    'userId',
    'workPhone',
    'workContract',
    'positionId',
    'position',
    'positionShort',
    'isManager',
    'orgUnit',
    'numerator',
    'denominator',
  ]),
};

export interface MapperOptions {
  pseudonymize(cpr: string): string;
  /** Only records whose `client` attribute is in this set are read; undefined = all. */
  clients?: ReadonlySet<string>;
}

export interface MapperStats {
  leavers: number;
  /** Records skipped because their client is not configured. */
  otherClients: number;
}

/** A record-level problem; thrown inside a mapping function and caught per record. */
class Reject extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

interface PersonCandidate {
  /** The employment the values come from; the lowest employment number wins. */
  employeeId: string;
  rank: number;
  person: Person;
}

export class OpusMapper {
  readonly units: Unit[] = [];
  readonly positions: Position[] = [];
  readonly rejected: RecordIssue[] = [];
  readonly stats: MapperStats = { leavers: 0, otherClients: 0 };
  /** Distinct `client` values seen, to warn about a configured client that never occurs. */
  readonly clientsSeen = new Set<string>();
  private readonly people = new Map<string, PersonCandidate>();

  constructor(private readonly opts: MapperOptions) {}

  /** The callback for parseOpusFile(). */
  readonly add = (record: RawRecord): void => {
    const client = record.attrs['client'];
    if (client !== undefined) this.clientsSeen.add(client);
    if (this.opts.clients !== undefined && (client === undefined || !this.opts.clients.has(client))) {
      this.stats.otherClients++;
      return;
    }
    if (record.kind === 'orgUnit') this.guard('unit', record, () => this.units.push(toUnit(record)));
    else this.employee(record);
  };

  get persons(): Person[] {
    return [...this.people.values()].map((c) => c.person);
  }

  private employee(record: RawRecord): void {
    // A leaver's record says only "this employment ended"; it is not an error, and it
    // must not resurrect a person or position (its children are usually absent anyway).
    if (record.attrs['action'] === 'leave') {
      this.stats.leavers++;
      return;
    }
    this.guard('position', record, () => {
      const { position, person } = toEmployment(record, this.opts.pseudonymize);
      this.positions.push(position);
      this.offerPerson(position.key, person);
    });
  }

  /** Keeps, per person, the values of the employment with the lowest employment number. */
  private offerPerson(employeeId: string, person: Person): void {
    const rank = idRank(employeeId);
    const current = this.people.get(person.key);
    if (
      current === undefined ||
      rank < current.rank ||
      (rank === current.rank && employeeId < current.employeeId)
    ) {
      this.people.set(person.key, { employeeId, rank, person });
    }
  }

  private guard(recordType: RecordType, record: RawRecord, map: () => void): void {
    try {
      map();
    } catch (e) {
      if (!(e instanceof Reject)) throw e;
      this.rejected.push({ recordType, key: recordKey(record), code: e.code, message: e.message });
    }
  }
}

function toUnit(r: RawRecord): Unit {
  const f = r.fields;
  const key = required(text(r.attrs['id']), 'missing-key', 'orgUnit has no id attribute');
  const name = text(f['longName']) ?? text(f['shortName']);
  if (name === undefined) throw new Reject('missing-name', 'orgUnit has neither longName nor shortName');
  const street = text(f['street']);
  const postalCode = text(f['zipCode']);
  const city = text(f['city']);
  return {
    key,
    parentKey: text(f['parentOrgUnit']) ?? null,
    name,
    shortName: text(f['shortName']),
    type: text(f['orgType']),
    typeText: text(f['orgTypeTxt']),
    costCentre: text(f['costCenter']),
    pNumber: text(f['pNr']),
    ean: text(f['eanNr']),
    cvr: text(f['cvrNr']),
    address: (street ?? postalCode ?? city) ? { street, postalCode, city } : undefined,
    phone: text(f['phoneNumber']),
    ...period(f, 'startDate', 'endDate'),
  };
}

function toEmployment(
  r: RawRecord,
  pseudonymize: (cpr: string) => string,
): { position: Position; person: Person } {
  const f = r.fields;
  const key = required(text(r.attrs['id']), 'missing-key', 'employee has no id attribute');
  const cpr = normaliseCpr(text(f['cpr']));
  const unitKey = required(text(f['orgUnit']), 'missing-unit', 'employee has no orgUnit');
  const givenName = required(text(f['firstName']), 'missing-name', 'employee has no firstName');
  const surname = required(text(f['lastName']), 'missing-name', 'employee has no lastName');
  const personKey = pseudonymize(cpr);
  const position: Position = {
    key,
    personKey,
    unitKey,
    title: text(f['position']),
    titleShort: text(f['positionShort']),
    jobCode: text(f['positionId']),
    contractType: text(f['workContract']),
    fraction: fraction(text(f['numerator']), text(f['denominator'])),
    manager: text(f['isManager']) === 'true',
    onLeave: false,
    ...period(f, 'entryDate', 'leaveDate'),
  };
  const person: Person = {
    key: personKey,
    cpr,
    givenName,
    surname,
    email: text(f['email']),
    phone: text(f['workPhone']),
    userId: text(f['userId']),
  };
  return { position, person };
}

/** Trimmed text, or undefined for an absent or empty element. */
function text(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const t = value.trim();
  return t === '' ? undefined : detach(t);
}

/**
 * The parser's text is a V8 "sliced string" pointing into the 1 MB chunk it came from, so
 * keeping one name would keep the whole decoded chunk alive (twice the file size in all).
 * Concatenating and slicing forces a flat copy of just this value. V8 copies strings
 * under 13 characters anyway.
 */
const detach = (s: string): string => (s.length < 13 ? s : (' ' + s).slice(1));

function required(value: string | undefined, code: string, message: string): string {
  if (value === undefined) throw new Reject(code, message);
  return value;
}

/** 10 digits; a `DDMMYY-SSSS` dash is dropped. Anything else is refused, not repaired. */
function normaliseCpr(value: string | undefined): string {
  if (value === undefined) throw new Reject('missing-cpr', 'employee has no cpr');
  const cpr = value.length === 11 && value[6] === '-' ? value.slice(0, 6) + value.slice(7) : value;
  if (!/^\d{10}$/.test(cpr)) throw new Reject('malformed-cpr', 'employee cpr is not 10 digits');
  return cpr;
}

function period(
  f: RawRecord['fields'],
  fromField: string,
  toField: string,
): { validFrom: string | null; validTo: string | null } {
  const validFrom = isoDate(f, fromField);
  const to = isoDate(f, toField);
  const validTo = to === OPEN_END ? null : to;
  if (validFrom !== null && validTo !== null && validTo < validFrom) {
    // OPUS's way of cancelling an employment before it starts; it never holds on any day.
    throw new Reject('invalid-period', `${toField} is before ${fromField}`);
  }
  return { validFrom, validTo };
}

/** The field as a checked YYYY-MM-DD date, null when empty. */
function isoDate(f: RawRecord['fields'], field: string): string | null {
  const value = text(f[field]);
  if (value === undefined) return null;
  if (!isValidIsoDate(value)) {
    throw new Reject('malformed-date', `${field} is not a date YYYY-MM-DD`);
  }
  return value;
}

/** numerator/denominator; OPUS pads them with spaces. No usable denominator -> undefined. */
function fraction(numerator: string | undefined, denominator: string | undefined): number | undefined {
  if (numerator === undefined || denominator === undefined) return undefined;
  const n = Number(numerator.replace(',', '.'));
  const d = Number(denominator.replace(',', '.'));
  if (!Number.isFinite(n) || !Number.isFinite(d) || n < 0 || d <= 0) return undefined;
  const f = n / d;
  return f <= 10 ? f : undefined;
}

/** Employment numbers are numeric strings; compare them as numbers ("99" < "100"). */
function idRank(id: string): number {
  const n = Number(id);
  return Number.isFinite(n) ? n : Number.POSITIVE_INFINITY;
}

/** The record's id, or its line when it has none: never anything personal. */
function recordKey(r: RawRecord): string {
  return text(r.attrs['id']) ?? `line ${r.line}`;
}
