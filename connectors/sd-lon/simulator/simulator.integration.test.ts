/**
 * The SD Løn simulator over HTTP with plain fetch: what PROTOCOL.md promises a client, from
 * strict refusals to the changed-at windows. Hand-made stores pin the semantics; small
 * generated municipalities check render and advance.
 */
import { DOMParser, type Element, XMLSerializer } from '@xmldom/xmldom';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { generateMunicipality, nextDay } from '../../../src/generate/index.js';
import { OPEN_END } from '../model.js';
import { advanceMunicipality, renderMunicipality } from './render.js';
import { type SdSimulator, type SdSimulatorOptions, startSdSimulator } from './server.js';
import { SdStore, type StoredDepartment } from './store.js';

const USER = { username: 'orgsync', password: 'secret' };
const AUTH = `Basic ${Buffer.from('orgsync:secret').toString('base64')}`;

const INST = '11111111-1111-4111-8111-111111111111';
const U = {
  root: '22222222-2222-4222-8222-222222222201',
  x: '22222222-2222-4222-8222-222222222202',
  y: '22222222-2222-4222-8222-222222222203',
  ax: '22222222-2222-4222-8222-222222222204',
};
const CPR = { a: '0101801234', b: '0202802345', c: '0303803456', d: '0404804567' };

// Copenhagen is UTC+1 in January: 09:15:30Z is 10:15:30 local.
const T0 = new Date('2025-01-10T08:00:00Z');
const T1 = new Date('2025-01-15T09:15:30Z');
const T_NIGHT = new Date('2025-01-15T23:30:00Z'); // 00:30 on the 16th in Copenhagen
const T2 = new Date('2025-01-20T12:00:00Z');

const dep = (
  identifier: string,
  uuid: string,
  level: string,
  parentUuid: string,
  activationDate = '2010-01-01',
): StoredDepartment => ({
  identifier,
  uuid,
  level,
  name: `Dept ${identifier}`,
  activationDate,
  deactivationDate: OPEN_END,
  parentUuid,
});

/** A small institution whose every fact a test below relies on. */
function handStore(): SdStore {
  const s = new SdStore();
  s.addInstitution({ identifier: 'XY', uuid: INST });
  s.setDepartments('XY', [
    dep('R', U.root, 'NY6-niveau', INST),
    dep('X', U.x, 'NY5-niveau', U.root),
    dep('Y', U.y, 'NY5-niveau', U.root), // no Afdelings-niveau below: missing from GetOrganization
    dep('AX', U.ax, 'Afdelings-niveau', U.x, '2024-03-01'),
  ]);
  const ax = { identifier: 'AX', uuid: U.ax };
  const status = (value: string, from = '2020-01-01') => [{ from, to: OPEN_END, value }];
  s.registerPerson('XY', { cpr: CPR.a, givenName: 'Anna', surname: 'Holm' }, T0);
  s.registerPerson(
    'XY',
    {
      cpr: CPR.c,
      givenName: 'Carl',
      surname: 'Berg',
      employmentContacts: { '2000': { phones: ['11223344'], emails: ['cb@x.dk'] } },
    },
    T0,
  );
  s.registerEmployment(
    'XY',
    { id: '1001', cpr: CPR.a, employmentDate: '2020-01-01', timelines: { status: status('1') } },
    T0,
  );
  for (const [id, code] of [
    ['2000', '3'],
    ['2001', '7'],
    ['2002', '9'],
    ['2003', '0'],
  ] as const)
    s.registerEmployment('XY', { id, cpr: CPR.c, timelines: { status: status(code) } }, T0);
  s.registerEmployment(
    'XY',
    {
      id: '3000',
      cpr: CPR.d,
      employmentDate: '2020-01-01',
      timelines: {
        status: status('1'),
        department: [{ from: '2020-01-01', to: OPEN_END, value: { identifier: 'X', uuid: U.x } }],
        profession: [{ from: '2020-01-01', to: OPEN_END, value: { jobPositionId: '1040', name: 'Pædagog' } }],
        workingTime: [{ from: '2020-01-01', to: OPEN_END, value: '1.0000' }],
      },
    },
    T0,
  );
  // At 10:15:30 local: a move from today and a future change of title.
  s.registerPeriods('XY', '3000', CPR.d, 'department', [{ from: '2025-01-15', to: OPEN_END, value: ax }], T1);
  s.registerPeriods(
    'XY',
    '3000',
    CPR.d,
    'profession',
    [{ from: '2025-03-01', to: OPEN_END, value: { jobPositionId: '1050', name: 'Leder' } }],
    T1,
  );
  s.registerPeriods(
    'XY',
    '3000',
    CPR.d,
    'workingTime',
    [{ from: '2025-01-16', to: OPEN_END, value: '0.5000' }],
    T_NIGHT,
  );
  // Employment 1001 is deleted for A and given to B.
  s.deleteEmployment('XY', '1001', CPR.a, T2, '2025-01-20');
  s.registerPerson('XY', { cpr: CPR.b, givenName: 'Bo', surname: 'Dahl' }, T2);
  s.registerEmployment(
    'XY',
    { id: '1001', cpr: CPR.b, timelines: { status: status('1', '2025-01-20') } },
    T2,
  );
  return s;
}

