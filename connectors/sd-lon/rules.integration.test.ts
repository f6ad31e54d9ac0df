/**
 * SD's rules on a small hand-made institution served by the simulator: status codes, leave,
 * an employment number deleted and given to another person, payroll levels lifted, both
 * manager rules, several institutions, and a department SD gives no parent for.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Position } from '../../src/model/schema.js';
import { OPEN_END, type SdDepartment } from './model.js';
import type { SdSimulator } from './simulator/server.js';
import { SdStore, simulatorUuid } from './simulator/store.js';
import { pseudonymize, readSdSource, startTestSimulator, testConfig } from './testing.js';

const DAY = '2026-04-01';
const past = new Date('2026-01-05T09:00:00Z');

/** Root NY3 > NY2 "Skole" > payroll "Skole løn" and "Skole_leder"; plus "Plejen" (NY2) directly staffed. */
type Department = SdDepartment & { parentUuid: string };
type Organisation = Record<'root' | 'school' | 'pay' | 'lead' | 'care', Department>;

function organisation(store: SdStore, institution: string): Organisation {
  const inst = store.addInstitution({ identifier: institution });
  const dep = (identifier: string, name: string, level: string, parent: string | null) => ({
    identifier,
    uuid: simulatorUuid(`${institution}/${identifier}`),
    name,
    level,
    activationDate: '2020-01-01',
    deactivationDate: OPEN_END,
    parentUuid: parent === null ? inst.uuid : simulatorUuid(`${institution}/${parent}`),
  });
  const d = {
    root: dep(`${institution}1`, `Kommune ${institution}`, 'NY3-niveau', null),
    school: dep(`${institution}2`, 'Skole', 'NY2-niveau', `${institution}1`),
    pay: dep(`${institution}3`, 'Skole løn', 'Afdelings-niveau', `${institution}2`),
    lead: dep(`${institution}4`, 'Skole_leder', 'Afdelings-niveau', `${institution}2`),
    care: dep(`${institution}5`, 'Plejen', 'NY2-niveau', `${institution}1`),
  };
  store.setDepartments(institution, Object.values(d));
  return d;
}

function employ(
  store: SdStore,
  institution: string,
  cpr: string,
  id: string,
  department: SdDepartment,
  status: [from: string, to: string, code: string][],
  job = { jobPositionId: '2000', name: 'Lærer' },
) {
  store.registerPerson(
    institution,
    {
      cpr,
      givenName: `Navn${id}`,
      surname: 'Holm',
      employmentContacts: { [id]: { phones: [], emails: [`${id}@x.dk`] } },
    },
    past,
  );
  store.registerEmployment(
    institution,
    {
      id,
      cpr,
      employmentDate: '2021-01-01',
      timelines: {
        status: status.map(([from, to, value]) => ({ from, to, value })),
        department: [
          {
            from: '2021-01-01',
            to: OPEN_END,
            value: { identifier: department.identifier, uuid: department.uuid },
          },
        ],
        profession: [{ from: '2021-01-01', to: OPEN_END, value: job }],
        workingTime: [{ from: '2021-01-01', to: OPEN_END, value: '0.5000' }],
      },
    },
    past,
  );
}

const byEmployment = (positions: Position[], id: string) =>
  positions.filter((p) => p.key.split('-')[1] === id);

