/**
 * `orgsync run` with the SD Løn source against the simulator, as an operator runs it: a run
 * syncs, and a run whose SD read fails part-way, or meets SD closed, stops before any target
 * is planned, with an error that says what to do, and leaves the target as it was.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderMunicipality } from '../../connectors/sd-lon/simulator/render.js';
import type { InjectedFault, SdSimulator } from '../../connectors/sd-lon/simulator/server.js';
import { SdStore } from '../../connectors/sd-lon/simulator/store.js';
import { startTestSimulator, TEST_USER } from '../../connectors/sd-lon/testing.js';
import { generateMunicipality } from '../../src/generate/index.js';
import { todayIso } from '../../src/model/dates.js';
import { runCli } from '../support/cli.js';

describe('orgsync run with the sd-lon source', () => {
  let sim: SdSimulator;
  let dir: string;
  let config: string;
  let fault: { operation: string; fate: InjectedFault } | null = null;
  let closed = false;
  const env = { SD_E2E_PASSWORD: TEST_USER.password };

  beforeAll(async () => {
    const store = new SdStore();
    renderMunicipality(store, generateMunicipality({ seed: 21, persons: 300, asOf: todayIso() }), {
      institution: 'AB',
      registeredAt: new Date(Date.now() - 86_400_000),
    });
    sim = await startTestSimulator(store, {
      openingHours: { open: '06:05', close: '21:55' },
      // Open around the clock unless the test closes it: the e2e run must not depend on the hour.
      clock: () => (closed ? new Date('2026-03-02T23:30:00Z') : new Date('2026-03-02T10:00:00Z')),
      faults: { hook: ({ operation }) => (fault?.operation === operation ? fault.fate : null) },
    });
    dir = mkdtempSync(join(tmpdir(), 'orgsync-sd-e2e-'));
    writeFileSync(join(dir, 'pseudonym.key'), 'sd-e2e-pseudonym-key-0123456789');
    config = join(dir, 'orgsync.yaml');
    writeFileSync(
      config,
      `source:
  connector: sd-lon
  config:
    url: ${sim.url}
    username: ${TEST_USER.username}
    password: { env: SD_E2E_PASSWORD }
    institutions: [{ identifier: AB }]
    payrollLevels: [Afdelings-niveau]
    retries: 1
privacy:
  pseudonymKey: { file: ${join(dir, 'pseudonym.key')} }
state:
  kind: sqlite
  path: ${join(dir, 'state.db')}
workDir: ${join(dir, 'work')}
targets:
  - name: staff
    connector: csv-export
    config: { directory: ${join(dir, 'out')}, mode: full }
    objects:
      person:
        attributes:
          givenName: "\${person.givenName}"
          department: "\${unit.name}"
`,
    );
    mkdirSync(join(dir, 'out'));
  });
  afterAll(() => sim.close());

  const targetFiles = () =>
    readdirSync(join(dir, 'out'))
      .sort()
      .map((f) => [f, readFileSync(join(dir, 'out', f), 'utf8')]);

  it('syncs the organisation SD holds', async () => {
    const r = await runCli(['run', '--config', config], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const [, csv] = targetFiles().find(([f]) => f!.startsWith('person'))!;
    expect(csv!.split('\n').length).toBeGreaterThan(250);
  });

  it('stops before planning when a call keeps failing, and leaves the target untouched', async () => {
    const before = targetFiles();
    fault = { operation: 'GetEmploymentChangedAtDate20111201', fate: 'error' };
    try {
      const r = await runCli(['run', '--config', config], env);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/ORGSYNC_SD_UNREACHABLE/);
      expect(r.stderr).toMatch(/GetEmploymentChangedAtDate20111201/);
      expect(r.stderr).not.toMatch(/\d{10}/);
      expect(r.stdout).not.toMatch(/plan/i);
    } finally {
      fault = null;
    }
    expect(targetFiles()).toEqual(before);
  });

  it('stops with ORGSYNC_SD_CLOSED outside the opening hours, saying when SD opens', async () => {
    const before = targetFiles();
    closed = true;
    try {
      const r = await runCli(['plan', '--config', config], env);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/ORGSYNC_SD_CLOSED/);
      expect(r.stderr).toMatch(/06:05/);
    } finally {
      closed = false;
    }
    expect(targetFiles()).toEqual(before);
  });
});
