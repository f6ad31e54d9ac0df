/**
 * SdClient against a tiny HTTP server serving hand-written answers in PROTOCOL.md's shapes:
 * the mapping of each operation, the request it sends, and what each kind of failure becomes.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Secret } from '../../src/sdk/secret.js';
import { SdClient, type SdClientOptions } from './client.js';
import { maskCpr, SdError } from './errors.js';

const CPR = '0101801234';
const UUID_A = '11111111-1111-4111-8111-111111111111';
const UUID_B = '22222222-2222-4222-8222-222222222222';
const UUID_C = '33333333-3333-4333-8333-333333333333';
const UUID_D = '44444444-4444-4444-8444-444444444444';
const UUID_I = '99999999-9999-4999-8999-999999999999';

type Handler = (req: IncomingMessage, res: ServerResponse, n: number) => void;

let server: Server;
let base: string;
let handler: Handler;
const requests: { url: URL; authorization: string | undefined }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    requests.push({ url: new URL(req.url ?? '/', 'http://x'), authorization: req.headers.authorization });
    handler(req, res, requests.length);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/sdws/`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const clients: SdClient[] = [];
afterEach(() => {
  requests.length = 0;
  for (const c of clients.splice(0)) c.close();
});

function client(opts: Partial<SdClientOptions> = {}): SdClient {
  const c = new SdClient({
    baseUrl: base,
    username: 'orgsync',
    password: new Secret('s3cret', 'test'),
    timeoutMs: 2000,
    retries: 0,
    concurrency: 4,
    ...opts,
  });
  clients.push(c);
  return c;
}

const xml = (status: number, body: string) => (_req: IncomingMessage, res: ServerResponse) => {
  res.writeHead(status, { 'content-type': 'text/xml; charset=utf-8' });
  res.end(body);
};

/** An answer of `operation`, with its RequestStructure, around `data`. */
const answer = (operation: string, data: string) =>
  `<?xml version="1.0" encoding="UTF-8"?>
<${operation} creationDateTime="2024-03-01T10:00:00">
  <RequestStructure><InstitutionIdentifier>XY</InstitutionIdentifier><Department><Ignored/></Department></RequestStructure>
  ${data}
</${operation}>`;

const fault = (message: string) =>
  `<Envelope><Body><Fault><faultcode>soap:Server</faultcode><faultstring>Server error</faultstring><detail><string>${message}</string></detail></Fault></Body></Envelope>`;

const params = (n = 0) => Object.fromEntries(requests[n]!.url.searchParams);

/** The rejection of `p`, which must reject with an SdError. */
async function failure(p: Promise<unknown>): Promise<SdError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(SdError);
  const err = e as SdError;
  expect(err.message).not.toContain(CPR);
  expect(JSON.stringify(err.details)).not.toContain(CPR);
  return err;
}