let sim: SdSimulator;
const extra: SdSimulator[] = [];

beforeAll(async () => {
  sim = await startSdSimulator({ store: handStore(), users: USER, openingHours: null });
});
afterEach(async () => {
  for (const s of extra.splice(0)) await s.close();
});
afterAll(async () => {
  await sim.close();
});

async function another(opts: Partial<SdSimulatorOptions>): Promise<SdSimulator> {
  const s = await startSdSimulator({ store: handStore(), users: USER, openingHours: null, ...opts });
  extra.push(s);
  return s;
}

async function call(
  on: SdSimulator,
  operation: string,
  params: Record<string, string>,
  auth: string | null = AUTH,
): Promise<{ status: number; text: string }> {
  const r = await fetch(`${on.url}${operation}?${new URLSearchParams(params)}`, {
    headers: auth === null ? {} : { authorization: auth },
  });
  return { status: r.status, text: await r.text() };
}

const root = (xml: string): Element => new DOMParser().parseFromString(xml, 'text/xml').documentElement!;
const kids = (el: Element, name: string): Element[] =>
  Array.from(el.childNodes).filter((n): n is Element => n.nodeType === 1 && (n as Element).tagName === name);
const kid = (el: Element, name: string): Element => {
  const found = kids(el, name)[0];
  if (!found) throw new Error(`no ${name} in ${el.tagName}`);
  return found;
};
const txt = (el: Element, name: string): string => kid(el, name).textContent ?? '';
const faultOf = (xml: string): string => txt(kid(kid(kid(root(xml), 'Body'), 'Fault'), 'detail'), 'string');

/** Person CPR -> employment ids listed, from any GetEmployment-family or GetPerson answer. */
function listed(xml: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const p of kids(root(xml), 'Person'))
    out[txt(p, 'PersonCivilRegistrationIdentifier')] = kids(p, 'Employment').map((e) =>
      txt(e, 'EmploymentIdentifier'),
    );
  return out;
}

function employmentOf(xml: string, cpr: string, id: string): Element {
  const p = kids(root(xml), 'Person').find((x) => txt(x, 'PersonCivilRegistrationIdentifier') === cpr);
  const e = p && kids(p, 'Employment').find((x) => txt(x, 'EmploymentIdentifier') === id);
  if (!e) throw new Error(`employment ${id} not listed`);
  return e;
}

const ALL_PARTS = {
  EmploymentStatusIndicator: 'true',
  DepartmentIndicator: 'true',
  ProfessionIndicator: 'true',
  WorkingTimeIndicator: 'true',
  UUIDIndicator: 'true',
};

