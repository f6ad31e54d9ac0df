/**
 * One read of SD Løn: every configured institution's organisation, persons and employments,
 * mapped to the canonical model for the run's day. Either the whole read succeeds or it
 * throws: nothing read so far is returned or cached when a call fails part-way.
 *
 * The organisation is read in full every time (SD has no delta feed for it): one
 * GetDepartment, one GetOrganization, and one GetDepartmentParent per department that the
 * leaf-first GetOrganization structure does not reach. Persons and employments are read in
 * full (GetPerson, GetEmployment) on the first run and whenever the last full read is older
 * than `deltas.fullReadAfterHours`; in between, as the changes since the last
 * read (delta.ts) when the cache allows.
 */
import type { Logger } from 'pino';
import type { Person, SourceExport } from '../../src/model/schema.js';
import type { InstitutionCache, SdCache } from './cache.js';
import type { SdClient } from './client.js';
import type { SdLonConfig } from './config.js';
import { applyDelta, layPeriods } from './delta.js';
import { isNotFound } from './errors.js';
import { type InstitutionRead, type Mapped, mapInstitution } from './map.js';
import { employmentKey, OPEN_END, type SdDepartment, type SdEmployment, type SdPerson } from './model.js';
import { dayAfter } from './periods.js';

export interface ReadRequest {
  config: SdLonConfig;
  client: SdClient;
  asOf: string;
  pseudonymize(cpr: string): string;
  logger: Logger;
  /** The cache of the last read, when a delta may be used; null for a full read. */
  cache: SdCache | null;
  /** The identity of this setup (URL, institutions), stored with the new cache. */
  setup: string;
  now(): Date;
}

export interface ReadResult {
  export: SourceExport;
  cache: SdCache;
  mode: 'full' | 'delta';
}

export async function readSd(req: ReadRequest): Promise<ReadResult> {
  const readAt = req.now().toISOString();
  const institutions = new Map<string, InstitutionCache>();
  const mapped: Mapped[] = [];
  let mode: ReadResult['mode'] = 'delta';
  const passive = asksPassive(req.config.statusCodes);
  // Institutions one after another: each already runs its calls concurrently (the client's
  // queue), and the order keeps persons found in several institutions deterministic.
  for (const { identifier } of req.config.institutions) {
    const previous = req.cache?.institutions.get(identifier);
    const [org, staff] = await Promise.all([
      readOrganisation(req.client, identifier, req.asOf),
      previous === undefined
        ? readStaff(req.client, identifier, req.asOf, readAt, passive)
        : applyDelta({
            client: req.client,
            institution: identifier,
            asOf: req.asOf,
            readAt,
            cache: previous,
            statusCodes: req.config.statusCodes,
            passive,
          }),
    ]);
    if (previous === undefined) mode = 'full';
    institutions.set(identifier, staff);
    mapped.push(
      mapInstitution(
        { ...org, institution: identifier, persons: staff.persons, employments: staff.employments.values() },
        { asOf: req.asOf, pseudonymize: req.pseudonymize, config: req.config },
      ),
    );
  }
  return {
    export: merge(mapped, req),
    cache: { setup: req.setup, institutions },
    mode,
  };
}

/**
 * SD lists passive employments (7, 8, 9) only when asked. A configuration that counts one of
 * them as employed or on leave must ask, or full and delta reads would disagree.
 */
const ACTIVE = new Set(['0', '1', '3']);
const asksPassive = (codes: SdLonConfig['statusCodes']): boolean =>
  [...codes.employed, ...codes.leave].some((c) => !ACTIVE.has(c));

type Organisation = Pick<InstitutionRead, 'institutionUuid' | 'departments' | 'parents'>;

/** Departments and the full tree: GetOrganization's parents, then GetDepartmentParent for the rest. */
async function readOrganisation(client: SdClient, institution: string, asOf: string): Promise<Organisation> {
  const [{ institutionUuid, departments }, fromStructure] = await Promise.all([
    client.departments(institution, asOf, asOf),
    client.organization(institution, asOf),
  ]);
  const parents = new Map<string, string | null>();
  const missed: SdDepartment[] = [];
  for (const d of departments) {
    const parent = fromStructure.get(d.uuid);
    if (parent === undefined) missed.push(d);
    else parents.set(d.uuid, parent);
  }
  await Promise.all(
    missed.map(async (d) => {
      // SD refuses a parent lookup for a day before the department existed; GetDepartment
      // was asked for this day alone, so every department listed exists on it.
      try {
        const parent = await client.departmentParent(d.uuid, asOf);
        parents.set(d.uuid, parent === institutionUuid ? null : parent);
      } catch (e) {
        // Not a failed read: the department is reported as having no parent (map.ts).
        if (!isNotFound(e)) throw e;
      }
    }),
  );
  return { institutionUuid, departments, parents };
}

/**
 * The full read of one institution's persons and employments on the day. GetEmployment gives
 * only the periods holding on the day; what SD already knows of later days (an end of
 * employment, a leave, a hire next month) comes from one GetEmploymentChanged over the
 * future, laid over it. Without it a position's last day would be unknown, and a delta on a
 * later day could not tell a hire registered before this read.
 */
async function readStaff(
  client: SdClient,
  institution: string,
  asOf: string,
  readAt: string,
  passive: boolean,
): Promise<InstitutionCache> {
  const [persons, employments, future] = await Promise.all([
    client.persons(institution, asOf, { passive }),
    client.employments(institution, asOf, { passive }),
    client.employmentsChanged(institution, dayAfter(asOf), OPEN_END),
  ]);
  const byKey = new Map(employments.map((e): [string, SdEmployment] => [employmentKey(e.id, e.cpr), e]));
  for (const e of future) layPeriods(byKey, e);
  return {
    asOf,
    readAt,
    fullReadAt: readAt,
    persons: new Map(persons.map((p): [string, SdPerson] => [p.cpr, p])),
    employments: byKey,
  };
}

/** One export from every institution; a person employed in several appears once (first institution's data). */
function merge(mapped: readonly Mapped[], req: ReadRequest): SourceExport {
  const persons = new Map<string, Person>();
  for (const m of mapped) for (const p of m.persons) if (!persons.has(p.key)) persons.set(p.key, p);
  return {
    units: mapped.flatMap((m) => m.units),
    persons: [...persons.values()],
    positions: mapped.flatMap((m) => m.positions),
    // A person one institution could not map but another could is not held back.
    rejected: mapped
      .flatMap((m) => m.rejected)
      .filter((r) => r.recordType !== 'person' || !persons.has(r.key)),
    meta: {
      source: 'sd-lon',
      origin: `${req.config.url} (${req.config.institutions.map((i) => i.identifier).join(', ')})`,
      exportedAt: req.now().toISOString(),
    },
  };
}
