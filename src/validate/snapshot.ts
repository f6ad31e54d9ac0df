/**
 * From a source's dated export to the validated snapshot that holds on one day.
 *
 * Two kinds of problem come out of here:
 * - structural: the hierarchy itself is damaged (a cycle, no root, several roots where one
 *   is expected). The run must stop before any target is touched.
 * - record-level: one record is wrong (duplicate key, missing parent, malformed CPR, a
 *   position pointing nowhere). That record is quarantined and reported; the rest goes on.
 * Messages name the record by key and never carry personal data.
 */
import { holdsOn, isValidIsoDate } from '../model/dates.js';
import {
  type IsoDate,
  Person,
  Position,
  type RecordIssue,
  type RecordType,
  type Snapshot,
  type SourceExport,
  Unit,
} from '../model/schema.js';
import { getOrCreate, groupBy } from '../util/collections.js';
import { isWellFormedCpr } from './cpr.js';

export interface ValidateOptions {
  asOf: IsoDate;
  /** A municipality has one top unit; an export with several is damaged. Default true. */
  expectSingleRoot?: boolean;
  /** Contract types in order of preference when deriving a person's primary position. */
  primaryContractPriority?: readonly string[];
}

export interface ValidationResult {
  snapshot: Snapshot;
  /** Records left out, with the reason. */
  quarantined: RecordIssue[];
  /** Damage that must stop the run. */
  structural: RecordIssue[];
}

type Rec = Unit | Person | Position;

/** Parses each record with its zod schema; a failure quarantines it, naming the field. */
function checkRecords<T extends Rec>(
  records: readonly T[],
  schema: {
    safeParse(
      v: unknown,
    ):
      | { success: true; data: T }
      | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } };
  },
  recordType: RecordType,
  asOf: IsoDate,
  issues: RecordIssue[],
): Map<string, T> {
  const out = new Map<string, T>();
  records.forEach((raw, index) => {
    const parsed = schema.safeParse(raw);
    const key = typeof raw?.key === 'string' && raw.key.trim() !== '' ? raw.key : `#${index + 1}`;
    if (!parsed.success) {
      const first = parsed.error.issues[0];
      const field = first?.path.map(String).join('.') || 'record';
      issues.push({
        recordType,
        key,
        code: 'invalid-field',
        message: `${field} ${first?.message ?? 'is invalid'}`,
      });
      return;
    }
    const rec = parsed.data;
    if ('validFrom' in rec) {
      const { validFrom, validTo } = rec;
      if ((validFrom && !isValidIsoDate(validFrom)) || (validTo && !isValidIsoDate(validTo))) {
        issues.push({ recordType, key, code: 'invalid-date', message: 'has a date that does not exist' });
        return;
      }
      if (validFrom && validTo && validFrom > validTo) {
        issues.push({
          recordType,
          key,
          code: 'invalid-period',
          message: `ends (${validTo}) before it starts (${validFrom})`,
        });
        return;
      }
      if (!holdsOn(asOf, validFrom, validTo)) return; // not in force on asOf: not an error
    }
    if (out.has(rec.key)) {
      issues.push({
        recordType,
        key: rec.key,
        code: 'duplicate-key',
        message: 'appears more than once; the first is kept',
      });
      return;
    }
    out.set(rec.key, rec);
  });
  return out;
}

/** Finds cycles in the parent relation; returns each cycle's unit keys once. */
function findCycles(units: Map<string, Unit>): string[][] {
  const state = new Map<string, 1 | 2>(); // 1 = on the current path, 2 = done
  const cycles: string[][] = [];
  for (const start of units.keys()) {
    if (state.has(start)) continue;
    const path: string[] = [];
    let cur: string | null = start;
    while (cur !== null && units.has(cur) && !state.has(cur)) {
      state.set(cur, 1);
      path.push(cur);
      cur = units.get(cur)!.parentKey;
    }
    if (cur !== null && state.get(cur) === 1) cycles.push(path.slice(path.indexOf(cur)));
    for (const k of path) state.set(k, 2);
  }
  return cycles;
}

