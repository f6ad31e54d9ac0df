/**
 * The FK Organisation target against the strict simulator (which validates every request
 * against the v6 XSDs): a generated municipality synced and a day of churn, each followed
 * by an empty plan and a run that sends nothing; parents always before children; replies
 * lost and calls refused at random, converging with no duplicates; a run cut off by the
 * service going away, resumed; hostile names kept exact.
 */
import { mkdirSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEngine } from '../../src/engine/context.js';
import { closeWork, makePlan } from '../../src/engine/plan.js';
import { loadSnapshot } from '../../src/engine/snapshot.js';
import { silentLogger } from '../../src/log/logger.js';
import type { Snapshot } from '../../src/model/schema.js';
import { describeConformance } from '../../src/testing/conformance.js';
import { applyRecorded, syncAndReplan } from '../../test/support/engine.js';
import { makeWorkspace, type Workspace } from '../../test/support/workspace.js';
import { FkClient } from './client.js';
import { fkOrganisationTarget } from './index.js';
import { FkIds } from './objects.js';
import { makeClientCertificate } from './simulator/certs.js';
import { seedOrganisation } from './simulator/seed.js';
import { type FkSimulator, type FkSimulatorOptions, startFkSimulator } from './simulator/server.js';
import { latest, type RegistrationStore, type StoredObject } from './simulator/store.js';
import { FK_TEST_OBJECTS } from './testing.js';
import { ContractValidator } from './xsd.js';

const DAY0 = '2026-11-22';
const DAY1 = '2026-11-23';
const ORG = '5d1e2c3b-4a59-4e6f-8a7b-9c0d1e2f3a4b';
const ids = new FkIds(ORG);

const validator = new ContractValidator();
let sim: FkSimulator;
const start = (opts: FkSimulatorOptions = {}) => startFkSimulator({ validator, ...opts });
afterAll(async () => {
  await sim?.stop();
  validator.dispose();
});

function fkTarget(endpoint: string, extra: Record<string, unknown> = {}) {
  return {
    name: 'fk',
    connector: 'fk-organisation',
    config: { endpoint, organisation: ORG, timeoutMs: 1_000 },
    objects: FK_TEST_OBJECTS,
    onRemove: { unit: 'delete', person: 'disable', position: 'delete' },
    safety: { maxRemovals: 10_000, maxRemovalShare: 1 },
    concurrency: 8,
    retry: { attempts: 3, baseDelayMs: 10, maxDelayMs: 50 },
    ...extra,
  };
}

// --- reading the simulator's store ---------------------------------------------------------------

const isOpen = (i: { virkning?: { to?: unknown } }) => {
  const to = i.virkning?.to as { open?: true } | undefined;
  return to === undefined || to.open === true;
};
const status = (o: StoredObject) =>
  latest(o)
    .states.filter(isOpen)
    .map((s) => s.fields[0]?.value)
    .at(-1);
const openRefs = (o: StoredObject, name: string) =>
  latest(o)
    .relations.filter((r) => r.name === name && isOpen(r))
    .map((r) => (r.reference && 'uuid' in r.reference ? r.reference.uuid : ''));
const field = (o: StoredObject, name: string) =>
  latest(o)
    .attributes.filter(isOpen)
    .flatMap((a) => a.fields)
    .find((f) => f.name === name)?.value;
const active = (store: RegistrationStore, service: 'Bruger' | 'OrganisationEnhed' | 'OrganisationFunktion') =>
  store.all(service).filter((o) => status(o) === 'Aktiv');

/** FK holds exactly the snapshot: one active object per unit, user and position, each tied right. */
function expectMirrors(store: RegistrationStore, snap: Snapshot) {
  const units = active(store, 'OrganisationEnhed');
  expect(units.length).toBe(snap.units.size);
  for (const u of snap.units.values()) {
    const o = store.get('OrganisationEnhed', ids.unit(u.key))!;
    expect(field(o, 'EnhedNavn')).toBe(u.name);
    expect(openRefs(o, 'Overordnet')).toEqual(u.parentKey ? [ids.unit(u.parentKey)] : []);
  }
  expect(active(store, 'Bruger').length).toBe(snap.persons.size);
  const functions = active(store, 'OrganisationFunktion');
  const managers = [...snap.positions.values()].filter((p) => p.manager).length;
  expect(functions.length).toBe(snap.positions.size + managers);
  for (const p of snap.positions.values()) {
    const o = store.get('OrganisationFunktion', ids.position(p.key))!;
    expect(openRefs(o, 'TilknyttedeBrugere')).toEqual([ids.user(p.personKey)]);
    expect(openRefs(o, 'TilknyttedeEnheder')).toEqual([ids.unit(p.unitKey)]);
  }
}