describe('strict parameters', () => {
  const dept = { InstitutionIdentifier: 'XY', ActivationDate: '01.01.2025', DeactivationDate: '31.01.2025' };

  it.each([
    ['an unknown parameter', { ...dept, Foo: 'x' }, 'Foo'],
    [
      'a missing required parameter',
      { InstitutionIdentifier: 'XY', ActivationDate: '01.01.2025' },
      'DeactivationDate',
    ],
    ['a date not dd.mm.yyyy', { ...dept, ActivationDate: '2025-01-01' }, 'ActivationDate'],
    ['an impossible date', { ...dept, DeactivationDate: '30.02.2025' }, 'DeactivationDate'],
    ['a bad boolean', { ...dept, UUIDIndicator: 'yes' }, 'UUIDIndicator'],
    ['a window ending before it starts', { ...dept, DeactivationDate: '31.12.2024' }, 'DeactivationDate'],
    [
      'both institution parameters',
      { ...dept, InstitutionUUIDIdentifier: INST },
      'InstitutionUUIDIdentifier',
    ],
    [
      'no institution',
      { ActivationDate: '01.01.2025', DeactivationDate: '31.01.2025' },
      'InstitutionIdentifier',
    ],
    ['ProductionUnitIndicator alone', { ...dept, ProductionUnitIndicator: 'true' }, 'PostalAddressIndicator'],
  ])('refuses %s with a Fault naming the parameter', async (_, params, name) => {
    const r = await call(sim, 'GetDepartment20111201', params);
    expect(r.status).toBe(500);
    expect(faultOf(r.text)).toContain(name);
  });

  it('refuses a bad time', async () => {
    const r = await call(sim, 'GetEmploymentChangedAtDate20111201', {
      InstitutionIdentifier: 'XY',
      ActivationDate: '15.01.2025',
      ActivationTime: '25:00',
      DeactivationDate: '15.01.2025',
      DeactivationTime: '10:15',
    });
    expect(r.status).toBe(500);
    expect(faultOf(r.text)).toContain('ActivationTime');
  });

  it('refuses a malformed CPR without quoting it', async () => {
    const r = await call(sim, 'GetPerson20111201', {
      InstitutionIdentifier: 'XY',
      EffectiveDate: '21.01.2025',
      PersonCivilRegistrationIdentifier: '01018012',
    });
    expect(r.status).toBe(500);
    expect(faultOf(r.text)).toContain('PersonCivilRegistrationIdentifier');
    expect(r.text).not.toContain('01018012');
  });

  it('answers an unknown institution with "The stated institution does not exist"', async () => {
    const r = await call(sim, 'GetDepartment20111201', { ...dept, InstitutionIdentifier: 'ZZ' });
    expect(r.status).toBe(500);
    expect(faultOf(r.text)).toBe('The stated institution does not exist');
  });

  it('accepts the institution by UUID and echoes the parameters in RequestStructure', async () => {
    const params = {
      InstitutionUUIDIdentifier: INST,
      ActivationDate: '01.01.2025',
      DeactivationDate: '31.01.2025',
    };
    const r = await call(sim, 'GetDepartment20111201', params);
    expect(r.status).toBe(200);
    const doc = root(r.text);
    expect(doc.tagName).toBe('GetDepartment20111201');
    expect(doc.getAttribute('creationDateTime')).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
    expect(txt(kid(doc, 'RequestStructure'), 'ActivationDate')).toBe('01.01.2025');
    expect(txt(doc, 'InstitutionIdentifier')).toBe('XY');
    // AX opens 2024-03-01: all four are active in January 2025.
    expect(kids(doc, 'Department').map((d) => txt(d, 'DepartmentIdentifier'))).toEqual(['R', 'X', 'Y', 'AX']);
    // Optional elements only with their indicator.
    expect(kids(kids(doc, 'Department')[0]!, 'DepartmentUUIDIdentifier')).toHaveLength(0);
    expect(kids(kids(doc, 'Department')[0]!, 'DepartmentName')).toHaveLength(0);
  });

  it('answers 401 without or with wrong credentials, 404 for an unknown operation, 405 for POST', async () => {
    const params = {
      InstitutionIdentifier: 'XY',
      ActivationDate: '01.01.2025',
      DeactivationDate: '31.01.2025',
    };
    expect((await call(sim, 'GetDepartment20111201', params, null)).status).toBe(401);
    const wrong = `Basic ${Buffer.from('orgsync:nope').toString('base64')}`;
    expect((await call(sim, 'GetDepartment20111201', params, wrong)).status).toBe(401);
    expect((await call(sim, 'GetNothing20111201', params)).status).toBe(404);
    const post = await fetch(`${sim.url}GetDepartment20111201`, {
      method: 'POST',
      headers: { authorization: AUTH },
    });
    expect(post.status).toBe(405);
    // Without /sdws/ too.
    const bare = await fetch(
      `${sim.url.replace(/sdws\/$/, '')}GetDepartment20111201?${new URLSearchParams(params)}`,
      {
        headers: { authorization: AUTH },
      },
    );
    expect(bare.status).toBe(200);
  });
});

