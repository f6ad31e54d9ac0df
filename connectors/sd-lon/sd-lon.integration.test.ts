/**
 * The sd-lon source against the local SD simulator, which serves generated municipalities in
 * SD's XML shapes (PROTOCOL.md): a full read equals the OPUS reading of the same
 * municipality; deltas over days equal full reads; a fault or a closed service never yields
 * a partial snapshot.
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateMunicipality, type Municipality, nextDay, writeOpusFile } from '../../src/generate/index.js';
import { silentLogger } from '../../src/log/logger.js';
import type { SourceExport } from '../../src/model/schema.js';
import { OpusXmlConfig, opusXmlSource } from '../opus-xml/index.js';
import { advanceMunicipality, renderMunicipality } from './simulator/render.js';
import type { SdSimulator } from './simulator/server.js';
import { SdStore } from './simulator/store.js';
import {
  comparable,
  employmentNumber,
  pseudonymize,
  readSdSource,
  startTestSimulator,
  testConfig,
} from './testing.js';

const AS_OF = '2026-03-02';
const dayAgo = () => new Date(Date.now() - 86_400_000);

async function readOpus(m: Municipality): Promise<SourceExport> {
  const dir = mkdtempSync(join(tmpdir(), 'orgsync-sd-opus-'));
  const file = join(dir, `ZLPE${m.asOf.replaceAll('-', '')}053000_delta.xml`);
  await writeOpusFile(m, file);
  const session = await opusXmlSource.open(OpusXmlConfig.parse({ path: file }), {
    instance: 'source',
    logger: silentLogger(),
    workDir: dir,
    pseudonymize,
    asOf: m.asOf,
  });
  return session.read();
}

describe('sd-lon: a full read against the SD simulator', () => {
  let sim: SdSimulator;
  let m: Municipality;
  beforeAll(async () => {
    m = generateMunicipality({ seed: 11, persons: 1500, asOf: AS_OF });
    const store = new SdStore();
    renderMunicipality(store, m, { institution: 'AB', registeredAt: dayAgo() });
    sim = await startTestSimulator(store);
  });
  afterAll(() => sim.close());

  it('equals the same municipality read from its OPUS export: units, persons, positions', async () => {
    const sd = await readSdSource(testConfig(sim, ['AB']), AS_OF);
    const opus = await readOpus(m);
    expect(sd.rejected).toEqual([]);
    const fromSd = comparable(sd, AS_OF, employmentNumber);
    const fromOpus = comparable(opus, AS_OF);
    expect(fromSd.units.length).toBeGreaterThan(50);
    expect(fromSd.positions.some((p) => p.manager)).toBe(true);
    expect(fromSd.units).toEqual(fromOpus.units);
    expect(fromSd.persons).toEqual(fromOpus.persons);
    expect(fromSd.positions).toEqual(fromOpus.positions);
  });

  it('places departments that the leaf-first structure misses with GetDepartmentParent, and only those', async () => {
    // Two new departments with no staff, so no Afdelings-niveau leaf: GetOrganization omits
    // both. One starts next week, so its parent is asked for on its first day (SD's quirk).
    const inst = sim.store.require('AB');
    const root = inst.departments.find((d) => d.parentUuid === inst.uuid)!;
    const empty = (identifier: string, activationDate: string) => ({
      ...root,
      identifier,
      uuid: `00000000-0000-4000-8000-00000000000${identifier.length}`,
      name: `Tom enhed ${identifier}`,
      level: 'NY1-niveau',
      activationDate,
      parentUuid: root.uuid,
    });
    sim.store.setDepartments('AB', [
      ...inst.departments,
      empty('X1', '2020-01-01'),
      empty('X22', '2026-03-09'),
    ]);
    try {
      const before = sim.callsByOperation().GetDepartmentParent20190701 ?? 0;
      const today = await readSdSource(testConfig(sim, ['AB']), AS_OF);
      expect((sim.callsByOperation().GetDepartmentParent20190701 ?? 0) - before).toBe(1);
      expect(today.units.find((u) => u.key === 'X1')).toMatchObject({ parentKey: root.identifier });
      const nextWeek = await readSdSource(testConfig(sim, ['AB']), '2026-03-09');
      expect(nextWeek.units.find((u) => u.key === 'X22')).toMatchObject({ parentKey: root.identifier });
      expect(nextWeek.rejected).toEqual([]);
    } finally {
      sim.store.setDepartments(
        'AB',
        inst.departments.filter((d) => !d.identifier.startsWith('X')),
      );
    }
  });
});

describe('sd-lon: deltas over days', () => {
  it('give the same organisation as a full read on every day, and as OPUS', async () => {
    const store = new SdStore();
    let m = generateMunicipality({ seed: 5, persons: 1200, asOf: AS_OF });
    renderMunicipality(store, m, { institution: 'AB', registeredAt: dayAgo() });
    const sim = await startTestSimulator(store);
    try {
      const config = testConfig(sim, ['AB']);
      const deltaDir = mkdtempSync(join(tmpdir(), 'orgsync-sd-delta-'));
      await readSdSource(config, m.asOf, deltaDir); // the full read the deltas build on
      const rates = {
        hires: 0.02,
        leavers: 0.02,
        moves: 0.03,
        renames: 0.01,
        unitMoves: 0.005,
        closures: 0.002,
      };
      for (let day = 1; day <= 4; day++) {
        m = nextDay(m, rates, 5);
        advanceMunicipality(store, 'AB', m, new Date());
        const before = sim.callsByOperation();
        const delta = await readSdSource(config, m.asOf, deltaDir);
        const after = sim.callsByOperation();
        // A delta: the changed-at operations, not the full GetEmployment of everyone.
        expect(after.GetEmploymentChangedAtDate20111201 ?? 0).toBeGreaterThan(
          before.GetEmploymentChangedAtDate20111201 ?? 0,
        );
        expect(after.GetPerson20111201 ?? 0).toBeLessThan((before.GetPerson20111201 ?? 0) + 50);
        const full = await readSdSource(config, m.asOf);
        const fromDelta = comparable(delta, m.asOf, employmentNumber);
        expect(fromDelta).toEqual(comparable(full, m.asOf, employmentNumber));
        expect(fromDelta).toEqual(comparable(await readOpus(m), m.asOf));
      }
    } finally {
      await sim.close();
    }
  });
});

describe('sd-lon: never a partial snapshot', () => {
  let store: SdStore;
  beforeAll(() => {
    store = new SdStore();
    renderMunicipality(store, generateMunicipality({ seed: 3, persons: 300, asOf: AS_OF }), {
      institution: 'AB',
      registeredAt: dayAgo(),
    });
  });

  it('fails the whole read when any one operation keeps failing, whichever it is, and keeps the last cache', async () => {
    const clean = await startTestSimulator(store);
    const workDir = mkdtempSync(join(tmpdir(), 'orgsync-sd-fault-'));
    const baseline = await readSdSource(testConfig(clean, ['AB']), AS_OF, workDir);
    await clean.close();
    // The same address each time: the cache belongs to one service URL.
    const port = Number(new URL(clean.url).port);
    const cacheBefore = readdirSync(workDir).map((f) => readFileSync(join(workDir, f)).toString('base64'));
    const operations = [
      'GetDepartment20111201',
      'GetOrganization20111201',
      'GetEmploymentChangedAtDate20111201',
      'GetPersonChangedAtDate20111201',
      'GetEmploymentChanged20111201',
    ];
    const fates = ['error', 'fault', 'truncate', 'unauthorized'] as const;
    for (const [i, failing] of operations.entries()) {
      const fate = fates[i % fates.length]!;
      const sim = await startTestSimulator(store, {
        port,
        faults: { hook: ({ operation }) => (operation === failing ? fate : null) },
      });
      try {
        // The next day: a delta that also asks what took effect since (GetEmploymentChanged).
        const err = await readSdSource(testConfig(sim, ['AB']), '2026-03-03', workDir).catch(
          (e: unknown) => e,
        );
        expect(err, `${failing} ${fate}`).toMatchObject({ code: expect.stringMatching(/^ORGSYNC_SD_/) });
        expect((sim.callsByOperation()[failing] ?? 0) > 0, failing).toBe(true);
      } finally {
        await sim.close();
      }
    }
    const cacheAfter = readdirSync(workDir).map((f) => readFileSync(join(workDir, f)).toString('base64'));
    expect(cacheAfter).toEqual(cacheBefore);
    // The kept cache still gives a delta equal to the baseline.
    const sim = await startTestSimulator(store, { port });
    try {
      const again = await readSdSource(testConfig(sim, ['AB']), AS_OF, workDir);
      expect(comparable(again, AS_OF)).toEqual(comparable(baseline, AS_OF));
      expect(sim.callsByOperation().GetEmployment20111201 ?? 0).toBe(0);
    } finally {
      await sim.close();
    }
  });

  it('retries a truncated answer and reads the same organisation', async () => {
    const clean = await startTestSimulator(store);
    const expected = comparable(await readSdSource(testConfig(clean, ['AB']), AS_OF), AS_OF);
    await clean.close();
    let cut = 0;
    const sim = await startTestSimulator(store, {
      faults: {
        hook: ({ operation }) => (operation === 'GetEmployment20111201' && ++cut <= 2 ? 'truncate' : null),
      },
    });
    try {
      const read = await readSdSource(testConfig(sim, ['AB'], { retries: 2 }), AS_OF);
      expect(comparable(read, AS_OF)).toEqual(expected);
    } finally {
      await sim.close();
    }
  });

  it('stops with ORGSYNC_SD_CLOSED outside the opening hours, naming them', async () => {
    const sim = await startTestSimulator(store, {
      openingHours: { open: '06:05', close: '21:55' },
      clock: () => new Date('2026-03-02T22:30:00Z'),
    });
    try {
      const err = await readSdSource(testConfig(sim, ['AB']), AS_OF).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'ORGSYNC_SD_CLOSED' });
      expect(String((err as Error).message)).toMatch(/06:05/);
    } finally {
      await sim.close();
    }
  });

  it('when SD closes part-way, waits and reads everything again from the start', async () => {
    const clean = await startTestSimulator(store);
    const expected = comparable(await readSdSource(testConfig(clean, ['AB']), AS_OF), AS_OF);
    await clean.close();
    let closedUntil = 0;
    const sim = await startTestSimulator(store, {
      faults: {
        // The third call finds SD closed, and so does every call for the next 300 ms.
        hook: ({ n }) => {
          if (n === 3) closedUntil = Date.now() + 300;
          return Date.now() < closedUntil ? 'closed' : null;
        },
      },
    });
    try {
      const config = testConfig(sim, ['AB'], { closed: { waitMinutes: 0.05, pollSeconds: 0.1 } });
      const read = await readSdSource(config, AS_OF);
      expect(comparable(read, AS_OF)).toEqual(expected);
      expect(sim.calls()).toBeGreaterThan(6);
    } finally {
      await sim.close();
    }
  });
});