/** Nothing the connector sent was refused as invalid (the simulator checks each against the XSDs). */
function expectAllValid(s: FkSimulator) {
  // An importer of an object that is there already is the connector's probe after a lost reply.
  const refused = s.requests.filter(
    (r) =>
      !r.injected && (r.status === 'fault' || r.status === 40) && !/already exists/.test(r.message ?? ''),
  );
  expect(refused.map((r) => `${r.operation}: ${r.message}`)).toEqual([]);
}

/** Every unit was imported after its parent. */
function expectParentsFirst(s: FkSimulator) {
  const seen = new Set<string>();
  for (const r of s.requests) {
    if (r.service !== 'OrganisationEnhed' || r.operation !== 'importer' || r.status !== 20) continue;
    const uuid = /<[\w:]*UUIDIdentifikator[^>]*>([^<]+)</.exec(r.body)![1]!;
    const parent = /Overordnet>.*?ReferenceID>\s*<[\w:]*UUIDIdentifikator[^>]*>([^<]+)</.exec(r.body)?.[1];
    if (parent) expect(seen.has(parent), `unit ${uuid} imported before its parent`).toBe(true);
    seen.add(uuid);
  }
}

async function snapshotOf(config: string, asOf: string): Promise<Snapshot> {
  const engine = await openEngine(config, { logger: silentLogger() });
  try {
    return (await loadSnapshot(engine, asOf, {})).snapshot;
  } finally {
    await engine.close();
  }
}

describe('fk-organisation target against the strict simulator', () => {
  let ws: Workspace & { files: string[] };
  let parked: string;
  let config: string;

  beforeAll(async () => {
    sim = await start();
    const rates = { hires: 0.05, leavers: 0.05, moves: 0.05, renames: 0.2, unitMoves: 0.2, closures: 0.3 };
    ws = await makeWorkspace({ persons: 200, asOf: DAY0, days: 1, seed: 7, rates });
    parked = join(ws.dir, 'parked');
    mkdirSync(parked);
    const [, day1] = readdirSync(ws.hrDir).sort();
    renameSync(join(ws.hrDir, day1!), join(parked, day1!));
    config = ws.writeConfig([fkTarget(sim.url)]);
  });

  it('syncs a generated municipality parents first, then plans nothing and sends nothing', async () => {
    const r = await syncAndReplan(config, DAY0);
    expect(r.outcomes[0]!.problems).toEqual([]);
    expect(r.secondPlan).toEqual({ fk: 0 });
    expectAllValid(sim);
    expectParentsFirst(sim);
    expectMirrors(sim.store, await snapshotOf(config, DAY0));

    // A run with nothing to do makes no call at all.
    const before = sim.requests.length;
    const again = await syncAndReplan(config, DAY0);
    expect(again.planned['fk']).toMatchObject({ create: 0, update: 0, move: 0, delete: 0, disable: 0 });
    expect(sim.requests.length).toBe(before);
  }, 120_000);

  it('syncs a day of churn with read-modify-write that ends values, and plans nothing after it', async () => {
    const [day1] = readdirSync(parked);
    renameSync(join(parked, day1!), join(ws.hrDir, day1!));
    const r = await syncAndReplan(config, DAY1);
    expect(r.outcomes[0]!.problems).toEqual([]);
    for (const kind of ['create', 'update', 'move', 'disable', 'delete'] as const)
      expect(r.planned['fk']![kind], kind).toBeGreaterThan(0);
    expect(r.secondPlan).toEqual({ fk: 0 });
    expectAllValid(sim);
    const snap = await snapshotOf(config, DAY1);
    // Users of leavers stay (inactive); units closed and positions ended are inactive.
    const users = sim.store.all('Bruger');
    expect(users.filter((o) => status(o) === 'Aktiv').length).toBe(snap.persons.size);
    expect(users.length).toBe(new Set(users.map((u) => u.uuid)).size);
    expect(active(sim.store, 'OrganisationEnhed').length).toBe(snap.units.size);
    // A renamed unit kept its old name, ended, beside the new one: nothing was dropped.
    const renamed = sim.store
      .all('OrganisationEnhed')
      .find((o) => latest(o).attributes.filter((a) => a.name === 'Egenskab').length > 1)!;
    const egenskaber = latest(renamed).attributes.filter((a) => a.name === 'Egenskab');
    expect(egenskaber.filter(isOpen)).toHaveLength(1);
    expect(egenskaber.filter((a) => !isOpen(a)).length).toBeGreaterThan(0);
  }, 120_000);

  it('converges with no duplicates when replies are lost and calls refused at random', async () => {
    const faulty = await start({
      faults: { lostReplyRate: 0.05, timeoutRate: 0.02, rate40: 0.02, rate44: 0.02, seed: 3 },
    });
    try {
      const w = await makeWorkspace({ persons: 120, asOf: DAY0, seed: 11 });
      const cfg = w.writeConfig([
        fkTarget(faulty.url, { config: { endpoint: faulty.url, organisation: ORG, timeoutMs: 300 } }),
      ]);
      let runs = 0;
      let left = Number.POSITIVE_INFINITY;
      while (left > 0 && runs < 8) {
        left = (await syncAndReplan(cfg, DAY0)).secondPlan['fk']!;
        runs++;
      }
      expect(left).toBe(0);
      expect(faulty.requests.some((r) => r.injected)).toBe(true);
      expectAllValid(faulty);
      expectMirrors(faulty.store, await snapshotOf(cfg, DAY0));
    } finally {
      await faulty.stop();
    }
  }, 180_000);

  it('resumes a run cut off by the service going away, writing nothing twice', async () => {
    const first = await start();
    const w = await makeWorkspace({ persons: 100, asOf: DAY0, seed: 12 });
    const cfg = w.writeConfig([fkTarget(first.url)]);
    const engine = await openEngine(cfg, { logger: silentLogger() });
    let applied = 0;
    let stopping: Promise<void> | undefined;
    try {
      const snap = await loadSnapshot(engine, DAY0, {});
      const { work } = await makePlan(engine, snap);
      const [outcome] = await applyRecorded(engine, work, DAY0, (_t, _c, r) => {
        if (r.status === 'applied' && ++applied === 60) stopping = first.stop();
      });
      await stopping;
      expect(['partial', 'failed']).toContain(outcome!.status);
    } finally {
      await engine.close();
    }
    // The service comes back on the same port with what it had.
    const port = Number(new URL(first.url).port);
    const second = await start({ port, store: first.store });
    try {
      const r = await syncAndReplan(cfg, DAY0);
      expect(r.outcomes[0]!.problems).toEqual([]);
      expect(r.secondPlan).toEqual({ fk: 0 });
      expectAllValid(second);
      expectMirrors(second.store, await snapshotOf(cfg, DAY0));
      // The resumed run finished the work instead of starting over.
      const firstWrites = first.requests.filter((q) => q.status === 20 && q.operation !== 'laes').length;
      expect(firstWrites).toBeGreaterThan(60);
      expect(second.store.size('Bruger')).toBe(second.store.all('Bruger').length);
    } finally {
      await second.stop();
    }
  }, 180_000);
});

