/**
 * Test helpers for the sd-lon source: a simulator serving generated municipalities, a source
 * reading it, and a comparable view of what a read resolves to on a day. Used by the
 * connector's tests and the benchmark.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../src/log/logger.js';
import type { SourceExport } from '../../src/model/schema.js';
import { makePseudonymizer } from '../../src/util/pseudonym.js';
import { validateExport } from '../../src/validate/snapshot.js';
import { SdLonConfig, sdLonSource } from './index.js';
import { type SdSimulator, type SdSimulatorOptions, startSdSimulator } from './simulator/server.js';
import { SdStore } from './simulator/store.js';

export const TEST_USER = { username: 'orgsync', password: 'sd-test-secret' };
const PASSWORD_ENV = 'ORGSYNC_SD_TEST_PASSWORD';

export const pseudonymize = makePseudonymizer('sd-test-key');

/** A simulator on an ephemeral port, always open unless the options say otherwise. */
export async function startTestSimulator(
  store: SdStore = new SdStore(),
  opts: Partial<SdSimulatorOptions> = {},
): Promise<SdSimulator> {
  return startSdSimulator({ store, users: TEST_USER, openingHours: null, ...opts });
}

/** The source's configuration for a simulator, with the settings the OPUS comparison needs. */
export function testConfig(
  sim: { url: string },
  institutions: string[],
  extra: Record<string, unknown> = {},
) {
  process.env[PASSWORD_ENV] = TEST_USER.password;
  return SdLonConfig.parse({
    url: sim.url,
    username: TEST_USER.username,
    password: { env: PASSWORD_ENV },
    institutions: institutions.map((identifier) => ({ identifier })),
    unitKey: 'identifier',
    payrollLevels: ['Afdelings-niveau'],
    retries: 1,
    ...extra,
  });
}

/** Reads once; `workDir` carries the delta cache from one read to the next. */
export async function readSdSource(
  config: SdLonConfig,
  asOf: string,
  workDir: string = mkdtempSync(join(tmpdir(), 'orgsync-sd-')),
): Promise<SourceExport> {
  const session = await sdLonSource.open(config, {
    instance: 'source',
    logger: silentLogger(),
    workDir,
    pseudonymize,
    asOf,
  });
  return session.read();
}

export interface ComparableOrganisation {
  units: Record<string, unknown>[];
  persons: Record<string, unknown>[];
  positions: Record<string, unknown>[];
}

/**
 * What two sources must agree on: the organisation resolved on the day, with the fields both
 * OPUS and SD carry. Position keys go through `positionKey` (SD's hold the institution and a
 * pseudonym fragment around OPUS's employment number).
 */
export function comparable(
  exp: SourceExport,
  asOf: string,
  positionKey: (key: string) => string = (k) => k,
  opts: { expectSingleRoot?: boolean } = {},
): ComparableOrganisation {
  const { snapshot, structural } = validateExport(exp, {
    asOf,
    expectSingleRoot: opts.expectSingleRoot ?? true,
  });
  if (structural.length > 0) throw new Error(`structural damage: ${JSON.stringify(structural.slice(0, 3))}`);
  const sorted = <T extends { key: string }>(xs: T[]) => xs.sort((a, b) => (a.key < b.key ? -1 : 1));
  return {
    units: sorted(
      [...snapshot.units.values()].map((u) => ({
        key: u.key,
        parentKey: u.parentKey,
        name: u.name,
        pNumber: u.pNumber,
        phone: u.phone,
        address: u.address,
        validFrom: u.validFrom,
        validTo: u.validTo,
      })),
    ),
    persons: sorted(
      [...snapshot.persons.values()].map((p) => ({
        key: p.key,
        cpr: p.cpr,
        givenName: p.givenName,
        surname: p.surname,
        email: p.email,
        phone: p.phone,
      })),
    ),
    positions: sorted(
      [...snapshot.positions.values()].map((p) => ({
        key: positionKey(p.key),
        personKey: p.personKey,
        unitKey: p.unitKey,
        title: p.title,
        jobCode: p.jobCode,
        // SD writes OccupationRate with four decimals.
        fraction: p.fraction === undefined ? undefined : Math.round(p.fraction * 10_000) / 10_000,
        manager: p.manager,
        onLeave: p.onLeave,
        primary: p.primary,
        validFrom: p.validFrom,
        validTo: p.validTo,
      })),
    ),
  };
}

/** `AB-123456-3f9a2c` -> `123456`. */
export const employmentNumber = (key: string): string => key.split('-')[1] ?? key;
