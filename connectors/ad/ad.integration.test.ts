/**
 * The AD target against a real domain controller (Samba AD, started by the test over
 * LDAPS with its own CA): a generated municipality synced and a day of churn, each
 * followed by an empty plan; an account IT made before HR's data (adopted); accounts
 * renamed and moved by hand (found again by objectGUID); the DC killed mid-run (the next
 * run finishes, nothing twice); hostile names.
 */

import { mkdirSync, mkdtempSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from 'ldapts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TargetOutcome } from '../../src/engine/apply.js';
import { openEngine } from '../../src/engine/context.js';
import { makePlan } from '../../src/engine/plan.js';
import { loadSnapshot } from '../../src/engine/snapshot.js';
import { childDn } from '../../src/ldap/dn.js';
import { silentLogger } from '../../src/log/logger.js';
import { describeConformance } from '../../src/testing/conformance.js';
import { applyRecorded, syncAndReplan } from '../../test/support/engine.js';
import { ldapClient, type SambaDc, startSambaDc } from '../../test/support/samba.js';
import { makeWorkspace, type Workspace } from '../../test/support/workspace.js';
import { guidOf } from './entries.js';
import { AdConfig, adTarget as adTargetConnector } from './index.js';

// Days from today on: the grace-period test deletes leavers disabled "0 or more days" before
// DAY1, and a disable is stamped with the real time, which must not lie after DAY1.
const dayFromToday = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);
const DAY0 = dayFromToday(0);
const DAY1 = dayFromToday(1);

let dc: SambaDc;
let ldap: Client;
let orgOu: string;
let leaversOu: string;

beforeAll(async () => {
  process.env['ORGSYNC_TEST_WRONG_PW'] = 'not-the-password';
  dc = await startSambaDc();
  ldap = await ldapClient(dc);
  orgOu = `OU=Kommune,${dc.baseDn}`;
  leaversOu = `OU=Fratraadte,${dc.baseDn}`;
  for (const dn of [orgOu, leaversOu]) await ldap.add(dn, { objectClass: ['top', 'organizationalUnit'] });
});

afterAll(async () => {
  await ldap?.unbind().catch(() => undefined);
  await dc?.stop();
});

/** An AD target over the test DC, OUs mirrored under `base`, accounts created on demand. */
function adTarget(ws: Workspace, base: string, searchBase = dc.baseDn, enableNewAccounts = false) {
  writeFileSync(join(ws.dir, 'ad-password'), dc.password);
  return {
    name: 'ad',
    connector: 'ad',
    config: {
      url: dc.url,
      tls: { caFile: dc.caFile, serverName: dc.servername },
      bind: { user: dc.bindDn, password: { file: join(ws.dir, 'ad-password') } },
      baseDn: dc.baseDn,
      units: { mode: 'ou-tree', base },
      groups: { enabled: true, base: `CN=Users,${dc.baseDn}`, prefix: 'Enhed ' },
      persons: {
        searchBase,
        create: { enabled: true, upnSuffix: 'example.test', enableNewAccounts },
        // Under the search base, or leavers moved there would no longer be seen.
        ...(searchBase === dc.baseDn ? { disabledOu: leaversOu } : {}),
      },
    },
    objects: {
      unit: {
        attributes: {
          ou: '${unit.name | truncate(64)}',
          description: '${unit.name}',
          managedBy: '${manager.key}',
        },
      },
      person: {
        attributes: {
          // AD's schema limits: givenName, sn and department 64 characters, title 128.
          givenName: '${person.givenName | truncate(64)}',
          sn: '${person.surname | truncate(64)}',
          displayName: '${person.givenName} ${person.surname}',
          title: '${position.title | truncate(128)}',
          department: '${unit.name | truncate(64)}',
          mail: '${person.email | lower}',
          manager: '${manager.key}',
          unitGroup: '${unit.key}',
        },
      },
    },
    onRemove: { unit: 'delete', person: 'disable' },
    safety: { maxRemovals: 10_000, maxRemovalShare: 1 },
    concurrency: 4,
    retry: { attempts: 2, baseDelayMs: 50, maxDelayMs: 200 },
  };
}

async function accounts(base = dc.baseDn) {
  const { searchEntries } = await ldap.search(base, {
    filter: '(&(objectCategory=person)(objectClass=user)(employeeNumber=*))',
    attributes: ['employeeNumber', 'objectGUID', 'userAccountControl', 'manager', 'sAMAccountName'],
    explicitBufferAttributes: ['objectGUID'],
    paged: { pageSize: 500 },
  });
  return searchEntries;
}