describe('fk-organisation reconcile mode', () => {
  it('reads FK in pages, plans drift back and the removal of what orgsync did not make, then nothing', async () => {
    const own = await start();
    try {
      const w = await makeWorkspace({ persons: 80, asOf: DAY0, seed: 21 });
      const plain = w.writeConfig([fkTarget(own.url)]);
      expect((await syncAndReplan(plain, DAY0)).secondPlan).toEqual({ fk: 0 });
      const snap = await snapshotOf(plain, DAY0);

      // Someone renames a unit by hand; an earlier tool left a unit and a second user for one person.
      const fk = new FkClient({ endpoint: own.url, actor: { organisation: ORG }, timeoutMs: 2_000 });
      const unit = [...snap.units.values()][3]!;
      await fk.ensure(
        'OrganisationEnhed',
        ids.unit(unit.key),
        { fields: { EnhedNavn: 'Renamed in FK' } },
        'update',
        'test',
      );
      const orphan = '0f0e0d0c-0b0a-4909-8807-060504030201';
      await fk.ensure(
        'OrganisationEnhed',
        orphan,
        {
          fields: { BrugervendtNoegleTekst: 'OLD-1', EnhedNavn: 'Old tool unit' },
          status: 'Aktiv',
          relations: [{ name: 'Tilhoerer', refs: [{ uuid: ORG }] }],
        },
        'create',
        'test',
      );
      const person = [...snap.persons.values()][5]!;
      const twin = '1f1e1d1c-1b1a-4919-8817-161514131211';
      await fk.ensure(
        'Bruger',
        twin,
        {
          fields: { BrugervendtNoegleTekst: person.userId ?? person.key, BrugerNavn: 'x' },
          status: 'Aktiv',
          relations: [{ name: 'Tilhoerer', refs: [{ uuid: ORG }] }],
        },
        'create',
        'test',
      );

      const config = w.writeConfig([
        fkTarget(own.url, {
          config: { endpoint: own.url, organisation: ORG, reconcile: true, pageSize: 25 },
        }),
      ]);
      const engine = await openEngine(config, { logger: silentLogger() });
      try {
        const loaded = await loadSnapshot(engine, DAY0, {});
        const before = own.requests.length;
        const { plan, work } = await makePlan(engine, loaded);
        // Bounded pages: soeg 25 at a time, list 25 at a time.
        const reads = own.requests.slice(before);
        expect(reads.every((r) => r.operation === 'soeg' || r.operation === 'list')).toBe(true);
        expect(reads.filter((r) => r.operation === 'soeg').length).toBeGreaterThan(3);
        const changes = work[0]!.changes.map((c) => `${c.action} ${c.type} ${c.key} ${c.label ?? ''}`.trim());
        expect(changes.sort()).toEqual(
          [
            `update unit ${unit.key} ${unit.name}`,
            `delete unit fk:${orphan} in FK, not made by orgsync (OLD-1)`,
            `disable person fk:${twin} duplicate of person ${person.key} left in FK by another tool`,
          ].sort(),
        );
        // Removing what orgsync did not make waits for an administrator, whatever the thresholds.
        expect(plan.targets[0]!.blocked?.reasons).toEqual([
          '2 objects orgsync did not make would be removed: a clean-up needs approval',
        ]);
        await closeWork(work);
        const approved = await makePlan(engine, loaded, { approve: new Set(['fk']) });
        expect(approved.plan.targets[0]!.blocked).toBeNull();
        await applyRecorded(engine, approved.work, DAY0);
      } finally {
        await engine.close();
      }
      const r = await syncAndReplan(config, DAY0);
      expect(r.planned['fk']).toMatchObject({ create: 0, update: 0, delete: 0, disable: 0 });
      expect(field(own.store.get('OrganisationEnhed', ids.unit(unit.key))!, 'EnhedNavn')).toBe(unit.name);
      expect(status(own.store.get('Bruger', twin)!)).toBe('Inaktiv');
      expectAllValid(own);
    } finally {
      await own.stop();
    }
  }, 120_000);
});