describe('opening hours', () => {
  const params = {
    InstitutionIdentifier: 'XY',
    ActivationDate: '01.01.2025',
    DeactivationDate: '31.01.2025',
  };

  it('answers HTTP 200 with "The webservice has failed" outside 06:05-21:55 Copenhagen time', async () => {
    let now = new Date('2025-01-15T21:00:00Z'); // 22:00 in winter
    const s = await another({ clock: () => now, openingHours: undefined });
    const closed = await call(s, 'GetDepartment20111201', params);
    expect(closed.status).toBe(200);
    expect(faultOf(closed.text)).toMatch(/^The webservice has failed/);

    now = new Date('2025-07-01T04:04:59Z'); // 06:04:59 in summer
    expect(faultOf((await call(s, 'GetDepartment20111201', params)).text)).toMatch(
      /^The webservice has failed/,
    );
    now = new Date('2025-07-01T04:05:00Z'); // 06:05
    const open = await call(s, 'GetDepartment20111201', params);
    expect(open.status).toBe(200);
    expect(root(open.text).tagName).toBe('GetDepartment20111201');
    expect(root(open.text).getAttribute('creationDateTime')).toBe('2025-07-01T06:05:00');
    expect(s.calls()).toBe(3);
  });
});

describe('organisation', () => {
  it('GetOrganization is leaf-first and leaves out a department without an Afdelings-niveau leaf', async () => {
    const r = await call(sim, 'GetOrganization20111201', {
      InstitutionIdentifier: 'XY',
      ActivationDate: '01.01.2025',
      DeactivationDate: '01.01.2025',
      UUIDIndicator: 'true',
    });
    expect(r.status).toBe(200);
    const org = kid(root(r.text), 'Organization');
    const refs = kids(org, 'DepartmentReference');
    expect(refs).toHaveLength(1);
    const chain: string[] = [];
    for (let ref: Element | undefined = refs[0]; ref; ref = kids(ref, 'DepartmentReference')[0])
      chain.push(`${txt(ref, 'DepartmentIdentifier')}:${txt(ref, 'DepartmentLevelIdentifier')}`);
    expect(chain).toEqual(['AX:Afdelings-niveau', 'X:NY5-niveau', 'R:NY6-niveau']);
    expect(r.text).not.toContain('<DepartmentIdentifier>Y</DepartmentIdentifier>');
    expect(txt(refs[0]!, 'DepartmentUUIDIdentifier')).toBe(U.ax);
  });

  it('GetOrganization leaves out an Afdelings-niveau department not yet active in the window', async () => {
    const r = await call(sim, 'GetOrganization20111201', {
      InstitutionIdentifier: 'XY',
      ActivationDate: '01.01.2024',
      DeactivationDate: '29.02.2024',
    });
    expect(kids(kid(root(r.text), 'Organization'), 'DepartmentReference')).toHaveLength(0);
  });

  it('GetDepartmentParent fails before the activation date, then names the parent', async () => {
    const ask = (uuid: string, day: string) =>
      call(sim, 'GetDepartmentParent20190701', { EffectiveDate: day, DepartmentUUIDIdentifier: uuid });
    const before = await ask(U.ax, '29.02.2024');
    expect(before.status).toBe(500);
    expect(faultOf(before.text)).toBe('The stated department does not exist');
    const on = await ask(U.ax, '01.03.2024');
    expect(on.status).toBe(200);
    expect(txt(kid(root(on.text), 'DepartmentParent'), 'DepartmentUUIDIdentifier')).toBe(U.x);
    // A root's parent is the institution.
    const top = await ask(U.root, '01.01.2025');
    expect(txt(kid(root(top.text), 'DepartmentParent'), 'DepartmentUUIDIdentifier')).toBe(INST);
    expect(faultOf((await ask('33333333-3333-4333-8333-333333333333', '01.01.2025')).text)).toBe(
      'The stated department does not exist',
    );
  });
});

