/**
 * Flat HR records (a CSV row, a JSON object) -> canonical model records, shared by the
 * csv-hr and json-hr sources so that both accept exactly the same fields and values.
 *
 * Each record is normalised field by field (text trimmed, '' = no value, Danish decimal
 * comma, ja/nej), then parsed with the model's zod schema. A record with any problem is
 * left out and reported as one `rejected` RecordIssue listing every problem in it. Issue
 * keys and messages name records by unit/position key or by row number and name fields
 * by field name: never a CPR number, a name or any other value from the record.
 */
import type { z } from 'zod';
import { Person, Position, type RecordIssue, type RecordType, Unit } from '../../src/model/schema.js';

/** The documented fields, in the documented column order. */
export const UNIT_FIELDS = [
  'key',
  'parentKey',
  'name',
  'shortName',
  'type',
  'costCentre',
  'pNumber',
  'ean',
  'street',
  'postalCode',
  'city',
  'phone',
  'email',
  'validFrom',
  'validTo',
] as const;
export const PERSON_FIELDS = ['cpr', 'givenName', 'surname', 'email', 'phone', 'userId'] as const;
export const POSITION_FIELDS = [
  'key',
  'cpr',
  'unitKey',
  'title',
  'jobCode',
  'contractType',
  'primary',
  'fraction',
  'manager',
  'validFrom',
  'validTo',
] as const;

export const FIELDS: Record<RecordType, readonly string[]> = {
  unit: UNIT_FIELDS,
  person: PERSON_FIELDS,
  position: POSITION_FIELDS,
};

/** One record as read: field name -> value (strings from CSV; any JSON value from JSON). */
export type RawRecord = Readonly<Record<string, unknown>>;

interface Problem {
  code: string;
  message: string;
}

const TRUE = new Set(['true', '1', 'yes', 'ja', 'y', 'j']);
const FALSE = new Set(['false', '0', 'no', 'nej', 'n']);
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
// Plain decimals only; HR exports from Danish systems often use the decimal comma.
const DECIMAL = /^-?\d+(?:[.,]\d+)?$/;

/** Reads typed fields from one raw record, collecting problems instead of throwing. */
class FieldReader {
  readonly problems: Problem[] = [];
  constructor(private readonly raw: RawRecord) {}

  private value(field: string): unknown {
    // Own properties only: a JSON record must not reach Object.prototype through a field name.
    return Object.hasOwn(this.raw, field) ? this.raw[field] : undefined;
  }

  private problem(code: string, message: string): undefined {
    this.problems.push({ code, message });
    return undefined;
  }

  /** Trimmed text; empty, null and missing are "no value". Numbers are accepted as text (cost centres). */
  text(field: string): string | undefined {
    const v = this.value(field);
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'number' && Number.isFinite(v)) return String(v);
    if (typeof v !== 'string') return this.problem('bad-value', `${field}: must be text`);
    const t = v.trim();
    return t === '' ? undefined : t;
  }

  required(field: string): string | undefined {
    const t = this.text(field);
    if (t === undefined && !this.problems.some((p) => p.message.startsWith(`${field}:`))) {
      this.problem('missing-value', `${field}: missing`);
    }
    return t;
  }

  /** YYYY-MM-DD and a real calendar day; no value = open-ended (null). */
  date(field: string): string | null {
    const t = this.text(field);
    if (t === undefined) return null;
    const m = ISO_DATE.exec(t);
    const [y, mo, d] = m ? [Number(m[1]), Number(m[2]), Number(m[3])] : [0, 0, 0];
    const day = new Date(Date.UTC(y, mo - 1, d));
    if (!m || day.getUTCFullYear() !== y || day.getUTCMonth() !== mo - 1 || day.getUTCDate() !== d) {
      this.problem('bad-date', `${field}: not a date YYYY-MM-DD`);
      return null;
    }
    return t;
  }

  number(field: string): number | undefined {
    const v = this.value(field);
    if (typeof v === 'number')
      return Number.isFinite(v) ? v : this.problem('bad-number', `${field}: not a number`);
    const t = this.text(field);
    if (t === undefined) return undefined;
    if (!DECIMAL.test(t)) return this.problem('bad-number', `${field}: not a number`);
    return Number(t.replace(',', '.'));
  }

  boolean(field: string): boolean | undefined {
    const v = this.value(field);
    if (typeof v === 'boolean') return v;
    const t = this.text(field)?.toLowerCase();
    if (t === undefined) return undefined;
    if (TRUE.has(t)) return true;
    if (FALSE.has(t)) return false;
    return this.problem('bad-boolean', `${field}: not true/false`);
  }
}

