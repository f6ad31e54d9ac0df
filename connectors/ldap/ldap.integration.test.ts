/**
 * The ldap target against a real OpenLDAP server (slapd, started by the test on a free port
 * from a temp folder), through the real engine: a small tree synced and read back, a unit
 * renamed and moved with its children following, a person moved, a leaver disabled and back,
 * deletes (a unit holding a foreign entry refused), hostile names, entries renamed and moved
 * by hand found again by entryUUID, flat persons, and the connection: an unreachable port,
 * a wrong password, StartTLS and LDAPS with a CA file.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client, Entry } from 'ldapts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childDn, parentDn, parseDn, sameDn } from '../../src/ldap/dn.js';
import { silentLogger } from '../../src/log/logger.js';
import { ConnectorError } from '../../src/sdk/errors.js';
import type { Change } from '../../src/sdk/types.js';
import { jsonHrWorkspace } from '../../src/testing/workspace.js';
import { syncAndReplan } from '../../test/support/engine.js';
import { freePort } from '../../test/support/ports.js';
import { type Slapd, startSlapd } from '../../test/support/slapd.js';
import { first, values } from '../ad/entries.js';
import { LdapConfig, ldapTarget } from './index.js';
import { ownedSubtree, slapdConfig } from './testing.js';

const AS_OF = '2026-01-06';

let slapd: Slapd;
let ldap: Client;

beforeAll(async () => {
  slapd = await startSlapd();
  ldap = await slapd.client();
});

afterAll(async () => {
  await ldap?.unbind().catch(() => undefined);
  await slapd?.stop();
});

// ---- HR data and workspace -------------------------------------------------------------

interface Hr {
  units: { key: string; parentKey: string | null; name: string }[];
  persons: { cpr: string; givenName: string; surname: string; email: string }[];
  positions: {
    key: string;
    cpr: string;
    unitKey: string;
    title: string;
    primary: boolean;
    manager: boolean;
    validFrom: string;
  }[];
}

const cpr = (i: number) => `0101${String(700000 + i).padStart(6, '0')}`;

function person(i: number, givenName: string, surname: string, unitKey: string, manager = false) {
  return {
    person: { cpr: cpr(i), givenName, surname, email: `p${i}@kommune.test` },
    position: {
      key: `pos${i}`,
      cpr: cpr(i),
      unitKey,
      title: manager ? 'Leder' : 'Medarbejder',
      primary: true,
      manager,
      validFrom: '2020-01-01',
    },
  };
}

function hrOf(units: Hr['units'], people: ReturnType<typeof person>[]): Hr {
  return { units, persons: people.map((p) => p.person), positions: people.map((p) => p.position) };
}

const PERSON_MAPPING = {
  cn: '${person.givenName} ${person.surname}',
  sn: '${person.surname}',
  givenName: '${person.givenName}',
  mail: '${person.email}',
  title: '${position.title}',
  departmentNumber: '${unit.key}',
  manager: '${manager.key}',
};

const REFERENCES = { manager: 'person', seeAlso: 'person' };

/** A folder with HR data, a state store and a config with one ldap target. */
function workspace(
  baseDn: string,
  extra: { config?: Record<string, unknown>; target?: Record<string, unknown> } = {},
) {
  const ws = jsonHrWorkspace('orgsync-ldap-test-');
  const write = (onRemove: 'disable' | 'delete') =>
    ws.writeConfig([
      {
        name: 'ldap',
        connector: 'ldap',
        // seeAlso on units names their manager: a reference written before its target exists.
        config: slapdConfig(slapd, baseDn, { references: REFERENCES, ...extra.config }),
        objects: {
          unit: {
            attributes: { ou: '${unit.name}', description: '${unit.name}', seeAlso: '${manager.key}' },
          },
          person: { attributes: PERSON_MAPPING },
        },
        onRemove,
        safety: { maxRemovals: 1000, maxRemovalShare: 1 },
        concurrency: 4,
        retry: { attempts: 2, baseDelayMs: 10, maxDelayMs: 50 },
        ...extra.target,
      },
    ]);
  const { dir } = ws;
  return {
    dir,
    /** Writes the HR export and syncs it; returns what was planned, the problems, and the replan. */
    async sync(hr: Hr, onRemove: 'disable' | 'delete' = 'disable') {
      ws.writeHr(hr);
      const r = await syncAndReplan(write(onRemove), AS_OF);
      return {
        planned: r.planned['ldap']!,
        problems: r.outcomes[0]!.problems,
        secondPlan: r.secondPlan['ldap'],
      };
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

// ---- reading the directory as a test ---------------------------------------------------

async function entries(base: string, filter = '(objectClass=*)'): Promise<Entry[]> {
  const { searchEntries } = await ldap.search(base, {
    filter,
    attributes: ['*', 'entryUUID'],
    paged: { pageSize: 200 },
  });
  return searchEntries;
}

/** The person entries below `base`, by cn. */
async function persons(base: string): Promise<Map<string, Entry>> {
  return new Map((await entries(base, '(objectClass=inetOrgPerson)')).map((e) => [first(e, 'cn')!, e]));
}

/** The OU entries orgsync made below `base`, by ou. */
async function units(base: string): Promise<Map<string, Entry>> {
  const found = await entries(base, '(&(objectClass=organizationalUnit)(businessCategory=orgsync:*))');
  return new Map(found.map((e) => [first(e, 'description')!, e]));
}

const clean = (r: { problems: unknown[]; secondPlan: number | undefined }) => {
  expect(r.problems).toEqual([]);
  expect(r.secondPlan).toBe(0);
};

// ---- the tree ---------------------------------------------------------------------------

describe('ldap target: an OU tree in slapd', () => {
  let base: string;
  let ws: ReturnType<typeof workspace>;
  const UNITS: Hr['units'] = [
    { key: '1', parentKey: null, name: 'Kommune' },
    { key: '10', parentKey: '1', name: 'Administration' },
    { key: '11', parentKey: '10', name: 'Løn, Personale & "HR"' },
    { key: '20', parentKey: '1', name: 'Skoler + Dagtilbud' },
    { key: '21', parentKey: '20', name: 'Æblegården' },
  ];
  const anne = person(1, 'Anne', 'Ærø', '10', true);
  const bo = person(2, 'Bo', "O'Brien, Jr.", '11');
  const carl = person(3, 'Carl', 'Øster', '21');
  const dorte = person(4, 'Dorte', 'Dal', '20', true);
  let hr: Hr;

  beforeAll(async () => {
    base = await ownedSubtree(slapd, 'orgsync');
    ws = workspace(base, { config: { disable: { attributes: { employeeType: 'disabled' } } } });
    hr = hrOf(
      structuredClone(UNITS),
      [anne, bo, carl, dorte].map((p) => structuredClone(p)),
    );
  });
  afterAll(() => ws?.remove());

  const unitOf = (key: string) => hr.units.find((u) => u.key === key)!;
  const positionOf = (i: number) => hr.positions.find((p) => p.key === `pos${i}`)!;

  it('syncs a small tree, and reads it back as it wrote it', async () => {
    const r = await ws.sync(hr);
    expect(r.planned).toMatchObject({ create: 9, update: 0, move: 0 });
    clean(r);

    const ous = await units(base);
    expect([...ous.keys()].sort()).toEqual(UNITS.map((u) => u.name).sort());
    // Mirrored: each OU below its parent's, named exactly, the mark holding the unit key.
    const dnOf = (name: string) => ous.get(name)!.dn;
    expect(sameDn(dnOf('Kommune'), `ou=Kommune,${base}`)).toBe(true);
    expect(parseDn(dnOf('Løn, Personale & "HR"'))[0]).toEqual([
      { type: 'ou', value: 'Løn, Personale & "HR"' },
    ]);
    expect(sameDn(parentDn(dnOf('Løn, Personale & "HR"')), dnOf('Administration'))).toBe(true);
    expect(sameDn(parentDn(dnOf('Æblegården')), dnOf('Skoler + Dagtilbud'))).toBe(true);
    expect(first(ous.get('Æblegården')!, 'businessCategory')).toBe('orgsync:21');

    const people = await persons(base);
    const boEntry = people.get("Bo O'Brien, Jr.")!;
    // Named by the person key (uid), which the mark holds too; placed in their unit's OU.
    const key = first(boEntry, 'employeeNumber')!.replace(/^orgsync:/, '');
    expect(key).toMatch(/^p-[0-9a-f]{20}$/);
    expect(parseDn(boEntry.dn)[0]).toEqual([{ type: 'uid', value: key }]);
    expect(sameDn(parentDn(boEntry.dn), dnOf('Løn, Personale & "HR"'))).toBe(true);
    expect(values(boEntry, 'objectClass')).toContain('inetOrgPerson');
    // The manager (the nearest one above Bo's unit) as a DN.
    expect(sameDn(first(boEntry, 'manager')!, people.get('Anne Ærø')!.dn)).toBe(true);
    expect(sameDn(first(people.get('Carl Øster')!, 'manager')!, people.get('Dorte Dal')!.dn)).toBe(true);
    expect(first(people.get('Anne Ærø')!, 'manager')).toBeUndefined();
    // The OU was made before its manager's entry: the reference was written when that came.
    expect(sameDn(first(ous.get('Administration')!, 'seeAlso')!, people.get('Anne Ærø')!.dn)).toBe(true);
  });

  it('renames and moves a unit: the entries below follow, and references to them too', async () => {
    const before = await persons(base);
    unitOf('10').name = 'Administration og Økonomi';
    unitOf('21').parentKey = '10';
    const r = await ws.sync(hr);
    expect(r.planned).toMatchObject({ create: 0, update: 2, move: 1, delete: 0 }); // 10's ou, Carl's manager
    clean(r);
    const ous = await units(base);
    const admin = ous.get('Administration og Økonomi')!;
    expect(parseDn(admin.dn)[0]).toEqual([{ type: 'ou', value: 'Administration og Økonomi' }]);
    expect(sameDn(parentDn(ous.get('Æblegården')!.dn), admin.dn)).toBe(true);
    expect(sameDn(parentDn(ous.get('Løn, Personale & "HR"')!.dn), admin.dn)).toBe(true);
    const people = await persons(base);
    // Same entries (entryUUID), new DNs below the renamed OU.
    for (const name of ["Bo O'Brien, Jr.", 'Carl Øster', 'Anne Ærø'])
      expect(first(people.get(name)!, 'entryUUID')).toBe(first(before.get(name)!, 'entryUUID'));
    expect(people.get('Carl Øster')!.dn.endsWith(admin.dn)).toBe(true);
    // Anne's DN changed with the OU's: Bo's manager now names the new DN, Carl's manager is Anne.
    expect(sameDn(first(people.get("Bo O'Brien, Jr.")!, 'manager')!, people.get('Anne Ærø')!.dn)).toBe(true);
    expect(sameDn(first(people.get('Carl Øster')!, 'manager')!, people.get('Anne Ærø')!.dn)).toBe(true);
    expect(sameDn(first(admin, 'seeAlso')!, people.get('Anne Ærø')!.dn)).toBe(true);
  });

  it('moves a person to another unit', async () => {
    positionOf(2).unitKey = '20';
    const r = await ws.sync(hr);
    expect(r.planned).toMatchObject({ move: 1, create: 0 });
    clean(r);
    const bo2 = (await persons(base)).get("Bo O'Brien, Jr.")!;
    expect(sameDn(parentDn(bo2.dn), (await units(base)).get('Skoler + Dagtilbud')!.dn)).toBe(true);
    expect(first(bo2, 'departmentNumber')).toBe('20');
    expect(sameDn(first(bo2, 'manager')!, (await persons(base)).get('Dorte Dal')!.dn)).toBe(true);
  });

  it('disables a leaver (moved to ou=disabled, marked) and enables them when they come back', async () => {
    const carlBefore = (await persons(base)).get('Carl Øster')!;
    hr.persons = hr.persons.filter((p) => p.cpr !== carl.person.cpr);
    hr.positions = hr.positions.filter((p) => p.cpr !== carl.person.cpr);
    const r = await ws.sync(hr);
    expect(r.planned).toMatchObject({ disable: 1, delete: 0 });
    clean(r);
    const disabled = await persons(`ou=disabled,${base}`);
    const gone = disabled.get('Carl Øster')!;
    expect(first(gone, 'entryUUID')).toBe(first(carlBefore, 'entryUUID'));
    expect(first(gone, 'employeeType')).toBe('disabled');

    hr = hrOf(
      hr.units,
      [anne, bo, carl, dorte].map((p) => structuredClone(p)),
    );
    positionOf(2).unitKey = '20';
    const back = await ws.sync(hr);
    expect(back.planned).toMatchObject({ create: 0, disable: 0 });
    clean(back);
    const carlNow = (await persons(base)).get('Carl Øster')!;
    expect(first(carlNow, 'entryUUID')).toBe(first(carlBefore, 'entryUUID'));
    expect(sameDn(parentDn(carlNow.dn), (await units(base)).get('Æblegården')!.dn)).toBe(true);
    expect(first(carlNow, 'employeeType')).toBeUndefined();
  });

  it('moves a closed unit (onRemove disable) to ou=disabled, and back when it reopens', async () => {
    const before = (await units(base)).get('Løn, Personale & "HR"')!;
    const closed = unitOf('11');
    hr.units = hr.units.filter((u) => u.key !== '11');
    const r = await ws.sync(hr);
    expect(r.planned).toMatchObject({ disable: 1, delete: 0, move: 0 });
    clean(r);
    const aside = (await units(`ou=disabled,${base}`)).get('Løn, Personale & "HR"')!;
    expect(first(aside, 'entryUUID')).toBe(first(before, 'entryUUID'));

    hr.units.push(closed);
    const back = await ws.sync(hr);
    expect(back.planned).toMatchObject({ move: 1, create: 0 });
    clean(back);
    const now = (await units(base)).get('Løn, Personale & "HR"')!;
    expect(first(now, 'entryUUID')).toBe(first(before, 'entryUUID'));
    expect(sameDn(now.dn, before.dn)).toBe(true);
  });

  it('finds entries renamed, moved and stripped of their mark by hand, by entryUUID', async () => {
    const { Change: LdapChange, Attribute } = await import('ldapts');
    const strip = (dn: string, attribute: string) =>
      ldap.modify(dn, [
        new LdapChange({ operation: 'delete', modification: new Attribute({ type: attribute }) }),
      ]);
    const ous = await units(base);
    const bo2 = (await persons(base)).get("Bo O'Brien, Jr.")!;
    // Bo renamed and moved to the top unit's OU; unit 21 renamed; both marks removed.
    const boDn = childDn('uid', 'bo.by.hand', ous.get('Kommune')!.dn);
    await ldap.modifyDN(bo2.dn, boDn);
    await strip(boDn, 'employeeNumber');
    const unitDn = childDn('ou', 'Renamed by hand', parentDn(ous.get('Æblegården')!.dn));
    await ldap.modifyDN(ous.get('Æblegården')!.dn, unitDn);
    await strip(unitDn, 'businessCategory');

    const r = await ws.sync(hr);
    expect(r.planned).toMatchObject({ create: 0, move: 1, update: 1, delete: 0, disable: 0 });
    clean(r);
    const found = (await persons(base)).get("Bo O'Brien, Jr.")!;
    expect(first(found, 'entryUUID')).toBe(first(bo2, 'entryUUID'));
    expect(sameDn(parentDn(found.dn), ous.get('Skoler + Dagtilbud')!.dn)).toBe(true);
    expect(first(found, 'uid')).toBe('bo.by.hand'); // an unmapped naming value is the admin's
    expect(first(found, 'employeeNumber')).toMatch(/^orgsync:p-/); // the mark is back
    const unit = (await units(base)).get('Æblegården')!;
    expect(first(unit, 'entryUUID')).toBe(first(ous.get('Æblegården')!, 'entryUUID'));
    expect(first(unit, 'ou')).toBe('Æblegården');
    expect(first(unit, 'businessCategory')).toBe('orgsync:21');
  });

  it('deletes units and persons; an OU holding an entry orgsync does not own is refused as a conflict', async () => {
    const ous = await units(base);
    // Someone put a printer in unit 21's OU.
    const printer = childDn('cn', 'Printer 1', ous.get('Æblegården')!.dn);
    await ldap.add(printer, { objectClass: ['top', 'device'], cn: 'Printer 1' });
    hr.units = hr.units.filter((u) => u.key !== '21');
    hr.persons = hr.persons.filter((p) => p.cpr !== carl.person.cpr);
    hr.positions = hr.positions.filter((p) => p.cpr !== carl.person.cpr);
    const refused = await ws.sync(hr, 'delete');
    expect(refused.planned).toMatchObject({ delete: 2 });
    expect(refused.problems.map((p) => [p.changeId, p.errorKind])).toEqual([['ldap:unit:21', 'conflict']]);
    expect(refused.problems[0]!.message).toMatch(/unit 21: its OU still holds entries/);
    expect((await persons(base)).has('Carl Øster')).toBe(false);

    await ldap.del(printer);
    const r = await ws.sync(hr, 'delete');
    expect(r.planned).toMatchObject({ delete: 1, create: 0 });
    clean(r);
    expect((await units(base)).has('Æblegården')).toBe(false);
  });
});

// ---- names ------------------------------------------------------------------------------

describe('ldap target: hostile names', () => {
  it('keeps names exact: DN and filter metacharacters, æøå, namesakes in one OU', async () => {
    const base = await ownedSubtree(slapd, 'Hostile, "names"');
    const ws = workspace(base, { config: { persons: { rdnAttribute: 'cn' } } });
    const names = [
      'Skole, Syd',
      'Skole, Syd', // the same name twice under one parent
      'A+B "Citat" <x>; y=z',
      '#Hash',
      'Back\\slash\\',
      'Stjerne *() (objectClass=*)',
      'Æblegården Øst & Å',
    ];
    const unitsIn: Hr['units'] = [
      { key: 'root', parentKey: null, name: 'Kommune' },
      ...names.map((name, i) => ({ key: `h${i}`, parentKey: 'root', name })),
    ];
    const people = [
      person(1, 'Jens "JJ"', "O'Brien, Jr.+", 'h0'),
      person(2, '#Anne', 'Back\\slash\\', 'h1'),
      person(3, 'Søren*', '(Ærø)', 'h2'),
      person(4, 'Jens "JJ"', "O'Brien, Jr.+", 'h0'), // a namesake in the same unit: same cn
    ];
    try {
      const r = await ws.sync(hrOf(unitsIn, people));
      expect(r.planned).toMatchObject({ create: unitsIn.length + people.length });
      clean(r);
      const ous = await entries(base, '(&(objectClass=organizationalUnit)(businessCategory=orgsync:*))');
      expect(ous.map((e) => first(e, 'ou')).sort()).toEqual(['Kommune', ...names].sort());
      // The second "Skole, Syd" is told apart by its mark in the RDN, its ou left exact.
      const skoler = ous.filter((e) => first(e, 'ou') === 'Skole, Syd').map((e) => parseDn(e.dn)[0]!);
      expect(skoler.map((rdn) => rdn.length).sort()).toEqual([1, 2]);
      const found = await entries(base, '(objectClass=inetOrgPerson)');
      expect(found.map((e) => first(e, 'cn')).sort()).toEqual(
        people.map((p) => `${p.person.givenName} ${p.person.surname}`).sort(),
      );
      for (const e of found) expect(parseDn(e.dn)[0]![0]).toEqual({ type: 'cn', value: first(e, 'cn') });

      // A rename of a person named by cn renames the entry.
      people[2]!.person.surname = 'Ærø, "ny"';
      const renamed = await ws.sync(hrOf(unitsIn, people));
      expect(renamed.planned).toMatchObject({ update: 1, create: 0 });
      clean(renamed);
      const soren = (await persons(base)).get('Søren* Ærø, "ny"')!;
      expect(parseDn(soren.dn)[0]).toEqual([{ type: 'cn', value: 'Søren* Ærø, "ny"' }]);
    } finally {
      ws.remove();
    }
  });
});

// ---- flat -------------------------------------------------------------------------------

describe('ldap target: persons flat in one container', () => {
  it('makes the people container on demand, keeps persons in it, and puts back one moved away', async () => {
    const base = await ownedSubtree(slapd, 'flat');
    const ws = workspace(base, {
      config: { units: { mode: 'none' } },
      target: { objects: { person: { attributes: PERSON_MAPPING } } },
    });
    const units: Hr['units'] = [
      { key: '1', parentKey: null, name: 'Kommune' },
      { key: '2', parentKey: '1', name: 'Skole' },
    ];
    const people = [person(1, 'Anne', 'Andersen', '1', true), person(2, 'Bo', 'Berg', '2')];
    try {
      const r = await ws.sync(hrOf(units, people));
      expect(r.planned).toMatchObject({ create: 2 });
      clean(r);
      const found = await persons(base);
      for (const e of found.values()) expect(sameDn(parentDn(e.dn), `ou=people,${base}`)).toBe(true);
      expect(sameDn(first(found.get('Bo Berg')!, 'manager')!, found.get('Anne Andersen')!.dn)).toBe(true);

      // Moved in HR: only the unit attribute changes, the entry stays where it is.
      people[1]!.position.unitKey = '1';
      const moved = await ws.sync(hrOf(units, people));
      expect(moved.planned).toMatchObject({ update: 1, move: 0 });
      clean(moved);

      // Moved away by hand, below another OU in the subtree: put back.
      const aside = childDn('ou', 'aside', base);
      await ldap.add(aside, { objectClass: ['top', 'organizationalUnit'], ou: 'aside' });
      const bo = (await persons(base)).get('Bo Berg')!;
      await ldap.modifyDN(bo.dn, `${bo.dn.split(',')[0]},${aside}`);
      const back = await ws.sync(hrOf(units, people));
      expect(back.planned).toMatchObject({ move: 1, create: 0 });
      clean(back);
      expect(sameDn(parentDn((await persons(base)).get('Bo Berg')!.dn), `ou=people,${base}`)).toBe(true);
    } finally {
      ws.remove();
    }
  });
});

// ---- the connection ---------------------------------------------------------------------

/** Opens a session of the connector directly (no engine): for check() and failure kinds. */
async function session(config: Record<string, unknown>) {
  const s = await ldapTarget.open(LdapConfig.parse(config), {
    instance: 'ldap',
    logger: silentLogger(),
    workDir: tmpdir(),
  });
  return s;
}

const someChange: Change = {
  id: 'ldap:unit:1',
  action: 'create',
  type: 'unit',
  key: '1',
  parentKey: null,
  attrs: [{ name: 'ou', new: 'Kommune' }],
  reason: 'test',
  after: [],
};

async function failureKind(config: Record<string, unknown>): Promise<string | undefined> {
  const s = await session(config);
  try {
    await s.apply([someChange], { runId: 'r', signal: new AbortController().signal });
    return undefined;
  } catch (e) {
    return e instanceof ConnectorError ? e.kind : 'untyped';
  } finally {
    await s.close?.();
  }
}

describe('ldap target: the connection', () => {
  it('an unreachable port: check() is not ok, a change fails as transient', async () => {
    const config = slapdConfig(slapd, slapd.suffix, { url: `ldap://127.0.0.1:${await freePort()}` });
    const s = await session(config);
    const checked = await s.check();
    await s.close?.();
    expect(checked.ok).toBe(false);
    expect(checked.message).toMatch(/did not answer|ECONNREFUSED/);
    expect(await failureKind(config)).toBe('transient');
  });

  it('a wrong password: check() is not ok, a change fails as permission', async () => {
    const wrong = join(slapd.dir, 'wrong-password');
    writeFileSync(wrong, 'not-the-password');
    const config = {
      ...slapdConfig(slapd, slapd.suffix),
      bind: { dn: slapd.rootDn, password: { file: wrong } },
    };
    const s = await session(config);
    const checked = await s.check();
    await s.close?.();
    expect(checked.ok).toBe(false);
    expect(checked.message).toMatch(/LDAP 49/);
    expect(await failureKind(config)).toBe('permission');
  });

  it('a missing baseDn: check() says so', async () => {
    const s = await session(slapdConfig(slapd, `ou=nowhere,${slapd.suffix}`));
    const checked = await s.check();
    await s.close?.();
    expect(checked).toEqual({ ok: false, message: expect.stringMatching(/does not exist/) });
  });

  it('StartTLS and LDAPS with a CA file; a certificate not trusted is refused', async () => {
    const tls = await startSlapd({ tls: true });
    try {
      const check = async (extra: Record<string, unknown>) => {
        const s = await session(slapdConfig(tls, tls.suffix, extra));
        try {
          return await s.check();
        } finally {
          await s.close?.();
        }
      };
      const startTls = await check({ tls: { caFile: tls.caFile, startTls: true } });
      expect(startTls.ok, startTls.message).toBe(true);
      const ldaps = await check({ url: tls.ldapsUrl, tls: { caFile: tls.caFile } });
      expect(ldaps.ok, ldaps.message).toBe(true);
      const untrusted = await check({ url: tls.ldapsUrl });
      expect(untrusted.ok).toBe(false);
      expect(untrusted.message).toMatch(/certificate/);
    } finally {
      await tls.stop();
    }
  });
});