describe('persons and employments', () => {
  const employment = (day: string, extra: Record<string, string>) =>
    call(sim, 'GetEmployment20111201', { InstitutionIdentifier: 'XY', EffectiveDate: day, ...extra });

  it('lists by status on the day: active 0/1/3, passive 7/8/9, never S', async () => {
    const active = listed((await employment('21.01.2025', { StatusActiveIndicator: 'true' })).text);
    expect(active).toEqual({ [CPR.b]: ['1001'], [CPR.c]: ['2000', '2003'], [CPR.d]: ['3000'] });
    const passive = listed((await employment('21.01.2025', { StatusPassiveIndicator: 'true' })).text);
    expect(passive).toEqual({ [CPR.c]: ['2001', '2002'] });
    // Before the deletion, 1001 belonged to A.
    const before = listed((await employment('19.01.2025', { StatusActiveIndicator: 'true' })).text);
    expect(before[CPR.a]).toEqual(['1001']);
    expect(before[CPR.b]).toBeUndefined();
  });

  it('gives the period of each asked part that holds on the day', async () => {
    const r = await employment('20.01.2025', { StatusActiveIndicator: 'true', ...ALL_PARTS });
    const e = employmentOf(r.text, CPR.d, '3000');
    expect(txt(e, 'EmploymentDate')).toBe('2020-01-01');
    expect(kids(e, 'EmploymentDepartment')).toHaveLength(1);
    expect(txt(kid(e, 'EmploymentDepartment'), 'DepartmentIdentifier')).toBe('AX');
    expect(txt(kid(e, 'EmploymentDepartment'), 'DepartmentUUIDIdentifier')).toBe(U.ax);
    expect(txt(kid(e, 'EmploymentDepartment'), 'ActivationDate')).toBe('2025-01-15');
    expect(txt(kid(e, 'Profession'), 'EmploymentName')).toBe('Pædagog');
    expect(txt(kid(e, 'Profession'), 'DeactivationDate')).toBe('2025-02-28');
    expect(txt(kid(e, 'WorkingTime'), 'OccupationRate')).toBe('0.5000');
    // Not asked, not there.
    const bare = employmentOf(
      (await employment('20.01.2025', { StatusActiveIndicator: 'true' })).text,
      CPR.d,
      '3000',
    );
    expect(kids(bare, 'EmploymentStatus')).toHaveLength(0);
  });

  it('GetPerson lists names and, with the indicator, the work contact', async () => {
    const r = await call(sim, 'GetPerson20111201', {
      InstitutionIdentifier: 'XY',
      EffectiveDate: '21.01.2025',
      StatusActiveIndicator: 'true',
      ContactInformationIndicator: 'true',
    });
    expect(listed(r.text)).toEqual({ [CPR.b]: ['1001'], [CPR.c]: ['2000', '2003'], [CPR.d]: ['3000'] });
    const carl = kids(root(r.text), 'Person').find((p) => txt(p, 'PersonGivenName') === 'Carl')!;
    const contact = kid(kids(carl, 'Employment')[0]!, 'ContactInformation');
    expect(txt(contact, 'TelephoneNumberIdentifier')).toBe('11223344');
    expect(txt(contact, 'EmailAddressIdentifier')).toBe('cb@x.dk');
  });

  it('GetEmploymentChanged lists employments with a period starting in the window, each part a list', async () => {
    const r = await call(sim, 'GetEmploymentChanged20111201', {
      InstitutionIdentifier: 'XY',
      ActivationDate: '14.01.2025',
      DeactivationDate: '31.03.2025',
      ...ALL_PARTS,
    });
    expect(listed(r.text)).toEqual({ [CPR.a]: ['1001'], [CPR.d]: ['3000'], [CPR.b]: ['1001'] });
    const e = employmentOf(r.text, CPR.d, '3000');
    expect(kids(e, 'Profession').map((p) => txt(p, 'EmploymentName'))).toEqual(['Pædagog', 'Leder']);
    expect(kids(e, 'EmploymentDepartment').map((p) => txt(p, 'DepartmentIdentifier'))).toEqual(['X', 'AX']);
    // Nothing starts in June: nothing is listed, whatever holds then.
    const june = await call(sim, 'GetEmploymentChanged20111201', {
      InstitutionIdentifier: 'XY',
      ActivationDate: '01.06.2025',
      DeactivationDate: '30.06.2025',
    });
    expect(listed(june.text)).toEqual({});
    const deleted = employmentOf(r.text, CPR.a, '1001');
    expect(kids(deleted, 'EmploymentStatus').map((p) => txt(p, 'EmploymentStatusCode'))).toEqual(['1', 'S']);
  });
});

