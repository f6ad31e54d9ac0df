/**
 * The canonical organisation model every source produces and every target is mapped from.
 *
 * Sources emit *dated* records (validFrom/validTo) exactly as HR knows them, including
 * future-dated facts; `resolveAsOf()` turns them into the snapshot that holds on one day.
 * Keys are the HR system's own stable identifiers, except persons, whose key is a
 * pseudonym of the CPR number (see src/util/pseudonym.ts) so that it can appear in
 * logs, plans and state without exposing the CPR.
 */
import { z } from 'zod';

/** ISO calendar date, YYYY-MM-DD. `null` bounds mean open-ended. */
export const IsoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD');
export type IsoDate = z.infer<typeof IsoDate>;

const key = z.string().trim().min(1, 'must not be empty').max(200);
const optionalText = z.string().trim().max(2000).optional();
const name = z.string().trim().min(1, 'must not be empty').max(500);

export const Validity = z.object({
  validFrom: IsoDate.nullable().default(null),
  validTo: IsoDate.nullable().default(null),
});

export const Address = z.object({
  street: optionalText,
  postalCode: optionalText,
  city: optionalText,
  country: optionalText,
});
export type Address = z.infer<typeof Address>;

export const Unit = z
  .object({
    key,
    parentKey: key.nullable(),
    name,
    shortName: optionalText,
    /** HR's unit type code (OPUS orgType, SD DepartmentLevelIdentifier). */
    type: optionalText,
    typeText: optionalText,
    /** Depth in the hierarchy as HR states it, if it does; orgsync derives its own depth. */
    level: z.number().int().nonnegative().optional(),
    costCentre: optionalText,
    pNumber: optionalText,
    ean: optionalText,
    cvr: optionalText,
    address: Address.optional(),
    phone: optionalText,
    email: optionalText,
  })
  .extend(Validity.shape);
export type Unit = z.infer<typeof Unit>;

export const Person = z.object({
  key,
  /** Sensitive: never logged, rendered or stored in clear. Validated by validateSnapshot(). */
  cpr: z.string().optional(),
  givenName: name,
  surname: name,
  email: optionalText,
  phone: optionalText,
  userId: optionalText,
});
export type Person = z.infer<typeof Person>;

export const Position = z
  .object({
    key,
    personKey: key,
    unitKey: key,
    title: optionalText,
    titleShort: optionalText,
    jobCode: optionalText,
    /** Contract/position type (OPUS workContract); used by scopes and primary derivation. */
    contractType: optionalText,
    /** Set when HR states it; otherwise derived by derivePrimary(). */
    primary: z.boolean().optional(),
    /** Working-time fraction, 0..1 (1 = full time). */
    fraction: z.number().min(0).max(10).optional(),
    manager: z.boolean().default(false),
    /** Still employed but on leave (SD status 3). */
    onLeave: z.boolean().default(false),
  })
  .extend(Validity.shape);
export type Position = z.infer<typeof Position>;

/** What a source hands the engine: every dated record it read, plus what it could not read. */
export interface SourceExport {
  units: Unit[];
  persons: Person[];
  positions: Position[];
  /** Records the source could not turn into model records (bad XML element, bad CSV row). */
  rejected: RecordIssue[];
  meta: {
    /** Name of the source connector. */
    source: string;
    /** Where it came from (file path, URL without credentials). */
    origin: string;
    /** When HR produced it, if the export says. */
    exportedAt?: string;
  };
}

export type RecordType = 'unit' | 'person' | 'position';

/** A problem with one record. `key` is never a CPR; `message` never holds personal data. */
export interface RecordIssue {
  recordType: RecordType;
  key: string;
  /** Short machine code: duplicate-key, missing-parent, unknown-unit, malformed-cpr ... */
  code: string;
  message: string;
}

/** The organisation as it holds on `asOf`, validated, with derived facts filled in. */
export interface Snapshot {
  asOf: IsoDate;
  units: Map<string, Unit>;
  persons: Map<string, Person>;
  positions: Map<string, Position & { primary: boolean }>;
  /** unit key -> person keys of its managers (derived from positions with manager=true). */
  managers: Map<string, string[]>;
  /** person key -> key of the person's primary position. */
  primaryPosition: Map<string, string>;
  /** unit key -> depth (root = 1). */
  depth: Map<string, number>;
  /**
   * Objects (`type:key`) whose HR records are quarantined, or that lost every position to
   * quarantine. Targets keep what they hold for them: a broken record is not a leaver.
   */
  held: ReadonlySet<string>;
}