export function validateExport(exp: SourceExport, opts: ValidateOptions): ValidationResult {
  const { asOf } = opts;
  const quarantined: RecordIssue[] = [...exp.rejected];
  const structural: RecordIssue[] = [];

  const units = checkRecords(exp.units, Unit, 'unit', asOf, quarantined);
  const persons = checkRecords(exp.persons, Person, 'person', asOf, quarantined);
  const positions = checkRecords(exp.positions, Position, 'position', asOf, quarantined);

  // --- units: cycles, roots, missing parents -------------------------------------------
  for (const cycle of findCycles(units)) {
    structural.push({
      recordType: 'unit',
      key: cycle[0]!,
      code: 'cycle',
      message: `is its own ancestor: ${[...cycle, cycle[0]].join(' -> ')}`,
    });
  }
  const roots = [...units.values()].filter((u) => u.parentKey === null).map((u) => u.key);
  if (units.size > 0 && roots.length === 0 && structural.length === 0) {
    structural.push({
      recordType: 'unit',
      key: '-',
      code: 'no-root',
      message: 'no unit without a parent: the top of the organisation is missing',
    });
  }
  if (units.size === 0) {
    structural.push({
      recordType: 'unit',
      key: '-',
      code: 'no-root',
      message: 'the export holds no units in force on ' + asOf,
    });
  }
  if ((opts.expectSingleRoot ?? true) && roots.length > 1) {
    structural.push({
      recordType: 'unit',
      key: roots.slice(0, 10).join(', '),
      code: 'several-roots',
      message: `${roots.length} units have no parent where one top unit is expected`,
    });
  }
  if (structural.length > 0) return { snapshot: emptySnapshot(asOf), quarantined, structural };

  // A unit whose parent is missing is quarantined with its whole subtree: placing it
  // anywhere would be a guess. Depth is computed on the way.
  const depth = new Map<string, number>();
  const children = new Map<string, string[]>();
  for (const u of units.values()) {
    if (u.parentKey !== null) getOrCreate(children, u.parentKey, () => []).push(u.key);
  }
  const stack: [string, number][] = roots.map((r) => [r, 1]);
  while (stack.length > 0) {
    const [k, d] = stack.pop()!;
    depth.set(k, d);
    for (const c of children.get(k) ?? []) stack.push([c, d + 1]);
  }
  for (const u of [...units.values()]) {
    if (depth.has(u.key)) continue;
    const parentMissing = u.parentKey !== null && !units.has(u.parentKey);
    quarantined.push({
      recordType: 'unit',
      key: u.key,
      code: 'missing-parent',
      message: parentMissing
        ? `parent unit ${u.parentKey} does not exist on ${asOf}`
        : 'is below a unit whose parent does not exist',
    });
    units.delete(u.key);
  }

  // --- persons -----------------------------------------------------------------------------
  for (const p of [...persons.values()]) {
    if (p.cpr !== undefined && !isWellFormedCpr(p.cpr)) {
      quarantined.push({
        recordType: 'person',
        key: p.key,
        code: 'malformed-cpr',
        message: 'CPR number is malformed',
      });
      persons.delete(p.key);
    }
  }

  // --- positions ---------------------------------------------------------------------------
  const lostPosition = new Set<string>();
  for (const pos of [...positions.values()]) {
    let problem: [string, string] | null = null;
    if (!units.has(pos.unitKey))
      problem = ['unknown-unit', `points at unit ${pos.unitKey}, which is not in force or was quarantined`];
    else if (!persons.has(pos.personKey))
      problem = [
        'unknown-person',
        `points at person ${pos.personKey}, who is not in the export or was quarantined`,
      ];
    if (problem) {
      quarantined.push({ recordType: 'position', key: pos.key, code: problem[0], message: problem[1] });
      positions.delete(pos.key);
      lostPosition.add(pos.personKey);
    }
  }

  const snapshot = derive(asOf, units, persons, positions, depth, opts);
  const held = new Set(quarantined.map((q) => `${q.recordType}:${q.key}`));
  for (const personKey of lostPosition) if (!snapshot.persons.has(personKey)) held.add(`person:${personKey}`);
  return { snapshot: { ...snapshot, held }, quarantined, structural };
}

/** Compares employment keys numerically when both are numbers (OPUS employment numbers). */
const compareKeys = (a: string, b: string): number => {
  const na = Number(a);
  const nb = Number(b);
  if (Number.isInteger(na) && Number.isInteger(nb)) return na - nb;
  return a < b ? -1 : a > b ? 1 : 0;
};

/**
 * Orders a person's positions best first: HR's own primary flag, then the configured
 * contract priority, then the lowest employment key (OPUS has no primary flag at all).
 */
export function positionPreference(priority: readonly string[] = []) {
  const rank = (p: Position) => {
    const i = p.contractType === undefined ? -1 : priority.indexOf(p.contractType);
    return i === -1 ? priority.length : i;
  };
  return (a: Position, b: Position): number =>
    Number(b.primary === true) - Number(a.primary === true) || rank(a) - rank(b) || compareKeys(a.key, b.key);
}

function derive(
  asOf: IsoDate,
  units: Map<string, Unit>,
  persons: Map<string, Person>,
  rawPositions: Map<string, Position>,
  depth: Map<string, number>,
  opts: ValidateOptions,
): Snapshot {
  const byPerson = groupBy(rawPositions.values(), (p) => p.personKey);
  const prefer = positionPreference(opts.primaryContractPriority);
  const primaryPosition = new Map<string, string>();
  for (const [personKey, list] of byPerson) primaryPosition.set(personKey, list.sort(prefer)[0]!.key);

  // Persons without a position in force are not part of the organisation today
  // (a hire next month appears on the day). That is not an error.
  for (const k of [...persons.keys()]) if (!byPerson.has(k)) persons.delete(k);

  // The records are zod's own copies, so setting `primary` in place changes no caller's data.
  const positions = rawPositions as Map<string, Position & { primary: boolean }>;
  const managers = new Map<string, string[]>();
  for (const p of positions.values()) {
    p.primary = primaryPosition.get(p.personKey) === p.key;
    if (p.manager) {
      const list = getOrCreate(managers, p.unitKey, () => []);
      if (!list.includes(p.personKey)) list.push(p.personKey);
    }
  }
  for (const list of managers.values()) list.sort();
  return { asOf, units, persons, positions, managers, primaryPosition, depth, held: new Set() };
}

const emptySnapshot = (asOf: IsoDate): Snapshot => ({
  asOf,
  units: new Map(),
  persons: new Map(),
  positions: new Map(),
  managers: new Map(),
  primaryPosition: new Map(),
  depth: new Map(),
  held: new Set(),
});