const compact = <T extends Record<string, unknown>>(o: T): T =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

/**
 * Collects the model records of one export. `row` is how a record is named when it has no
 * key of its own to name it by (always, for persons: their only identifier is the CPR).
 */
export class RecordMapper {
  readonly units: Unit[] = [];
  readonly persons: Person[] = [];
  readonly positions: Position[] = [];
  readonly rejected: RecordIssue[] = [];

  constructor(private readonly pseudonymize: (cpr: string) => string) {}

  addUnit(raw: RawRecord, row: string): void {
    const f = new FieldReader(raw);
    const key = f.required('key');
    const address = compact({
      street: f.text('street'),
      postalCode: f.text('postalCode'),
      city: f.text('city'),
    });
    const candidate = compact({
      key,
      parentKey: f.text('parentKey') ?? null,
      name: f.required('name'),
      shortName: f.text('shortName'),
      type: f.text('type'),
      costCentre: f.text('costCentre'),
      pNumber: f.text('pNumber'),
      ean: f.text('ean'),
      address: Object.keys(address).length > 0 ? address : undefined,
      phone: f.text('phone'),
      email: f.text('email'),
      validFrom: f.date('validFrom'),
      validTo: f.date('validTo'),
    });
    const unit = this.finish('unit', key ?? row, f, Unit, candidate);
    if (unit) this.units.push(unit);
  }

  addPerson(raw: RawRecord, row: string): void {
    const f = new FieldReader(raw);
    const cpr = f.required('cpr');
    const candidate = compact({
      key: cpr === undefined ? undefined : this.pseudonymize(cpr),
      cpr,
      givenName: f.required('givenName'),
      surname: f.required('surname'),
      email: f.text('email'),
      phone: f.text('phone'),
      userId: f.text('userId'),
    });
    const person = this.finish('person', row, f, Person, candidate);
    if (person) this.persons.push(person);
  }

  addPosition(raw: RawRecord, row: string): void {
    const f = new FieldReader(raw);
    const key = f.required('key');
    const cpr = f.required('cpr');
    const candidate = compact({
      key,
      personKey: cpr === undefined ? undefined : this.pseudonymize(cpr),
      unitKey: f.required('unitKey'),
      title: f.text('title'),
      jobCode: f.text('jobCode'),
      contractType: f.text('contractType'),
      primary: f.boolean('primary'),
      fraction: f.number('fraction'),
      manager: f.boolean('manager'),
      validFrom: f.date('validFrom'),
      validTo: f.date('validTo'),
    });
    const position = this.finish('position', key ?? row, f, Position, candidate);
    if (position) this.positions.push(position);
  }

  /** The model schema has the last word (lengths, ranges); every problem found goes into one issue. */
  private finish<T>(
    recordType: RecordType,
    key: string,
    f: FieldReader,
    schema: z.ZodType<T>,
    candidate: Record<string, unknown>,
  ): T | undefined {
    const problems = [...f.problems];
    if (problems.length === 0) {
      const parsed = schema.safeParse(candidate);
      if (parsed.success) return parsed.data;
      // zod's messages name the rule, never the value; the path is a field name (personKey: the CPR column).
      for (const issue of parsed.error.issues) {
        const field = issue.path[0] === 'personKey' ? 'cpr' : issue.path.join('.');
        problems.push({ code: 'invalid-value', message: `${field}: ${issue.message}` });
      }
    }
    this.rejected.push({
      recordType,
      key,
      code: problems[0]!.code,
      message: `${recordType} ${key} left out: ${problems.map((p) => p.message).join('; ')}`,
    });
    return undefined;
  }
}