describe('GetEmploymentChangedAtDate windows', () => {
  const window = (
    from: string,
    fromTime: string,
    to: string,
    toTime: string,
    extra: Record<string, string> = {},
  ) =>
    call(sim, 'GetEmploymentChangedAtDate20111201', {
      InstitutionIdentifier: 'XY',
      ActivationDate: from,
      ActivationTime: fromTime,
      DeactivationDate: to,
      DeactivationTime: toTime,
      ...ALL_PARTS,
      ...extra,
    });

  it('includes a registration at 10:15:30 in a window ending 10:15, with only the periods registered in it', async () => {
    const r = await window('15.01.2025', '10:00', '15.01.2025', '10:15');
    expect(r.status).toBe(200);
    expect(listed(r.text)).toEqual({ [CPR.d]: ['3000'] });
    const e = employmentOf(r.text, CPR.d, '3000');
    expect(kids(e, 'EmploymentStatus')).toHaveLength(0);
    const moves = kids(e, 'EmploymentDepartment');
    expect(moves).toHaveLength(1);
    expect(moves[0]!.getAttribute('changedAtDate')).toBe('2025-01-15');
    expect(txt(moves[0]!, 'DepartmentIdentifier')).toBe('AX');
    // Starts after DeactivationDate: left out without FutureInformationIndicator.
    expect(kids(e, 'Profession')).toHaveLength(0);
  });

  it('lists future periods with FutureInformationIndicator', async () => {
    const r = await window('15.01.2025', '10:15', '15.01.2025', '10:15', {
      FutureInformationIndicator: 'true',
    });
    const e = employmentOf(r.text, CPR.d, '3000');
    expect(kids(e, 'Profession').map((p) => txt(p, 'EmploymentName'))).toEqual(['Leder']);
  });

  it('leaves out a registration a minute before the window', async () => {
    expect(listed((await window('15.01.2025', '10:16', '15.01.2025', '23:59')).text)).toEqual({});
  });

  it('dates changedAtDate by the Copenhagen day of the registration', async () => {
    const r = await window('16.01.2025', '00:00', '16.01.2025', '01:00');
    const rates = kids(employmentOf(r.text, CPR.d, '3000'), 'WorkingTime');
    expect(rates.map((p) => p.getAttribute('changedAtDate'))).toEqual(['2025-01-16']);
  });

  it('shows a deletion as status S and the reused employment under its new person', async () => {
    const r = await window('20.01.2025', '13:00', '20.01.2025', '13:00');
    expect(listed(r.text)).toEqual({ [CPR.a]: ['1001'], [CPR.b]: ['1001'] });
    const gone = kids(employmentOf(r.text, CPR.a, '1001'), 'EmploymentStatus');
    expect(gone.map((p) => txt(p, 'EmploymentStatusCode'))).toEqual(['S']);
    const persons = await call(sim, 'GetPersonChangedAtDate20111201', {
      InstitutionIdentifier: 'XY',
      ActivationDate: '20.01.2025',
      ActivationTime: '00:00',
      DeactivationDate: '20.01.2025',
      DeactivationTime: '23:59',
    });
    expect(listed(persons.text)).toEqual({ [CPR.b]: ['1001'] });
  });
});