describe('SdClient operations', () => {
  it('GetDepartment: every indicator on, dates dd.mm.yyyy, Basic auth; optional parts undefined, contacts as lists', async () => {
    handler = xml(
      200,
      answer(
        'GetDepartment20111201',
        `<RegionIdentifier>RE</RegionIdentifier><InstitutionIdentifier>XY</InstitutionIdentifier>
         <InstitutionUUIDIdentifier> ${UUID_I} </InstitutionUUIDIdentifier>
         <Department>
           <ActivationDate>2010-01-01</ActivationDate><DeactivationDate>9999-12-31</DeactivationDate>
           <DepartmentIdentifier>D1X</DepartmentIdentifier><DepartmentUUIDIdentifier>${UUID_A}</DepartmentUUIDIdentifier>
           <DepartmentLevelIdentifier>NY5-niveau</DepartmentLevelIdentifier>
           <DepartmentName>  Sundhed &amp; Omsorg </DepartmentName>
           <PostalAddress><StandardAddressIdentifier>Torvet 1</StandardAddressIdentifier><PostalCode>8600</PostalCode>
             <DistrictName>Silkeborg</DistrictName><MunicipalityCode>0740</MunicipalityCode></PostalAddress>
           <ProductionUnitIdentifier>1003456789</ProductionUnitIdentifier>
           <ContactInformation><TelephoneNumberIdentifier>87654321</TelephoneNumberIdentifier></ContactInformation>
         </Department>
         <Department>
           <ActivationDate>2020-01-01</ActivationDate><DeactivationDate>2024-12-31</DeactivationDate>
           <DepartmentIdentifier>D2</DepartmentIdentifier><DepartmentUUIDIdentifier>${UUID_B}</DepartmentUUIDIdentifier>
           <DepartmentLevelIdentifier>Afdelings-niveau</DepartmentLevelIdentifier><DepartmentName/>
         </Department>`,
      ),
    );
    const c = client();
    const result = await c.departments('XY', '2024-03-01', '2024-03-31');
    expect(result.institutionUuid).toBe(UUID_I);
    expect(result.departments).toEqual([
      {
        identifier: 'D1X',
        uuid: UUID_A,
        level: 'NY5-niveau',
        name: 'Sundhed & Omsorg',
        activationDate: '2010-01-01',
        deactivationDate: '9999-12-31',
        address: { street: 'Torvet 1', postalCode: '8600', city: 'Silkeborg' },
        productionUnit: '1003456789',
        phones: ['87654321'],
        emails: [],
      },
      {
        identifier: 'D2',
        uuid: UUID_B,
        level: 'Afdelings-niveau',
        name: '',
        activationDate: '2020-01-01',
        deactivationDate: '2024-12-31',
      },
    ]);
    expect(result.departments[1]).not.toHaveProperty('address');
    expect(requests[0]!.url.pathname).toBe('/sdws/GetDepartment20111201');
    expect(params()).toEqual({
      InstitutionIdentifier: 'XY',
      ActivationDate: '01.03.2024',
      DeactivationDate: '31.03.2024',
      DepartmentNameIndicator: 'true',
      PostalAddressIndicator: 'true',
      ContactInformationIndicator: 'true',
      ProductionUnitIndicator: 'true',
      UUIDIndicator: 'true',
    });
    expect(requests[0]!.authorization).toBe(`Basic ${Buffer.from('orgsync:s3cret').toString('base64')}`);
    expect(c.calls).toBe(1);
    expect(c.stats.byOperation).toEqual({ GetDepartment20111201: 1 });
  });

  it('GetOrganization: leaf-first chains become department → parent, the top of a chain → null', async () => {
    const ref = (uuid: string, level: string, inner = '') =>
      `<DepartmentReference><DepartmentIdentifier>X</DepartmentIdentifier><DepartmentUUIDIdentifier>${uuid}</DepartmentUUIDIdentifier><DepartmentLevelIdentifier>${level}</DepartmentLevelIdentifier>${inner}</DepartmentReference>`;
    handler = xml(
      200,
      answer(
        'GetOrganization20111201',
        `<InstitutionUUIDIdentifier>${UUID_I}</InstitutionUUIDIdentifier><DepartmentStructureName>S</DepartmentStructureName>
         <OrganizationStructure><DepartmentLevelReference>NY1-niveau</DepartmentLevelReference></OrganizationStructure>
         <Organization><ActivationDate>2024-03-01</ActivationDate><DeactivationDate>2024-03-01</DeactivationDate>
           ${ref(UUID_A, 'Afdelings-niveau', ref(UUID_C, 'NY1-niveau', ref(UUID_D, 'NY2-niveau')))}
           ${ref(UUID_B, 'Afdelings-niveau', ref(UUID_C, 'NY1-niveau', ref(UUID_D, 'NY2-niveau')))}
         </Organization>`,
      ),
    );
    const tree = await client().organization('XY', '2024-03-01');
    expect([...tree].sort()).toEqual(
      [
        [UUID_A, UUID_C],
        [UUID_B, UUID_C],
        [UUID_C, UUID_D],
        [UUID_D, null],
      ].sort(),
    );
    expect(params()).toMatchObject({
      ActivationDate: '01.03.2024',
      DeactivationDate: '01.03.2024',
      UUIDIndicator: 'true',
    });
  });

  it('GetDepartmentParent: the parent UUID; "does not exist" is a fault with notFound', async () => {
    handler = xml(
      200,
      answer(
        'GetDepartmentParent20190701',
        `<DepartmentParent><DepartmentUUIDIdentifier>${UUID_I}</DepartmentUUIDIdentifier></DepartmentParent>`,
      ),
    );
    const c = client({ retries: 2 });
    expect(await c.departmentParent(UUID_A, '2024-12-24')).toBe(UUID_I);
    expect(params()).toEqual({ EffectiveDate: '24.12.2024', DepartmentUUIDIdentifier: UUID_A });

    handler = xml(500, fault('The stated department does not exist on the effective date'));
    const err = await failure(c.departmentParent(UUID_B, '2024-12-24'));
    expect(err.code).toBe('ORGSYNC_SD_FAULT');
    expect(err.kind).toBe('fault');
    expect(err.notFound).toBe(true);
    expect(err.message).toContain('GetDepartmentParent20190701');
    expect(err.message).toContain(UUID_B);
    expect(err.message).toContain('The stated department does not exist');
    expect(c.calls).toBe(2); // a refusal is not retried
  });

  it('GetPerson: names, work contacts by employment (lists of one), a CPR lookup sent as asked', async () => {
    handler = xml(
      200,
      answer(
        'GetPerson20111201',
        `<Person><PersonCivilRegistrationIdentifier>${CPR}</PersonCivilRegistrationIdentifier>
           <PersonGivenName>Anna</PersonGivenName><PersonSurnameName>Holm</PersonSurnameName>
           <Employment><EmploymentIdentifier>12345</EmploymentIdentifier>
             <ContactInformation><TelephoneNumberIdentifier>11223344</TelephoneNumberIdentifier>
               <EmailAddressIdentifier>anna@example.dk</EmailAddressIdentifier><EmailAddressIdentifier>ah@example.dk</EmailAddressIdentifier>
             </ContactInformation></Employment>
           <Employment><EmploymentIdentifier>12346</EmploymentIdentifier></Employment>
         </Person>`,
      ),
    );
    const persons = await client().persons('XY', '2024-03-01', { cpr: CPR, passive: true });
    expect(persons).toEqual([
      {
        cpr: CPR,
        givenName: 'Anna',
        surname: 'Holm',
        employmentContacts: new Map([
          ['12345', { phones: ['11223344'], emails: ['anna@example.dk', 'ah@example.dk'] }],
          ['12346', { phones: [], emails: [] }],
        ]),
      },
    ]);
    expect(params()).toEqual({
      InstitutionIdentifier: 'XY',
      EffectiveDate: '01.03.2024',
      StatusActiveIndicator: 'true',
      StatusPassiveIndicator: 'true',
      ContactInformationIndicator: 'true',
      PostalAddressIndicator: 'false',
      PersonCivilRegistrationIdentifier: CPR,
    });
  });

  it('GetEmployment: each part a one-period list, codes and rates as strings, EmploymentDate optional', async () => {
    handler = xml(
      200,
      answer(
        'GetEmployment20111201',
        `<Person><PersonCivilRegistrationIdentifier>${CPR}</PersonCivilRegistrationIdentifier>
           <Employment><EmploymentIdentifier>12345</EmploymentIdentifier>
             <EmploymentDate>2020-11-10</EmploymentDate><AnniversaryDate>2004-08-15</AnniversaryDate>
             <EmploymentStatus><ActivationDate>2020-11-10</ActivationDate><DeactivationDate>9999-12-31</DeactivationDate>
               <EmploymentStatusCode>1</EmploymentStatusCode></EmploymentStatus>
             <EmploymentDepartment><ActivationDate>2021-01-01</ActivationDate><DeactivationDate>9999-12-31</DeactivationDate>
               <DepartmentIdentifier>D1X</DepartmentIdentifier><DepartmentUUIDIdentifier>${UUID_A}</DepartmentUUIDIdentifier></EmploymentDepartment>
             <Profession><ActivationDate>2020-11-10</ActivationDate><DeactivationDate>9999-12-31</DeactivationDate>
               <JobPositionIdentifier>1040</JobPositionIdentifier><EmploymentName>Sygeplejerske</EmploymentName>
               <AppointmentCode>0</AppointmentCode></Profession>
             <WorkingTime><ActivationDate>2020-11-10</ActivationDate><DeactivationDate>9999-12-31</DeactivationDate>
               <OccupationRate>0.8108</OccupationRate><SalaryRate>0.8108</SalaryRate><SalariedIndicator>true</SalariedIndicator></WorkingTime>
           </Employment>
           <Employment><EmploymentIdentifier>7</EmploymentIdentifier>
             <EmploymentStatus><ActivationDate>2019-01-01</ActivationDate><DeactivationDate>9999-12-31</DeactivationDate>
               <EmploymentStatusCode>8</EmploymentStatusCode></EmploymentStatus></Employment>
         </Person>`,
      ),
    );
    const employments = await client().employments('XY', '2024-03-01', { employmentId: '12345' });
    expect(employments).toEqual([
      {
        cpr: CPR,
        id: '12345',
        employmentDate: '2020-11-10',
        timelines: {
          status: [{ from: '2020-11-10', to: '9999-12-31', value: '1' }],
          department: [{ from: '2021-01-01', to: '9999-12-31', value: { identifier: 'D1X', uuid: UUID_A } }],
          profession: [
            { from: '2020-11-10', to: '9999-12-31', value: { jobPositionId: '1040', name: 'Sygeplejerske' } },
          ],
          workingTime: [{ from: '2020-11-10', to: '9999-12-31', value: '0.8108' }],
        },
      },
      {
        cpr: CPR,
        id: '7',
        employmentDate: undefined,
        timelines: {
          status: [{ from: '2019-01-01', to: '9999-12-31', value: '8' }],
          department: [],
          profession: [],
          workingTime: [],
        },
      },
    ]);
    expect(params()).toEqual({
      InstitutionIdentifier: 'XY',
      EffectiveDate: '01.03.2024',
      StatusActiveIndicator: 'true',
      StatusPassiveIndicator: 'false',
      DepartmentIndicator: 'true',
      EmploymentStatusIndicator: 'true',
      ProfessionIndicator: 'true',
      WorkingTimeIndicator: 'true',
      UUIDIndicator: 'true',
      SalaryAgreementIndicator: 'false',
      SalaryCodeGroupIndicator: 'false',
      EmploymentIdentifier: '12345',
    });
  });

  const changed = (operation: string) =>
    answer(
      operation,
      `<Person><PersonCivilRegistrationIdentifier>${CPR}</PersonCivilRegistrationIdentifier>
         <Employment><EmploymentIdentifier>12345</EmploymentIdentifier>
           <EmploymentStatus changedAtDate="2024-03-01"><ActivationDate>2020-11-10</ActivationDate><DeactivationDate>2024-03-31</DeactivationDate>
             <EmploymentStatusCode>1</EmploymentStatusCode></EmploymentStatus>
           <EmploymentStatus changedAtDate="2024-03-01"><ActivationDate>2024-04-01</ActivationDate><DeactivationDate>9999-12-31</DeactivationDate>
             <EmploymentStatusCode>8</EmploymentStatusCode></EmploymentStatus>
         </Employment></Person>`,
    );

  it('GetEmploymentChanged: a window of days, parts as lists of several periods', async () => {
    handler = xml(200, changed('GetEmploymentChanged20111201'));
    const [e] = await client().employmentsChanged('XY', '2024-03-02', '2024-03-05');
    expect(e!.timelines.status.map((p) => p.value)).toEqual(['1', '8']);
    expect(params()).toEqual({
      InstitutionIdentifier: 'XY',
      ActivationDate: '02.03.2024',
      DeactivationDate: '05.03.2024',
      DepartmentIndicator: 'true',
      EmploymentStatusIndicator: 'true',
      ProfessionIndicator: 'true',
      WorkingTimeIndicator: 'true',
      UUIDIndicator: 'true',
    });
  });

  it('GetEmploymentChangedAtDate / GetPersonChangedAtDate: the window in Copenhagen time, to the minute', async () => {
    handler = xml(200, changed('GetEmploymentChangedAtDate20111201'));
    const c = client();
    // Winter (UTC+1) across midnight, and summer (UTC+2).
    const list = await c.employmentsChangedAt(
      'XY',
      new Date('2024-01-15T23:30:59Z'),
      new Date('2024-06-01T10:05:00Z'),
    );
    expect(list).toHaveLength(1);
    expect(params()).toMatchObject({
      ActivationDate: '16.01.2024',
      ActivationTime: '00:30',
      DeactivationDate: '01.06.2024',
      DeactivationTime: '12:05',
      FutureInformationIndicator: 'true',
      UUIDIndicator: 'true',
    });

    handler = xml(200, answer('GetPersonChangedAtDate20111201', ''));
    expect(
      await c.personsChangedAt('XY', new Date('2024-03-01T05:00:00Z'), new Date('2024-03-01T06:00:00Z')),
    ).toEqual([]);
    expect(params(1)).toEqual({
      InstitutionIdentifier: 'XY',
      ActivationDate: '01.03.2024',
      ActivationTime: '06:00',
      DeactivationDate: '01.03.2024',
      DeactivationTime: '07:00',
      ContactInformationIndicator: 'true',
      PostalAddressIndicator: 'false',
    });
  });

  it('reads answers with namespace prefixes, CDATA and a body cut into tiny pieces', async () => {
    const body = `<sd:GetDepartmentParent20190701 xmlns:sd="urn:sd"><sd:DepartmentParent><sd:DepartmentUUIDIdentifier><![CDATA[${UUID_C}]]></sd:DepartmentUUIDIdentifier></sd:DepartmentParent></sd:GetDepartmentParent20190701>`;
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/xml' });
      // Several bytes at a time, with a pause, so each arrives as its own chunk.
      let at = 0;
      const next = () => {
        if (at >= body.length) return void res.end();
        res.write(body.slice(at, at + 7));
        at += 7;
        setImmediate(next);
      };
      next();
    };
    expect(await client().departmentParent(UUID_A, '2024-03-01')).toBe(UUID_C);
  });

  it('decodes UTF-8 characters split across chunks', async () => {
    const body = Buffer.from(
      answer(
        'GetPerson20111201',
        `<Person><PersonCivilRegistrationIdentifier>${CPR}</PersonCivilRegistrationIdentifier><PersonGivenName>Søren Ærø</PersonGivenName><PersonSurnameName>Åberg</PersonSurnameName></Person>`,
      ),
    );
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/xml; charset=utf-8' });
      const cut = body.indexOf('ø') + 1; // inside the two bytes of ø
      res.write(body.subarray(0, cut));
      setTimeout(() => res.end(body.subarray(cut)), 10);
    };
    const [p] = await client().persons('XY', '2024-03-01');
    expect(p).toMatchObject({ givenName: 'Søren Ærø', surname: 'Åberg' });
  });
});