/** No HR key has two accounts, no unit two OUs: nothing was created twice. */
async function expectNoDuplicates() {
  const ids = (await accounts()).map((e) => String(e['employeeNumber']));
  expect(new Set(ids).size).toBe(ids.length);
  const { searchEntries: ous } = await ldap.search(orgOu, {
    filter: '(adminDescription=orgsync:*)',
    attributes: ['adminDescription'],
    paged: { pageSize: 500 },
  });
  const units = ous.map((e) => String(e['adminDescription']));
  expect(new Set(units).size).toBe(units.length);
  return { accounts: ids.length, units: units.length };
}

/** A first run whose DC is killed after `n` changes were applied. */
async function applyKillingAfter(config: string, n: number): Promise<TargetOutcome> {
  const engine = await openEngine(config, { logger: silentLogger() });
  try {
    const snap = await loadSnapshot(engine, DAY0, {});
    const { work } = await makePlan(engine, snap);
    let applied = 0;
    let killing: Promise<void> | undefined;
    const [outcome] = await applyRecorded(engine, work, DAY0, (_t, _c, r) => {
      if (r.status === 'applied' && ++applied === n) killing = dc.kill();
    });
    await killing;
    return outcome!;
  } finally {
    await engine.close();
  }
}

describe('ad target against a Samba domain controller', () => {
  let ws: Workspace & { files: string[] };
  let config: string;
  let parked: string;

  it('adopts an account IT made, survives the DC dying mid-run, and converges', async () => {
    // A heavy day of churn: every kind of change happens in it.
    const rates = { hires: 0.05, leavers: 0.05, moves: 0.05, renames: 0.2, unitMoves: 0.2, closures: 0.3 };
    ws = await makeWorkspace({ persons: 150, asOf: DAY0, days: 1, seed: 4, rates });
    parked = join(ws.dir, 'parked');
    mkdirSync(parked);
    const [, day1File] = readdirSync(ws.hrDir).sort();
    renameSync(join(ws.hrDir, day1File!), join(parked, day1File!));
    config = ws.writeConfig([adTarget(ws, orgOu)]);

    // IT made an account for one person before orgsync ever ran, anchored by employeeNumber.
    const engine = await openEngine(config, { logger: silentLogger() });
    const snap = await loadSnapshot(engine, DAY0, {});
    await engine.close();
    const someone = [...snap.snapshot.persons.keys()][7]!;
    const handMade = childDn('CN', 'Made By IT', `CN=Users,${dc.baseDn}`);
    await ldap.add(handMade, {
      objectClass: ['top', 'person', 'organizationalPerson', 'user'],
      sAMAccountName: 'madebyit',
      employeeNumber: someone,
    });

    // The DC dies 40 changes into the first run: the run reports it, nothing is lost.
    const outcome = await applyKillingAfter(config, 40);
    expect(['partial', 'failed']).toContain(outcome.status);
    expect(outcome.applied).toBeGreaterThanOrEqual(40);
    await dc.start();
    ldap = await ldapClient(dc);

    const r = await syncAndReplan(config, DAY0);
    expect(r.outcomes[0]!.problems).toEqual([]);
    expect(r.secondPlan).toEqual({ ad: 0 });
    const counts = await expectNoDuplicates();
    expect(counts.accounts).toBe(snap.snapshot.persons.size);
    // The hand-made account was adopted, not duplicated: same object, now in its unit's OU.
    const [adopted] = (await accounts()).filter((e) => e['employeeNumber'] === someone);
    expect(String(adopted!['sAMAccountName'])).toBe('madebyit');
    expect(adopted!.dn.endsWith(orgOu)).toBe(true);
    // One group per unit, holding the accounts of the persons placed in it.
    const { searchEntries: groups } = await ldap.search(`CN=Users,${dc.baseDn}`, {
      filter: '(adminDescription=orgsync-group:*)',
      attributes: ['member'],
    });
    const members = groups.flatMap((g) => [g['member'] ?? []].flat());
    expect(members.length).toBe(snap.snapshot.persons.size);
  }, 240_000);

  it('syncs a day of churn and plans nothing after it', async () => {
    const [day1File] = readdirSync(parked);
    renameSync(join(parked, day1File!), join(ws.hrDir, day1File!));
    const r = await syncAndReplan(config, DAY1);
    expect(r.outcomes[0]!.problems).toEqual([]);
    const planned = r.planned['ad']!;
    // Hires, renames, moves of persons and units, leavers, and closed units' OUs removed.
    for (const kind of ['create', 'update', 'move', 'disable', 'delete'] as const)
      expect(planned[kind], kind).toBeGreaterThan(0);
    expect(r.secondPlan).toEqual({ ad: 0 });
    await expectNoDuplicates();
    // Leavers are disabled (bit 2 set, the other bits kept) and moved to the leavers' OU.
    const leavers = await accounts(leaversOu);
    expect(leavers.length).toBe(planned.disable);
    for (const e of leavers) expect(Number(e['userAccountControl']) & 2).toBe(2);

    // With a grace period (here none), disabled leavers' accounts are deleted, nothing else.
    const graceConfig = ws.writeConfig([{ ...adTarget(ws, orgOu), deleteDisabledAfterDays: 0 }]);
    const g = await syncAndReplan(graceConfig, DAY1);
    expect(g.planned['ad']).toMatchObject({ delete: leavers.length, create: 0, update: 0, disable: 0 });
    expect(g.secondPlan).toEqual({ ad: 0 });
    expect(await accounts(leaversOu)).toEqual([]);
    config = ws.writeConfig([adTarget(ws, orgOu)]);
  }, 240_000);

  it('finds an account renamed, moved and stripped of its anchor by hand, by objectGUID', async () => {
    const [victim] = await accounts(orgOu);
    const guid = guidOf(victim!);
    const key = String(victim!['employeeNumber']);
    const movedTo = childDn('CN', 'Renamed, By Hand', `CN=Users,${dc.baseDn}`);
    await ldap.modifyDN(victim!.dn, movedTo);
    const { Change, Attribute } = await import('ldapts');
    await ldap.modify(movedTo, [
      new Change({
        operation: 'delete',
        modification: new Attribute({ type: 'employeeNumber', values: [] }),
      }),
    ]);

    const r = await syncAndReplan(config, DAY1);
    expect(r.outcomes[0]!.problems).toEqual([]);
    expect(r.planned['ad']).toMatchObject({ create: 0, move: 1 });
    expect(r.secondPlan).toEqual({ ad: 0 });
    const { searchEntries } = await ldap.search(`<GUID=${guid}>`, {
      scope: 'base',
      attributes: ['employeeNumber'],
    });
    expect(searchEntries[0]!.dn.endsWith(orgOu)).toBe(true);
    void key;
  }, 120_000);

  it('keeps hostile names exact: DN and filter metacharacters, æøå, edges, very long', async () => {
    const hostile = await makeWorkspace({ persons: 10, asOf: DAY0 });
    const base = `OU=Hostile,${dc.baseDn}`;
    await ldap.add(base, { objectClass: ['top', 'organizationalUnit'] });
    const names = [
      'Skole, Syd',
      'Skole, Syd', // the same name twice under one parent
      'A+B "Citat" <x>; y=z',
      '#Hash',
      ' Mellemrum i kanten ',
      'Back\\slash\\',
      'Stjerne *() (objectClass=*)',
      'Æblegården Øst & Å',
      'L'.repeat(200),
    ];
    const units = [
      { key: 'root', parentKey: null, name: 'Kommune' },
      ...names.map((name, i) => ({ key: `h${i}`, parentKey: 'root', name })),
    ];
    const people = [
      ['Jens "JJ"', "O'Brien, Jr.+"],
      ['#Anne ', 'Back\\slash\\'],
      ['Søren*', '(Ærø)'],
      ['Ulla', 'Ø'.repeat(100)],
    ];
    const cpr = (i: number) => `01019${String(i).padStart(5, '0')}`;
    writeFileSync(
      join(hostile.dir, 'hr.json'),
      JSON.stringify({
        units,
        persons: people.map(([givenName, surname], i) => ({ cpr: cpr(i), givenName, surname })),
        positions: people.map((_, i) => ({
          key: `pos${i}`,
          cpr: cpr(i),
          unitKey: `h${i}`,
          title: 'Lærer, "senior" <ny>',
          primary: true,
          manager: i === 0,
        })),
      }),
    );
    const hostileConfig = hostile.writeConfig([adTarget(hostile, base, base, true)], {
      source: { connector: 'json-hr', config: { path: join(hostile.dir, 'hr.json') } },
    });
    const r = await syncAndReplan(hostileConfig, DAY0);
    expect(r.outcomes[0]!.problems).toEqual([]);
    expect(r.secondPlan).toEqual({ ad: 0 });
    const { searchEntries: ous } = await ldap.search(base, {
      filter: '(adminDescription=orgsync:*)',
      attributes: ['ou', 'description'],
    });
    const descriptions = ous.map((e) => String(e['description'])).sort();
    // The model trims names (HR's stray spaces are not data); edge spaces in DNs are unit-tested.
    expect(descriptions).toEqual(['Kommune', ...names.map((n) => n.trim())].sort());
    const { searchEntries: people2 } = await ldap.search(base, {
      filter: '(&(objectClass=user)(employeeNumber=*))',
      attributes: ['displayName', 'title', 'sAMAccountName', 'userAccountControl', 'pwdLastSet'],
    });
    // enableNewAccounts: enabled (512) with a random password that must be changed at first logon.
    for (const e of people2)
      expect([Number(e['userAccountControl']), String(e['pwdLastSet'])]).toEqual([512, '0']);
    expect(people2.map((e) => String(e['displayName'])).sort()).toEqual(
      people.map(([g, s]) => `${g!.trim()} ${s!.trim()}`).sort(),
    );
    for (const e of people2) expect(String(e['sAMAccountName'])).toMatch(/^[a-z0-9]{1,20}$/);
  }, 120_000);

  it('checks the connection: LDAPS or StartTLS, the certificate always verified', async () => {
    const ws2 = await makeWorkspace({ persons: 10, asOf: DAY0 });
    const open = async (config: Record<string, unknown>) => {
      const base = adTarget(ws2, orgOu).config;
      const parsed = AdConfig.parse({ ...base, ...config });
      const session = await adTargetConnector.open(parsed, {
        instance: 'ad',
        logger: silentLogger(),
        workDir: ws2.dir,
      });
      try {
        return await session.check();
      } finally {
        await session.close?.();
      }
    };
    const plain = await open({});
    expect(plain.message).toMatch(/^bound/);
    const startTls = {
      url: 'ldap://127.0.0.1:389',
      tls: { caFile: dc.caFile, serverName: dc.servername, startTls: true },
    };
    expect((await open(startTls)).message).toMatch(/^bound/);
    // 127.0.0.1 is not the name on the DC's certificate: refused, not ignored.
    const wrongName = await open({ tls: { caFile: dc.caFile } });
    expect(wrongName.ok).toBe(false);
    expect(wrongName.message).toMatch(/certificate|altnames|hostname/i);
    const wrongPassword = await open({
      bind: { user: dc.bindDn, password: { env: 'ORGSYNC_TEST_WRONG_PW' } },
    });
    expect(wrongPassword.ok).toBe(false);
    expect(() => AdConfig.parse({ ...adTarget(ws2, orgOu).config, url: 'ldap://127.0.0.1:389' })).toThrow(
      /startTls/,
    );
  }, 60_000);

  it('without an OU tree: accounts created in one OU, never moved, converged', async () => {
    const flat = await makeWorkspace({ persons: 20, asOf: DAY0, seed: 8 });
    const ou = `OU=Flat,${dc.baseDn}`;
    await ldap.add(ou, { objectClass: ['top', 'organizationalUnit'] });
    const t = adTarget(flat, orgOu, ou);
    const { unitGroup: _group, ...personAttributes } = t.objects.person.attributes;
    const config = flat.writeConfig([
      {
        ...t,
        config: {
          ...t.config,
          units: { mode: 'none' },
          groups: { enabled: false },
          persons: { searchBase: ou, create: { enabled: true, ou } },
        },
        objects: { person: { attributes: personAttributes } },
      },
    ]);
    const r = await syncAndReplan(config, DAY0);
    expect(r.outcomes[0]!.problems).toEqual([]);
    expect(r.secondPlan).toEqual({ ad: 0 });
    const made = await accounts(ou);
    expect(made.length).toBe(r.planned['ad']!.create);
    for (const e of made) expect(e.dn.endsWith(`,${ou}`)).toBe(true);
  }, 120_000);
});