describe('injected faults', () => {
  const params = {
    InstitutionIdentifier: 'XY',
    ActivationDate: '01.01.2025',
    DeactivationDate: '31.01.2025',
  };

  it('fails exactly the calls the hook names', async () => {
    const fates = { 2: 'fault', 3: 'unauthorized', 4: 'closed', 5: 'error' } as const;
    const s = await another({ faults: { hook: ({ n }) => fates[n as keyof typeof fates] ?? null } });
    expect((await call(s, 'GetDepartment20111201', params)).status).toBe(200);
    const fault = await call(s, 'GetDepartment20111201', params);
    expect(fault.status).toBe(500);
    expect(faultOf(fault.text)).toBe('internal error');
    expect((await call(s, 'GetDepartment20111201', params)).status).toBe(401);
    const closed = await call(s, 'GetOrganization20111201', params);
    expect(closed.status).toBe(200);
    expect(faultOf(closed.text)).toMatch(/^The webservice has failed/);
    expect((await call(s, 'GetDepartment20111201', params)).status).toBe(503);
    expect((await call(s, 'GetDepartment20111201', params)).status).toBe(200);
    expect(s.calls()).toBe(6);
    expect(s.callsByOperation()).toEqual({ GetDepartment20111201: 5, GetOrganization20111201: 1 });
  });

  it('cuts a truncated answer off mid-way', async () => {
    const s = await another({ faults: { hook: ({ n }) => (n === 1 ? 'truncate' : null) } });
    const r = await fetch(`${s.url}GetDepartment20111201?${new URLSearchParams(params)}`, {
      headers: { authorization: AUTH },
    });
    await expect(r.text()).rejects.toThrow();
    expect((await call(s, 'GetDepartment20111201', params)).status).toBe(200);
  });

  it('draws faults from the seed: the same seed fails the same calls', async () => {
    const outcomes = async () => {
      const s = await another({ faults: { seed: 42, errorRate: 0.5 } });
      const got: number[] = [];
      for (let i = 0; i < 12; i++) got.push((await call(s, 'GetDepartment20111201', params)).status);
      return got;
    };
    const first = await outcomes();
    expect(first).toContain(503);
    expect(first).toContain(200);
    expect(await outcomes()).toEqual(first);
  });

  it('adds the latency before the answer', async () => {
    const s = await another({ latencyMs: 120 });
    const t = Date.now();
    await call(s, 'GetDepartment20111201', params);
    expect(Date.now() - t).toBeGreaterThanOrEqual(100);
  });
});