describe('fk-organisation with hostile names', () => {
  it('keeps XML special characters, control-free edges and very long texts exact', async () => {
    const own = await start();
    try {
      const w = await makeWorkspace({ persons: 5, asOf: DAY0 });
      const names = [
        'Skole & Dagtilbud <Syd>',
        ']]> <![CDATA[ x ]]>',
        '"Citat" & \'apostrof\' &amp; &#x41;',
        'Æblegården Øst & Å',
        '<?xml version="1.0"?><a/>',
        'L'.repeat(200), // FK's EnhedNavn takes 200 characters
      ];
      const tooLong = { key: 'long', parentKey: 'root', name: 'M'.repeat(201) };
      const units = [
        { key: 'root', parentKey: null, name: 'Kommune' },
        ...names.map((name, i) => ({ key: `h${i}`, parentKey: 'root', name })),
        tooLong,
      ];
      const people = [
        ['Jens "JJ" <b>', "O'Brien & Søn"],
        ['Anne', 'Ø'.repeat(95)], // Person's NavnTekst takes 100
      ];
      const cpr = (i: number) => `01019${String(i).padStart(5, '0')}`;
      writeFileSync(
        join(w.dir, 'hr.json'),
        JSON.stringify({
          units,
          persons: people.map(([givenName, surname], i) => ({
            cpr: cpr(i),
            givenName,
            surname,
            email: `a${i}&b@x.dk`,
          })),
          positions: people.map((_, i) => ({
            key: `pos${i}`,
            cpr: cpr(i),
            unitKey: `h${i}`,
            title: 'Lærer, "senior" <ny> & mere',
            primary: true,
            manager: i === 0,
          })),
        }),
      );
      const config = w.writeConfig([fkTarget(own.url)], {
        source: { connector: 'json-hr', config: { path: join(w.dir, 'hr.json') } },
      });
      const r = await syncAndReplan(config, DAY0);
      // A name longer than the contract allows is refused before anything is sent for it.
      expect(r.outcomes[0]!.problems).toEqual([
        expect.objectContaining({
          changeId: 'fk:unit:long',
          errorKind: 'invalid-value',
          message: expect.stringMatching(
            /name is 201 characters and FK's EnhedNavn takes at most 200: shorten it/,
          ),
        }),
      ]);
      expect(r.secondPlan).toEqual({ fk: 1 });
      expect(own.requests.some((q) => q.body.includes(ids.unit('long')))).toBe(false);
      expectAllValid(own);
      units.pop();
      const stored = units.map((u) =>
        field(own.store.get('OrganisationEnhed', ids.unit(u.key))!, 'EnhedNavn'),
      );
      expect(stored).toEqual(units.map((u) => u.name));
      const users = active(own.store, 'Bruger').map((o) => field(o, 'BrugerNavn'));
      expect(users.sort()).toEqual(people.map(([g, s]) => `${g} ${s}`).sort());
      const titles = active(own.store, 'OrganisationFunktion').map((o) => field(o, 'FunktionNavn'));
      expect(titles).toContain('Lærer, "senior" <ny> & mere');
      // And a reconcile reads them back as exactly what HR says: no drift.
      const reconcile = w.writeConfig(
        [fkTarget(own.url, { config: { endpoint: own.url, organisation: ORG, reconcile: true } })],
        { source: { connector: 'json-hr', config: { path: join(w.dir, 'hr.json') } } },
      );
      const again = await syncAndReplan(reconcile, DAY0);
      expect(again.planned['fk']).toMatchObject({ create: 1, update: 0, move: 0, delete: 0, disable: 0 });
    } finally {
      await own.stop();
    }
  }, 60_000);
});