describe('SdClient failures', () => {
  it('the closed answer with HTTP 200 is ORGSYNC_SD_CLOSED at once, not retried', async () => {
    handler = xml(200, fault('The webservice has failed: SD Løn is closed (opening hours 06:05-21:55)'));
    const c = client({ retries: 3 });
    const err = await failure(c.employments('XY', '2024-03-01', { cpr: CPR }));
    expect(err.code).toBe('ORGSYNC_SD_CLOSED');
    expect(err.kind).toBe('closed');
    expect(err.exitCode).toBe(1);
    expect(err.message).toContain('GetEmployment20111201');
    expect(err.message).toContain('institution XY');
    expect(c.calls).toBe(1);
  });

  it('a fault is ORGSYNC_SD_FAULT quoting SD, CPR-shaped numbers masked, not retried', async () => {
    handler = xml(500, fault(`Person ${CPR} and 010180-12AB: the parameter EffectiveDate is not a date`));
    const c = client({ retries: 3 });
    const err = await failure(c.persons('XY', '2024-03-01', { cpr: CPR }));
    expect(err.code).toBe('ORGSYNC_SD_FAULT');
    expect(err.notFound).toBe(false);
    expect(err.status).toBe(500);
    expect(err.message).toContain('the parameter EffectiveDate is not a date');
    expect(err.message).not.toContain('010180-12AB');
    expect(c.calls).toBe(1);
    expect(maskCpr(`${UUID_A} P 1234567890 x 12345678901`)).toBe(`${UUID_A} P [masked] x 12345678901`);
  });

  it('401 is ORGSYNC_SD_AUTH, not retried, and the password is nowhere in it', async () => {
    handler = (_req, res) => {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="sd"' });
      res.end();
    };
    const c = client({ retries: 3, password: 's3cret' });
    const err = await failure(c.departments('XY', '2024-03-01', '2024-03-01'));
    expect(err.code).toBe('ORGSYNC_SD_AUTH');
    expect(err.status).toBe(401);
    expect(`${err.message} ${err.hint}`).not.toContain('s3cret');
    expect(c.calls).toBe(1);
  });

  it('HTTP 500 without a fault is retried, then ORGSYNC_SD_UNREACHABLE', async () => {
    handler = (_req, res) => {
      res.writeHead(500, { 'content-type': 'text/html' });
      res.end('<html><body>Internal Server Error</body></html>');
    };
    const c = client({ retries: 2 });
    const err = await failure(c.persons('XY', '2024-03-01', { cpr: CPR }));
    expect(err.code).toBe('ORGSYNC_SD_UNREACHABLE');
    expect(err.message).toContain('HTTP 500');
    expect(err.message).toContain('3 attempts');
    expect(c.calls).toBe(3);
    expect(c.stats.retries).toBe(2);
  });

  it('a body cut short is retried: by the socket closing, or by the XML ending early', async () => {
    const full = answer(
      'GetDepartmentParent20190701',
      `<DepartmentParent><DepartmentUUIDIdentifier>${UUID_B}</DepartmentUUIDIdentifier></DepartmentParent>`,
    );
    handler = (_req, res, n) => {
      if (n === 1) {
        // Promises more than it sends, then drops the connection.
        res.writeHead(200, { 'content-type': 'text/xml', 'content-length': String(full.length) });
        res.write(full.slice(0, 200));
        setTimeout(() => res.socket?.destroy(), 20);
      } else if (n === 2) {
        xml(200, full.slice(0, full.length - 40))(_req, res);
      } else xml(200, full)(_req, res);
    };
    const c = client({ retries: 2 });
    expect(await c.departmentParent(UUID_A, '2024-03-01')).toBe(UUID_B);
    expect(c.calls).toBe(3);

    requests.length = 0;
    handler = xml(200, full.slice(0, full.length - 40));
    const err = await failure(client({ retries: 1 }).departmentParent(UUID_A, '2024-03-01'));
    expect(err.code).toBe('ORGSYNC_SD_UNREACHABLE');
    expect(err.message).toContain('cut short');
  });

  it('a retried answer starts clean: records of a cut-off attempt are not kept', async () => {
    const person = (id: string) =>
      `<Person><PersonCivilRegistrationIdentifier>${CPR}</PersonCivilRegistrationIdentifier><Employment><EmploymentIdentifier>${id}</EmploymentIdentifier></Employment></Person>`;
    const full = answer('GetEmployment20111201', person('1') + person('2'));
    handler = (req, res, n) =>
      xml(200, n === 1 ? full.slice(0, full.indexOf(person('2')) + 20) : full)(req, res);
    const list = await client({ retries: 1 }).employments('XY', '2024-03-01');
    expect(list.map((e) => e.id)).toEqual(['1', '2']);
  });

  it('no answer within timeoutMs is retried, then ORGSYNC_SD_UNREACHABLE; so is a body that stalls', async () => {
    handler = () => {}; // never answers
    const c = client({ timeoutMs: 100, retries: 1 });
    const err = await failure(c.organization('XY', '2024-03-01'));
    expect(err.code).toBe('ORGSYNC_SD_UNREACHABLE');
    expect(err.message).toContain('no answer within 100 ms');
    expect(c.calls).toBe(2);

    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/xml' });
      res.write('<GetOrganization20111201><InstitutionUUIDIdentifier>');
    };
    const stalled = await failure(client({ timeoutMs: 100 }).organization('XY', '2024-03-01'));
    expect(stalled.code).toBe('ORGSYNC_SD_UNREACHABLE');
    expect(stalled.message).toContain('no answer within 100 ms');
  });

  it('an unreachable service is ORGSYNC_SD_UNREACHABLE naming the network error, not the URL', async () => {
    const c = client({ baseUrl: 'http://127.0.0.1:1/sdws/', retries: 0 });
    const err = await failure(c.persons('XY', '2024-03-01', { cpr: CPR }));
    expect(err.code).toBe('ORGSYNC_SD_UNREACHABLE');
    expect(err.message).toContain('ECONNREFUSED');
    expect(err.message).not.toContain('127.0.0.1');
    expect(err.cause).toBeUndefined();
  });

  it('a record without a required element is ORGSYNC_SOURCE_MALFORMED naming the path, not the values', async () => {
    handler = xml(
      200,
      answer(
        'GetEmployment20111201',
        `<Person><PersonCivilRegistrationIdentifier>${CPR}</PersonCivilRegistrationIdentifier>
           <Employment><EmploymentIdentifier>1</EmploymentIdentifier></Employment></Person>
         <Person><PersonCivilRegistrationIdentifier>${CPR}</PersonCivilRegistrationIdentifier>
           <Employment><EmploymentDate>2020-01-01</EmploymentDate></Employment></Person>`,
      ),
    );
    const c = client({ retries: 2 });
    const err = await failure(c.employments('XY', '2024-03-01'));
    expect(err.code).toBe('ORGSYNC_SOURCE_MALFORMED');
    expect(err.message).toContain('Person/Employment/EmploymentIdentifier');
    expect(err.message).toContain('record 2');
    expect(err.message).toContain('institution XY');
    expect(c.calls).toBe(1);

    handler = xml(
      200,
      answer('GetPerson20111201', '<Person><PersonGivenName>Anna</PersonGivenName></Person>'),
    );
    const noCpr = await failure(c.persons('XY', '2024-03-01'));
    expect(noCpr.code).toBe('ORGSYNC_SOURCE_MALFORMED');
    expect(noCpr.message).toContain('Person/PersonCivilRegistrationIdentifier');
  });

  it('an answer of another operation, or not XML, is malformed and not retried', async () => {
    handler = xml(200, answer('GetPerson20111201', ''));
    const c = client({ retries: 2 });
    const err = await failure(c.employments('XY', '2024-03-01'));
    expect(err.code).toBe('ORGSYNC_SOURCE_MALFORMED');
    expect(err.message).toContain('<GetPerson20111201>');
    handler = xml(200, 'Service temporarily moved');
    expect((await failure(c.employments('XY', '2024-03-01'))).code).toBe('ORGSYNC_SOURCE_MALFORMED');
    expect(c.calls).toBe(2);
  });

  it('the caller’s signal stops a call with its reason', async () => {
    handler = () => {};
    const controller = new AbortController();
    const c = client({ signal: controller.signal, retries: 3 });
    const p = c.organization('XY', '2024-03-01');
    setTimeout(() => controller.abort(new Error('stopping')), 50);
    await expect(p).rejects.toThrow('stopping');
  });
});

describe('SdClient concurrency', () => {
  it('never has more than `concurrency` requests in flight', async () => {
    let inFlight = 0;
    let most = 0;
    handler = (req, res) => {
      inFlight++;
      most = Math.max(most, inFlight);
      const uuid = new URL(req.url ?? '/', 'http://x').searchParams.get('DepartmentUUIDIdentifier');
      setTimeout(() => {
        inFlight--;
        xml(
          200,
          answer(
            'GetDepartmentParent20190701',
            `<DepartmentParent><DepartmentUUIDIdentifier>${uuid}</DepartmentUUIDIdentifier></DepartmentParent>`,
          ),
        )(req, res);
      }, 20);
    };
    const c = client({ concurrency: 3 });
    const ids = Array.from(
      { length: 12 },
      (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    );
    const parents = await Promise.all(ids.map((id) => c.departmentParent(id, '2024-03-01')));
    expect(parents).toEqual(ids);
    expect(most).toBe(3);
    expect(c.stats.byOperation['GetDepartmentParent20190701']).toBe(12);
  });
});