describe('a generated municipality', () => {
  const asOf = '2025-03-03';
  const m0 = generateMunicipality({ seed: 11, persons: 200, asOf });

  it('puts staff on Afdelings-niveau departments and every GetOrganization branch ends at the root', async () => {
    const store = new SdStore();
    const inst = renderMunicipality(store, m0, { institution: 'AB', registeredAt: T0 });
    const s = await another({ store });
    const r = await call(s, 'GetOrganization20111201', {
      InstitutionIdentifier: 'AB',
      ActivationDate: '03.03.2025',
      DeactivationDate: '03.03.2025',
    });
    const refs = kids(kid(root(r.text), 'Organization'), 'DepartmentReference');
    expect(refs.length).toBeGreaterThan(0);
    const seen = new Set<string>();
    for (const ref of refs) {
      expect(txt(ref, 'DepartmentLevelIdentifier')).toBe('Afdelings-niveau');
      let last = ref;
      for (let cur: Element | undefined = ref; cur; cur = kids(cur, 'DepartmentReference')[0]) {
        seen.add(txt(cur, 'DepartmentIdentifier'));
        last = cur;
      }
      expect(txt(last, 'DepartmentLevelIdentifier')).toBe('NY6-niveau');
    }
    // Units with no staff anywhere below them are not in the tree.
    const units = m0.units.map((u) => u.id);
    expect(units.some((id) => !seen.has(id))).toBe(true);
    // Managers sit on L departments named <unit>_leder.
    const manager = m0.employees.find((e) => e.isManager && e.action !== 'leave')!;
    expect(inst.departmentsByIdentifier.get(`L${manager.orgUnit}`)?.name).toMatch(/_leder$/);
    expect(store.employment('AB', manager.id, manager.cpr)?.timelines.department[0]?.value.identifier).toBe(
      `L${manager.orgUnit}`,
    );
  });

  it('advance records the next day so that a full read matches a fresh render of it', async () => {
    let m = m0;
    const advanced = new SdStore();
    renderMunicipality(advanced, m, { institution: 'AB', registeredAt: T0 });
    const days = [new Date('2025-03-04T07:00:00Z'), new Date('2025-03-05T07:00:00Z')];
    for (const at of days) {
      m = nextDay(m, { hires: 0.05, leavers: 0.05, moves: 0.05 }, 11);
      advanceMunicipality(advanced, 'AB', m, at);
    }
    const fresh = new SdStore();
    renderMunicipality(fresh, m, { institution: 'AB', registeredAt: T0 });
    const a = await another({ store: advanced });
    const f = await another({ store: fresh });
    const read = async (on: SdSimulator) => {
      const r = await call(on, 'GetEmployment20111201', {
        InstitutionIdentifier: 'AB',
        EffectiveDate: '05.03.2025',
        StatusActiveIndicator: 'true',
        ...ALL_PARTS,
      });
      return r.text;
    };
    // Activation dates differ where advance cut a period at the day; compare what holds.
    const byEmployment = (xml: string) => {
      const out: Record<string, string> = {};
      for (const p of kids(root(xml), 'Person'))
        for (const e of kids(p, 'Employment'))
          out[`${txt(p, 'PersonCivilRegistrationIdentifier')}|${txt(e, 'EmploymentIdentifier')}`] =
            new XMLSerializer().serializeToString(e).replace(/<ActivationDate>[^<]*<\/ActivationDate>/g, '');
      return out;
    };
    const got = byEmployment(await read(a));
    expect(Object.keys(got).length).toBeGreaterThan(100);
    expect(got).toEqual(byEmployment(await read(f)));

    // The second day's changes are what a changed-at window over that morning reports.
    const changed = await call(a, 'GetEmploymentChangedAtDate20111201', {
      InstitutionIdentifier: 'AB',
      ActivationDate: '05.03.2025',
      ActivationTime: '08:00',
      DeactivationDate: '05.03.2025',
      DeactivationTime: '08:00',
      FutureInformationIndicator: 'true',
      ...ALL_PARTS,
    });
    const ids = Object.values(listed(changed.text)).flat();
    expect(ids.length).toBeGreaterThan(0);
    for (const e of kids(root(changed.text), 'Person').flatMap((p) => kids(p, 'Employment')))
      for (const part of Array.from(e.childNodes).filter((n): n is Element => n.nodeType === 1))
        if (part.hasAttribute('changedAtDate')) expect(part.getAttribute('changedAtDate')).toBe('2025-03-05');
  });
});