describe('fk-organisation signed in with OIOIDWS', () => {
  it('gets one token from the STS for the municipality, signs every call, and is refused with another certificate', async () => {
    const CVR = '29189838';
    const client = await makeClientCertificate(CVR);
    const stranger = await makeClientCertificate('11111111');
    const secured = await start({
      security: { clients: [{ cvr: CVR, certificatePem: client.certificatePem }] },
    });
    try {
      const w = await makeWorkspace({ persons: 30, asOf: DAY0, seed: 31 });
      const files = (name: string, c: { certificatePem: string; privateKeyPem: string }) => {
        writeFileSync(join(w.dir, `${name}.crt`), c.certificatePem);
        writeFileSync(join(w.dir, `${name}.key`), c.privateKeyPem, { mode: 0o600 });
        return { certFile: join(w.dir, `${name}.crt`), keyFile: join(w.dir, `${name}.key`) };
      };
      writeFileSync(join(w.dir, 'sts.crt'), secured.stsCertificatePem!);
      const auth = (certificate: object) => ({
        stsUrl: secured.stsUrl!,
        cvr: CVR,
        certificate,
        stsCertificate: { file: join(w.dir, 'sts.crt') },
      });
      const target = (certificate: object) =>
        fkTarget(secured.url, {
          config: { endpoint: secured.url, organisation: ORG, auth: auth(certificate) },
        });

      const config = w.writeConfig([target(files('orgsync', client))]);
      const r = await syncAndReplan(config, DAY0);
      expect(r.outcomes[0]!.problems).toEqual([]);
      expect(r.secondPlan).toEqual({ fk: 0 });
      expectAllValid(secured);
      expect(secured.requests.length).toBeGreaterThan(100);
      expect(secured.requests.every((q) => q.cvr === CVR)).toBe(true);
      expect(secured.stsRequests!.length).toBe(1); // cached for the whole run

      // A certificate the STS does not know: the changes fail as a permission problem, no call
      // reaches the service, and no key or token text reaches the messages.
      const w2 = await makeWorkspace({ persons: 5, asOf: DAY0, seed: 32 });
      writeFileSync(join(w2.dir, 'sts.crt'), secured.stsCertificatePem!);
      const before = secured.requests.length;
      const s = await syncAndReplan(w2.writeConfig([target(files('stranger', stranger))]), DAY0);
      const problems = s.outcomes[0]!.problems;
      expect(problems.length).toBeGreaterThan(0);
      for (const p of problems) {
        if (p.status === 'skipped') continue;
        expect(p.errorKind).toBe('permission');
        expect(p.message).not.toMatch(/PRIVATE KEY|Assertion|BEGIN CERTIFICATE/);
      }
      expect(secured.requests.length).toBe(before);
    } finally {
      await secured.stop();
    }
  }, 120_000);
});

describe('the FK target and the connector conformance suite', () => {
  let own: FkSimulator | undefined;
  afterAll(async () => {
    await own?.stop();
  });
  const config = (endpoint: string) => ({ endpoint, organisation: ORG, timeoutMs: 1_000 });

  describeConformance('fk-organisation', () => ({
    connector: fkOrganisationTarget,
    config: async () => {
      own = await start();
      seedOrganisation(own.store, { uuid: ORG, name: 'Testkommune' });
      return config(own.url);
    },
    unreachableConfig: () => config('http://127.0.0.1:1/'),
    invalidConfig: { endpoint: 'not a url', organisation: 'not a uuid' },
    objects: FK_TEST_OBJECTS,
  }));
});
