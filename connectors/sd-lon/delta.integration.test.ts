/**
 * Deltas in the corners a review found: an employment that comes back with only some parts
 * registered, a lower-numbered employment starting after the full read (whose contact details
 * the person then takes), a passive code counted as employed, status periods split in two,
 * the full read coming back after `fullReadAfterHours`, and a failed read that must stop
 * making calls. In each, a delta must give what a full read on the same day gives.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SourceExport } from '../../src/model/schema.js';
import { OPEN_END } from './model.js';
import { SdStore, type StoredDepartment, simulatorUuid } from './simulator/store.js';
import { readSdSource, startTestSimulator, testConfig } from './testing.js';

const A = '0101801234';
const B = '0202802345';
const C = '0303803456';
const profession = { jobPositionId: '1040', name: 'Sygeplejerske' };

function institution(store: SdStore): { identifier: string; uuid: string } {
  const inst = store.addInstitution({ identifier: 'XY' });
  const dep = (identifier: string, level: string, parentUuid: string): StoredDepartment => ({
    identifier,
    uuid: simulatorUuid(`XY/${identifier}`),
    level,
    name: `Afdeling ${identifier}`,
    activationDate: '2010-01-01',
    deactivationDate: OPEN_END,
    parentUuid,
  });
  const root = dep('R', 'NY6-niveau', inst.uuid);
  const unit = dep('X', 'NY5-niveau', root.uuid);
  const pay = dep('AX', 'Afdelings-niveau', unit.uuid);
  store.setDepartments('XY', [root, unit, pay]);
  return { identifier: pay.identifier, uuid: pay.uuid };
}

const whole = (department: { identifier: string; uuid: string }, from: string, status = '1') => ({
  status: [{ from, to: OPEN_END, value: status }],
  department: [{ from, to: OPEN_END, value: department }],
  profession: [{ from, to: OPEN_END, value: profession }],
  workingTime: [{ from, to: OPEN_END, value: '0.5000' }],
});

const view = (e: SourceExport) => ({
  persons: e.persons.map((p) => [p.key, p.givenName, p.email, p.phone]).sort(),
  positions: e.positions
    .map((p) => [p.key, p.unitKey, p.title, p.jobCode, p.fraction, p.onLeave, p.validTo])
    .sort(),
  rejected: e.rejected,
});

describe('sd-lon deltas in the corners', () => {
  it('equal full reads: a comeback with some parts, a later lower number, split status periods', async () => {
    const store = new SdStore();
    const ax = institution(store);
    const before = new Date(Date.now() - 86_400_000);
    // A: employment 500 now, and 100 (a lower number) from 03-05, registered before the full read.
    store.registerPerson(
      'XY',
      {
        cpr: A,
        givenName: 'Anna',
        surname: 'Holm',
        employmentContacts: {
          '500': { phones: ['500500'], emails: ['a500@x.dk'] },
          '100': { phones: ['100100'], emails: ['a100@x.dk'] },
        },
      },
      before,
    );
    store.registerEmployment(
      'XY',
      { id: '500', cpr: A, employmentDate: '2020-01-01', timelines: whole(ax, '2020-01-01') },
      before,
    );
    store.registerEmployment(
      'XY',
      { id: '100', cpr: A, employmentDate: '2026-03-05', timelines: whole(ax, '2026-03-05') },
      before,
    );
    // B left before the full read; afterwards the end is annulled with status and department only.
    store.registerPerson('XY', { cpr: B, givenName: 'Bo', surname: 'Berg' }, before);
    store.registerEmployment(
      'XY',
      {
        id: '600',
        cpr: B,
        employmentDate: '2020-01-01',
        timelines: {
          ...whole(ax, '2020-01-01'),
          status: [
            { from: '2020-01-01', to: '2026-02-28', value: '1' },
            { from: '2026-03-01', to: OPEN_END, value: '8' },
          ],
        },
      },
      before,
    );
    // C: employed until 03-09, employed again (re-registered) until 06-30, then ended.
    store.registerPerson('XY', { cpr: C, givenName: 'Cis', surname: 'Dahl' }, before);
    store.registerEmployment(
      'XY',
      {
        id: '700',
        cpr: C,
        employmentDate: '2020-01-01',
        timelines: {
          ...whole(ax, '2020-01-01'),
          status: [
            { from: '2020-01-01', to: '2026-03-09', value: '1' },
            { from: '2026-03-10', to: '2026-06-30', value: '3' },
            { from: '2026-07-01', to: OPEN_END, value: '8' },
          ],
        },
      },
      before,
    );
    const sim = await startTestSimulator(store);
    try {
      const config = testConfig(sim, ['XY']);
      const dir = mkdtempSync(join(tmpdir(), 'orgsync-sd-corners-'));
      const day0 = await readSdSource(config, '2026-03-02', dir);
      expect(day0.positions.find((p) => p.key.startsWith('XY-700-'))?.validTo).toBe('2026-06-30');
      const now = new Date();
      store.registerPeriods(
        'XY',
        '600',
        B,
        'status',
        [{ from: '2026-03-01', to: OPEN_END, value: '1' }],
        now,
      );
      store.registerPeriods(
        'XY',
        '600',
        B,
        'department',
        [{ from: '2026-03-01', to: OPEN_END, value: ax }],
        now,
      );
      for (const day of ['2026-03-05', '2026-03-12']) {
        const delta = await readSdSource(config, day, dir);
        const full = await readSdSource(config, day);
        expect(view(delta), day).toEqual(view(full));
      }
      const last = await readSdSource(config, '2026-03-12', dir);
      expect(last.persons.find((p) => p.givenName === 'Anna')).toMatchObject({ email: 'a100@x.dk' });
      expect(last.positions.find((p) => p.key.startsWith('XY-600-'))).toMatchObject({
        title: 'Sygeplejerske',
      });
    } finally {
      await sim.close();
    }
  });

  it('counts a passive code configured as employed the same way in full and delta reads', async () => {
    const store = new SdStore();
    const ax = institution(store);
    const before = new Date(Date.now() - 86_400_000);
    store.registerPerson('XY', { cpr: A, givenName: 'Anna', surname: 'Holm' }, before);
    store.registerEmployment(
      'XY',
      { id: '500', cpr: A, employmentDate: '2020-01-01', timelines: whole(ax, '2020-01-01') },
      before,
    );
    store.registerPerson('XY', { cpr: B, givenName: 'Bo', surname: 'Berg' }, before);
    store.registerEmployment(
      'XY',
      { id: '600', cpr: B, employmentDate: '2020-01-01', timelines: whole(ax, '2020-01-01', '7') },
      before,
    );
    const sim = await startTestSimulator(store);
    try {
      const config = testConfig(sim, ['XY'], {
        statusCodes: { employed: ['0', '1', '7'], leave: ['3'], left: ['8', '9'], deleted: ['S'] },
      });
      const dir = mkdtempSync(join(tmpdir(), 'orgsync-sd-passive-'));
      const full0 = await readSdSource(config, '2026-03-02', dir);
      expect(full0.positions).toHaveLength(2);
      store.registerPeriods(
        'XY',
        '500',
        A,
        'status',
        [{ from: '2026-03-01', to: OPEN_END, value: '7' }],
        new Date(),
      );
      const delta = await readSdSource(config, '2026-03-02', dir);
      expect(view(delta)).toEqual(view(await readSdSource(config, '2026-03-02')));
    } finally {
      await sim.close();
    }
  });

  it('reads in full again once the full read the deltas build on is older than fullReadAfterHours', async () => {
    const store = new SdStore();
    const ax = institution(store);
    store.registerPerson(
      'XY',
      { cpr: A, givenName: 'Anna', surname: 'Holm' },
      new Date(Date.now() - 86_400_000),
    );
    store.registerEmployment(
      'XY',
      { id: '500', cpr: A, employmentDate: '2020-01-01', timelines: whole(ax, '2020-01-01') },
      new Date(Date.now() - 86_400_000),
    );
    const sim = await startTestSimulator(store);
    try {
      const config = testConfig(sim, ['XY'], { deltas: { enabled: true, fullReadAfterHours: 0.2 / 3600 } });
      const dir = mkdtempSync(join(tmpdir(), 'orgsync-sd-age-'));
      const fullReads = () => sim.callsByOperation().GetEmployment20111201 ?? 0;
      await readSdSource(config, '2026-03-02', dir);
      await readSdSource(config, '2026-03-02', dir); // a delta, within 0.2 s
      expect(fullReads()).toBe(1);
      await new Promise((r) => setTimeout(r, 250));
      await readSdSource(config, '2026-03-02', dir); // deltas kept the cache fresh; the full read is old
      expect(fullReads()).toBe(2);
    } finally {
      await sim.close();
    }
  });

  it('makes no more calls once a read has failed', async () => {
    const store = new SdStore();
    const inst = store.addInstitution({ identifier: 'XY' });
    const departments: StoredDepartment[] = [];
    const root = simulatorUuid('XY/R');
    departments.push({
      identifier: 'R',
      uuid: root,
      level: 'NY6-niveau',
      name: 'R',
      activationDate: '2010-01-01',
      deactivationDate: OPEN_END,
      parentUuid: inst.uuid,
    });
    // 200 departments without staff: each needs its own GetDepartmentParent.
    for (let i = 0; i < 200; i++) {
      departments.push({
        identifier: `D${i}`,
        uuid: simulatorUuid(`XY/D${i}`),
        level: 'NY5-niveau',
        name: `D${i}`,
        activationDate: '2010-01-01',
        deactivationDate: OPEN_END,
        parentUuid: root,
      });
    }
    store.setDepartments('XY', departments);
    let parentCalls = 0;
    const sim = await startTestSimulator(store, {
      latencyMs: 10,
      faults: {
        hook: ({ operation }) =>
          operation === 'GetDepartmentParent20190701' && ++parentCalls === 3 ? 'fault' : null,
      },
    });
    try {
      await expect(readSdSource(testConfig(sim, ['XY']), '2026-03-02')).rejects.toMatchObject({
        code: 'ORGSYNC_SD_FAULT',
      });
      const atFailure = sim.calls();
      await new Promise((r) => setTimeout(r, 300));
      expect(sim.calls()).toBeLessThanOrEqual(atFailure + 8);
      expect(sim.calls()).toBeLessThan(60);
    } finally {
      await sim.close();
    }
  });
});