describe('sd-lon rules', () => {
  let sim: SdSimulator;
  let store: SdStore;
  let ab: ReturnType<typeof organisation>;
  beforeAll(async () => {
    store = new SdStore();
    ab = organisation(store, 'AB');
    employ(store, 'AB', '0101801111', '00001', ab.pay, [['2021-01-01', OPEN_END, '1']]);
    employ(store, 'AB', '0101801112', '00002', ab.pay, [['2021-01-01', OPEN_END, '0']]);
    employ(store, 'AB', '0101801113', '00003', ab.pay, [
      ['2021-01-01', '2026-02-28', '1'],
      ['2026-03-01', '2026-06-30', '3'],
      ['2026-07-01', OPEN_END, '1'],
    ]);
    employ(store, 'AB', '0101801114', '00004', ab.pay, [
      ['2021-01-01', '2026-03-31', '1'],
      ['2026-04-01', OPEN_END, '8'],
    ]);
    employ(store, 'AB', '0101801115', '00005', ab.care, [
      ['2021-01-01', '2026-09-30', '1'],
      ['2026-10-01', OPEN_END, '9'],
    ]);
    employ(store, 'AB', '0101801116', '00006', ab.lead, [['2021-01-01', OPEN_END, '1']], {
      jobPositionId: '1040',
      name: 'Skoleleder',
    });
    employ(store, 'AB', '0101801117', '00007', ab.care, [['2021-01-01', OPEN_END, '7']]);
    // Employment 00008: first one person's, deleted, then given to another person.
    employ(store, 'AB', '0101801118', '00008', ab.care, [['2021-01-01', OPEN_END, '1']]);
    store.deleteEmployment('AB', '00008', '0101801118', past);
    employ(store, 'AB', '0101801119', '00008', ab.school, [['2026-02-01', OPEN_END, '1']]);
    sim = await startTestSimulator(store);
  });
  afterAll(() => sim.close());

  it('maps status codes: 0/1 employed, 3 on leave, 7/8/9 gone, S gone; knows a coming end', async () => {
    const { positions } = await readSdSource(testConfig(sim, ['AB']), DAY);
    expect(byEmployment(positions, '00001')).toMatchObject([{ onLeave: false, validTo: null }]);
    expect(byEmployment(positions, '00002')).toMatchObject([{ onLeave: false }]);
    expect(byEmployment(positions, '00003')).toMatchObject([{ onLeave: true, validTo: null }]);
    expect(byEmployment(positions, '00004')).toEqual([]);
    expect(byEmployment(positions, '00005')).toMatchObject([{ validTo: '2026-09-30' }]);
    expect(byEmployment(positions, '00007')).toEqual([]);
  });

  it('gives a reused employment number to the new person as a new position', async () => {
    const { positions } = await readSdSource(testConfig(sim, ['AB']), DAY);
    const reused = byEmployment(positions, '00008');
    expect(reused).toHaveLength(1);
    expect(reused[0]).toMatchObject({ personKey: pseudonymize('0101801119'), unitKey: 'AB2' });
    // The first holder's key would have been different: the number alone does not identify it.
    expect(reused[0]!.key).not.toBe(`AB-00008-${pseudonymize('0101801118').slice(2, 8)}`);
  });

  it('lifts staff from payroll departments and reads managers from leader departments', async () => {
    const { units, positions } = await readSdSource(testConfig(sim, ['AB']), DAY);
    expect(units.map((u) => u.key).sort()).toEqual(['AB1', 'AB2', 'AB5']);
    expect(byEmployment(positions, '00001')).toMatchObject([{ unitKey: 'AB2', manager: false }]);
    expect(byEmployment(positions, '00006')).toMatchObject([{ unitKey: 'AB2', manager: true }]);
  });

  it('keeps every department and placement without payrollLevels; job positions can name managers', async () => {
    const config = testConfig(sim, ['AB'], {
      payrollLevels: undefined,
      managers: { rule: 'job-position', jobPositions: ['1040'] },
    });
    const { units, positions } = await readSdSource(config, DAY);
    expect(units.map((u) => u.key).sort()).toEqual(['AB1', 'AB2', 'AB3', 'AB4', 'AB5']);
    expect(byEmployment(positions, '00001')).toMatchObject([{ unitKey: 'AB3', manager: false }]);
    expect(byEmployment(positions, '00006')).toMatchObject([{ unitKey: 'AB4', manager: true }]);
  });

  it('reports a status code that is not configured for that employment, without its person', async () => {
    const config = testConfig(sim, ['AB'], {
      statusCodes: { employed: ['1'], leave: ['3'], left: ['7', '8', '9'], deleted: ['S'] },
    });
    const { positions, rejected } = await readSdSource(config, DAY);
    expect(byEmployment(positions, '00002')).toEqual([]);
    expect(rejected).toEqual([
      expect.objectContaining({
        recordType: 'position',
        code: 'unknown-status',
        message: expect.stringMatching(/00002.*StatusCode 0/),
      }),
    ]);
    expect(JSON.stringify(rejected)).not.toMatch(/\d{10}/);
  });

  it('reads several institutions into one organisation; a person in both appears once', async () => {
    const ac = organisation(store, 'AC');
    employ(store, 'AC', '0101801111', '00001', ac.care, [['2021-01-01', OPEN_END, '1']]);
    try {
      const { units, persons, positions } = await readSdSource(
        testConfig(sim, ['AB', 'AC'], { unitKey: 'uuid' }),
        DAY,
      );
      expect(
        units
          .filter((u) => u.parentKey === null)
          .map((u) => u.shortName)
          .sort(),
      ).toEqual(['AB1', 'AC1']);
      const both = positions.filter((p) => p.personKey === pseudonymize('0101801111'));
      expect(both.map((p) => p.key.split('-')[0]).sort()).toEqual(['AB', 'AC']);
      expect(persons.filter((p) => p.key === pseudonymize('0101801111'))).toHaveLength(1);
      // AC loses the surname: AB still has the person, so nothing is held back.
      store.registerPerson('AC', { cpr: '0101801111', givenName: 'Navn', surname: '' }, new Date());
      const again = await readSdSource(testConfig(sim, ['AB', 'AC'], { unitKey: 'uuid' }), DAY);
      expect(again.persons.filter((p) => p.key === pseudonymize('0101801111'))).toHaveLength(1);
      expect(again.rejected).toEqual([]);
    } finally {
      store.clearInstitution('AC');
      store.setDepartments('AC', []);
    }
  });

  it('reports a department SD gives no parent for, and reads the rest', async () => {
    const inst = store.require('AB');
    const orphan = {
      ...ab.care,
      identifier: 'AB9',
      uuid: simulatorUuid('AB/AB9'),
      name: 'Forældreløs',
      parentUuid: simulatorUuid('nowhere'),
    };
    store.setDepartments('AB', [...inst.departments, orphan]);
    try {
      const { units, rejected } = await readSdSource(testConfig(sim, ['AB']), DAY);
      expect(units.map((u) => u.key)).not.toContain('AB9');
      expect(rejected).toEqual([
        expect.objectContaining({ recordType: 'unit', key: 'AB9', code: 'missing-parent' }),
      ]);
    } finally {
      store.setDepartments(
        'AB',
        inst.departments.filter((d) => d.identifier !== 'AB9'),
      );
    }
  });

  it('follows a leave, an end and a reused number through deltas exactly as a full read sees them', async () => {
    const workDir = mkdtempSync(join(tmpdir(), 'orgsync-sd-rules-'));
    const config = testConfig(sim, ['AB']);
    await readSdSource(config, '2026-02-15', workDir);
    // Registered after that read: 00001 goes on leave in March; 00002's number is deleted and reused.
    const now = new Date();
    store.registerPeriods(
      'AB',
      '00001',
      '0101801111',
      'status',
      [{ from: '2026-03-10', to: '2026-03-31', value: '3' }],
      now,
    );
    store.deleteEmployment('AB', '00002', '0101801112', now);
    employ(store, 'AB', '0101801120', '00002', ab.care, [['2026-03-01', OPEN_END, '1']]);
    for (const day of ['2026-03-05', '2026-03-15', DAY]) {
      const delta = await readSdSource(config, day, workDir);
      const full = await readSdSource(config, day);
      const view = (ps: Position[]) => ps.map((p) => [p.key, p.unitKey, p.onLeave, p.validTo]).sort();
      expect(view(delta.positions), day).toEqual(view(full.positions));
    }
    const leave = await readSdSource(config, '2026-03-15', workDir);
    expect(byEmployment(leave.positions, '00001')).toMatchObject([{ onLeave: true }]);
    expect(byEmployment(leave.positions, '00002')).toMatchObject([{ personKey: pseudonymize('0101801120') }]);
  });
});

describe('sd-lon configuration', () => {
  it('refuses unit keys by DepartmentIdentifier across several institutions, and credentials in the URL', () => {
    expect(() => testConfig({ url: 'http://127.0.0.1:1/sdws/' }, ['AB', 'AC'])).toThrow(
      /unique only within one institution/,
    );
    expect(() => testConfig({ url: 'http://user:pw@127.0.0.1:1/sdws/' }, ['AB'])).toThrow(
      /must not hold credentials/,
    );
  });
});