describeConformance('ad', () => {
  const base = `OU=Conformance,${dc.baseDn}`;
  const secrets = mkdtempSync(join(tmpdir(), 'orgsync-ad-conformance-'));
  writeFileSync(join(secrets, 'ad-password'), dc.password);
  const config = (url: string) => ({
    url,
    tls: { caFile: dc.caFile, serverName: dc.servername },
    bind: { user: dc.bindDn, password: { file: join(secrets, 'ad-password') } },
    baseDn: dc.baseDn,
    units: { mode: 'ou-tree', base: `OU=Org,${base}` },
    persons: {
      // Its own subtree: the accounts of this file's other tests are not the suite's to remove.
      searchBase: base,
      create: { enabled: true, upnSuffix: 'example.test' },
      disabledOu: `OU=Disabled,${base}`,
    },
  });
  return {
    connector: adTargetConnector,
    config: () => config(dc.url),
    unreachableConfig: () => config('ldaps://127.0.0.1:1'),
    invalidConfig: { url: dc.url, baseDn: dc.baseDn },
    objects: {
      unit: { attributes: { ou: '${unit.name | truncate(64)}', description: '${unit.name}' } },
      person: {
        attributes: {
          givenName: '${person.givenName}',
          sn: '${person.surname}',
          title: '${position.title}',
          mail: '${person.email | lower}',
          manager: '${manager.key}',
        },
      },
    },
    reset: async () => {
      for (const dn of [base, `OU=Org,${base}`, `OU=Disabled,${base}`])
        await ldap.add(dn, { objectClass: ['top', 'organizationalUnit'] });
    },
  };
});
