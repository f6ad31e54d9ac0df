/**
 * The FK Organisation simulator over HTTP, with hand-built SOAP 1.2 envelopes. Every reply that
 * is not a Fault is validated against the XSDs here too (header and output), independently of
 * the simulator's own check.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { XmlDocument, type XmlElement } from 'libxml2-wasm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ContractValidator } from '../xsd.js';
import { type FkSimulator, type FkSimulatorOptions, startFkSimulator } from './server.js';
import { type EntityService, serviceByName } from './services.js';

const SOAP12 = 'http://www.w3.org/2003/05/soap-envelope';
const HEADER_NS = 'http://kombit.dk/xml/schemas/RequestHeader/1/';
const ORG = '3c1a7f2e-4d5b-4c6a-8e9f-0a1b2c3d4e5f';
const OTHER_ORG = '6f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0';
const UNIT = '5a3f1c2e-8b7d-4e6f-9a0b-1c2d3e4f5a6b';
const DEPARTMENT = '16bf18c3-ed6f-44b0-b7a1-35f94984e519';
const NSDECL =
  'xmlns:orgenhed="http://stoettesystemerne.dk/organisation/organisationenhed/6/" ' +
  'xmlns:orgfaelles="http://stoettesystemerne.dk/organisation/6/" xmlns:sd="urn:oio:sagdok:3.0.0"';

const testdata = (name: string) =>
  readFileSync(new URL(`../testdata/${name}`, import.meta.url), 'utf8').replace(/^<\?xml[^>]*\?>\s*/, '');

const validator = new ContractValidator();
let sim: FkSimulator;
const extra: FkSimulator[] = [];

beforeAll(async () => {
  sim = await startFkSimulator({ validator });
});
afterEach(async () => {
  for (const s of extra.splice(0)) await s.stop();
});
afterAll(async () => {
  await sim.stop();
  validator.dispose();
});

async function another(opts: FkSimulatorOptions): Promise<FkSimulator> {
  const s = await startFkSimulator({ validator, ...opts });
  extra.push(s);
  return s;
}

// --- building requests --------------------------------------------------------------------------

/** A SOAP 1.2 envelope around `body`, with a RequestHeader unless `header` is false. */
function envelope(body: string, opts: { header?: boolean; transactionUUID?: string } = {}): string {
  const header =
    opts.header === false
      ? ''
      : `<env:Header><h:RequestHeader xmlns:h="${HEADER_NS}"><h:TransactionUUID>${
          opts.transactionUUID ?? randomUUID()
        }</h:TransactionUUID></h:RequestHeader></env:Header>`;
  return `<?xml version="1.0" encoding="UTF-8"?><env:Envelope xmlns:env="${SOAP12}">${header}<env:Body>${body}</env:Body></env:Envelope>`;
}

const tid = (t: string | null) =>
  t === null
    ? '<sd:GraenseIndikator>true</sd:GraenseIndikator>'
    : `<sd:TidsstempelDatoTid>${t}</sd:TidsstempelDatoTid>`;

function virkning(o: { from?: string | null; to?: string | null; actor?: string | null } = {}): string {
  const from = o.from === undefined ? '2025-01-15T00:00:00+01:00' : o.from;
  const to = o.to === undefined ? null : o.to;
  const actor = o.actor === undefined ? ORG : o.actor;
  return (
    '<sd:Virkning>' +
    (from === null ? '' : `<sd:FraTidspunkt>${tid(from)}</sd:FraTidspunkt>`) +
    `<sd:TilTidspunkt>${tid(to)}</sd:TilTidspunkt>` +
    (actor === null
      ? ''
      : `<sd:AktoerRef><sd:UUIDIdentifikator>${actor}</sd:UUIDIdentifikator></sd:AktoerRef>`) +
    '<sd:AktoerTypeKode>Organisation</sd:AktoerTypeKode></sd:Virkning>'
  );
}

const ref = (name: string, uuid: string, v = virkning()) =>
  `<sd:${name}>${v}<sd:ReferenceID><sd:UUIDIdentifikator>${uuid}</sd:UUIDIdentifikator></sd:ReferenceID></sd:${name}>`;

interface UnitSpec {
  uuid?: string;
  key?: string;
  name?: string;
  org?: string;
  egenskab?: string | null;
  relations?: string;
}

function unitLists(u: UnitSpec): string {
  const egenskab =
    u.egenskab === null
      ? ''
      : (u.egenskab ??
        `<orgenhed:Egenskab>${virkning()}<sd:BrugervendtNoegleTekst>${u.key ?? 'OU-1'}</sd:BrugervendtNoegleTekst>` +
          `<sd:EnhedNavn>${u.name ?? 'Unit'}</sd:EnhedNavn></orgenhed:Egenskab>`);
  return (
    `<orgenhed:AttributListe>${egenskab}</orgenhed:AttributListe>` +
    `<orgenhed:TilstandListe><orgfaelles:Gyldighed>${virkning()}<orgfaelles:GyldighedStatusKode>Aktiv</orgfaelles:GyldighedStatusKode></orgfaelles:Gyldighed></orgenhed:TilstandListe>` +
    `<orgenhed:RelationListe>${u.relations ?? ref('Enhedstype', DEPARTMENT) + ref('Tilhoerer', u.org ?? ORG)}</orgenhed:RelationListe>`
  );
}

const unitImport = (u: UnitSpec = {}) =>
  `<orgenhed:ImportInput ${NSDECL}><orgenhed:OrganisationEnhed><sd:UUIDIdentifikator>${u.uuid ?? randomUUID()}</sd:UUIDIdentifikator>` +
  `<orgenhed:Registrering><sd:Tidspunkt>2025-01-15T08:30:00+01:00</sd:Tidspunkt><sd:LivscyklusKode>Importeret</sd:LivscyklusKode>` +
  `${unitLists(u)}</orgenhed:Registrering></orgenhed:OrganisationEnhed></orgenhed:ImportInput>`;

const unitRet = (uuid: string, u: UnitSpec = {}) =>
  `<orgenhed:RetInput ${NSDECL}><sd:UUIDIdentifikator>${uuid}</sd:UUIDIdentifikator><sd:NoteTekst>orgsync</sd:NoteTekst>${unitLists(u)}</orgenhed:RetInput>`;

const uuidInput = (op: string, ...uuids: string[]) =>
  `<orgenhed:${op} ${NSDECL}>${uuids.map((u) => `<sd:UUIDIdentifikator>${u}</sd:UUIDIdentifikator>`).join('')}</orgenhed:${op}>`;

function unitSoeg(o: { first?: number; max?: number; org?: string; key?: string }): string {
  return (
    `<orgenhed:SoegInput ${NSDECL}>` +
    (o.first === undefined ? '' : `<sd:FoersteResultatReference>${o.first}</sd:FoersteResultatReference>`) +
    (o.max === undefined ? '' : `<sd:MaksimalAntalKvantitet>${o.max}</sd:MaksimalAntalKvantitet>`) +
    '<orgenhed:AttributListe>' +
    (o.key === undefined
      ? ''
      : `<orgenhed:Egenskab><sd:BrugervendtNoegleTekst>${o.key}</sd:BrugervendtNoegleTekst></orgenhed:Egenskab>`) +
    '</orgenhed:AttributListe><orgenhed:TilstandListe/><orgenhed:RelationListe>' +
    (o.org === undefined
      ? ''
      : `<sd:Tilhoerer><sd:ReferenceID><sd:UUIDIdentifikator>${o.org}</sd:UUIDIdentifikator></sd:ReferenceID></sd:Tilhoerer>`) +
    '</orgenhed:RelationListe></orgenhed:SoegInput>'
  );
}

// --- sending and reading replies --------------------------------------------------------------------

interface Reply {
  http: number;
  xml: string;
  fault?: { code: string; subcode?: string; reason: string };
  status?: number;
  text?: string;
  /** The echoed TransactionUUID. */
  transaction?: string;
  ids: string[];
  /** Text of every element of this local name in the output, in order. */
  all: (localName: string) => string[];
}

async function post(
  body: string,
  opts: { service?: EntityService; on?: FkSimulator; contentType?: string; signal?: AbortSignal } = {},
): Promise<Reply> {
  const service = serviceByName(opts.service ?? 'OrganisationEnhed');
  const res = await fetch(`${(opts.on ?? sim).url}/organisation/${service.path}/6`, {
    method: 'POST',
    headers: { 'content-type': opts.contentType ?? 'application/soap+xml; charset=utf-8' },
    body,
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  const xml = await res.text();
  const doc = XmlDocument.fromString(xml);
  try {
    const s = { s: SOAP12 };
    const child = doc.get('/s:Envelope/s:Body/*', s) as XmlElement;
    // Read eagerly: the document is disposed when post() returns.
    const texts = new Map<string, string[]>();
    for (const e of child.find('.//*') as XmlElement[])
      texts.set(e.name, [...(texts.get(e.name) ?? []), e.content.trim()]);
    const all = (name: string) => texts.get(name) ?? [];
    const transaction = doc.get(`//*[local-name()='TransactionUUID']`)?.content;
    if (child.name === 'Fault') {
      expect(res.status).toBe(500);
      const subcode = doc.get('//s:Subcode/s:Value', s)?.content;
      return {
        http: res.status,
        xml,
        fault: {
          code: doc.get('//s:Code/s:Value', s)!.content,
          ...(subcode ? { subcode } : {}),
          reason: doc.get('//s:Reason/s:Text', s)!.content,
        },
        ...(transaction ? { transaction } : {}),
        ids: [],
        all,
      };
    }
    // Every non-fault reply validates against the contract: the output and the echoed header.
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/soap\+xml/);
    expect(validator.validateElement(service.name, child)).toEqual({ valid: true });
    const header = doc.get('/s:Envelope/s:Header/*', s) as XmlElement;
    expect(validator.validateElement(service.name, header)).toEqual({ valid: true });
    const text = doc.get(`//*[local-name()='StandardRetur']/*[local-name()='FejlbeskedTekst']`)?.content;
    return {
      http: res.status,
      xml,
      status: Number(doc.get(`//*[local-name()='StatusKode']`)!.content),
      ...(text === undefined ? {} : { text }),
      ...(transaction ? { transaction } : {}),
      ids: (child.find(`.//*[local-name()='IdListe']/*`) as XmlElement[]).map((e) => e.content),
      all,
    };
  } finally {
    doc.dispose();
  }
}

const send = (body: string, opts: Parameters<typeof post>[1] = {}) => post(envelope(body), opts);

// --- the tests ------------------------------------------------------------------------------------

describe('FK simulator: importer and laes', () => {
  it('imports the sample unit and reads the same values back, echoing the TransactionUUID', async () => {
    const tx = randomUUID();
    const imp = await post(envelope(testdata('organisationenhed-import-valid.xml'), { transactionUUID: tx }));
    expect(imp).toMatchObject({ status: 20, transaction: tx });
    const laes = await send(uuidInput('LaesInput', UNIT));
    expect(laes.status).toBe(20);
    expect(laes.all('BrugervendtNoegleTekst')).toEqual(['OU-1042']);
    expect(laes.all('EnhedNavn')).toEqual(['Børne- og Ungeforvaltningen, Sekretariat']);
    expect(laes.all('LivscyklusKode')).toEqual(['Importeret']);
    expect(laes.all('GyldighedStatusKode')).toEqual(['Aktiv']);
    expect(laes.all('FraTidspunkt')).toContain('2025-01-15T00:00:00+01:00');
    expect(sim.requests.at(-2)).toMatchObject({
      service: 'OrganisationEnhed',
      operation: 'importer',
      transactionUUID: tx,
      status: 20,
    });
  });

  it('refuses a second importer of the same UUID with 40', async () => {
    const uuid = randomUUID();
    expect((await send(unitImport({ uuid }))).status).toBe(20);
    const again = await send(unitImport({ uuid }));
    expect(again.status).toBe(40);
    expect(again.text).toMatch(/already exists/);
  });

  it('answers an XSD-invalid ImportInput with 40 naming the element, not a fault', async () => {
    const r = await send(testdata('organisationenhed-import-invalid.xml'));
    expect(r.status).toBe(40);
    expect(r.text).toMatch(
      /^Schema validation failed: line \d+: Element 'sd:AktoerTypeKode'.*\(and 1 more\)$/,
    );
    expect(sim.requests.at(-1)).toMatchObject({ operation: 'importer', status: 40 });
  });

  it('answers laes of an unknown UUID with 44', async () => {
    const r = await send(uuidInput('LaesInput', randomUUID()));
    expect(r.status).toBe(44);
    expect(r.text).toMatch(/not found/);
  });

  it('keeps Bruger address relations (Rolle, Type, Indeks) and escapes values', async () => {
    const bruger = testdata('bruger-import-valid.xml').replace('Jane Doe', 'Jane &amp; &lt;Doe&gt;');
    expect((await send(bruger, { service: 'Bruger' })).status).toBe(20);
    const laes = await send(
      `<bruger:LaesInput xmlns:bruger="http://stoettesystemerne.dk/organisation/bruger/6/" xmlns:sd="urn:oio:sagdok:3.0.0">` +
        '<sd:UUIDIdentifikator>9e8d7c6b-5a49-4382-9170-6f5e4d3c2b1a</sd:UUIDIdentifikator></bruger:LaesInput>',
      { service: 'Bruger' },
    );
    expect(laes.all('BrugerNavn')).toEqual(['Jane & <Doe>']);
    expect(laes.all('Indeks')).toEqual(['c8a1f0e2-3b4d-4e5f-9a6b-7c8d9e0f1a2b']);
    expect(laes.all('Rolle')).toEqual(['5d13e891-162a-456b-abf2-fd9b864df96d']);
  });

  it('imports and reads a Person (fields in other namespaces, empty state and relation lists)', async () => {
    const uuid = randomUUID();
    const ns =
      'xmlns:person="http://stoettesystemerne.dk/organisation/person/6/" xmlns:sd="urn:oio:sagdok:3.0.0" xmlns:sts="urn:oio:sts:6"';
    const imp =
      `<person:ImportInput ${ns}><person:Person><sd:UUIDIdentifikator>${uuid}</sd:UUIDIdentifikator><person:Registrering>` +
      `<person:AttributListe><person:Egenskab>${virkning()}<sd:BrugervendtNoegleTekst>p1</sd:BrugervendtNoegleTekst>` +
      '<sts:CPR-NummerTekst>0101901234</sts:CPR-NummerTekst><person:NavnTekst>Jane Doe</person:NavnTekst></person:Egenskab>' +
      '</person:AttributListe><person:TilstandListe/><person:RelationListe/></person:Registrering></person:Person></person:ImportInput>';
    expect((await send(imp, { service: 'Person' })).status).toBe(20);
    const laes = await send(
      `<person:LaesInput ${ns}><sd:UUIDIdentifikator>${uuid}</sd:UUIDIdentifikator></person:LaesInput>`,
      {
        service: 'Person',
      },
    );
    expect(laes.all('NavnTekst')).toEqual(['Jane Doe']);
    expect(laes.all('CPR-NummerTekst')).toEqual(['0101901234']);
  });
});

describe('FK simulator: ret, passiver, list, soeg', () => {
  it('ret makes a new registration that laes shows', async () => {
    const uuid = randomUUID();
    await send(unitImport({ uuid, name: 'Old name' }));
    expect((await send(unitRet(uuid, { name: 'New name' }))).status).toBe(20);
    const laes = await send(uuidInput('LaesInput', uuid));
    expect(laes.all('EnhedNavn')).toEqual(['New name']);
    expect(laes.all('NoteTekst')).toEqual(['orgsync']);
    expect(sim.store.get('OrganisationEnhed', uuid)?.registrations).toHaveLength(2);
  });

  it('laes with filters: a registration filter gives the history, a Virkning filter the values in effect', async () => {
    const uuid = randomUUID();
    await send(unitImport({ uuid, name: 'First' }));
    const ended = `<orgenhed:Egenskab>${virkning({ to: '2025-06-01T00:00:00+02:00' })}<sd:BrugervendtNoegleTekst>OU-1</sd:BrugervendtNoegleTekst><sd:EnhedNavn>First</sd:EnhedNavn></orgenhed:Egenskab>`;
    const next = `<orgenhed:Egenskab>${virkning({ from: '2025-06-01T00:00:00+02:00' })}<sd:BrugervendtNoegleTekst>OU-1</sd:BrugervendtNoegleTekst><sd:EnhedNavn>Second</sd:EnhedNavn></orgenhed:Egenskab>`;
    expect((await send(unitRet(uuid, { egenskab: ended + next }))).status).toBe(20);
    const filter = (name: string, t: string) =>
      `<sd:${name}><sd:TidsstempelDatoTid>${t}</sd:TidsstempelDatoTid></sd:${name}>`;
    const laes = (filters: string) =>
      send(
        `<orgenhed:LaesInput ${NSDECL}><sd:UUIDIdentifikator>${uuid}</sd:UUIDIdentifikator>${filters}</orgenhed:LaesInput>`,
      );
    expect((await laes('')).all('EnhedNavn')).toEqual(['First', 'Second']);
    const history = await laes(filter('RegistreringFraFilter', '2000-01-01T00:00:00Z'));
    expect(history.all('Registrering')).toHaveLength(2);
    const july = await laes(
      filter('VirkningFraFilter', '2025-07-01T00:00:00Z') +
        filter('VirkningTilFilter', '2025-07-02T00:00:00Z'),
    );
    expect(july.all('EnhedNavn')).toEqual(['Second']);
    const backwards = await laes(
      filter('VirkningFraFilter', '2025-07-02T00:00:00Z') +
        filter('VirkningTilFilter', '2025-07-01T00:00:00Z'),
    );
    expect(backwards.status).toBe(47);
  });

  it('ret of an unknown object is 44; after passiver, ret is 49 and so is a second passiver', async () => {
    expect((await send(unitRet(randomUUID()))).status).toBe(44);
    const uuid = randomUUID();
    await send(unitImport({ uuid }));
    expect((await send(uuidInput('PassiverInput', uuid))).status).toBe(20);
    const r = await send(unitRet(uuid, { name: 'x' }));
    expect(r.status).toBe(49);
    expect(r.text).toMatch(/passiveret/);
    expect((await send(uuidInput('PassiverInput', uuid))).status).toBe(49);
    expect((await send(uuidInput('LaesInput', uuid))).all('LivscyklusKode')).toEqual(['Passiveret']);
  });

  it('list returns the objects found among those asked for, 44 when none', async () => {
    const a = randomUUID();
    const b = randomUUID();
    await send(unitImport({ uuid: a, key: 'A' }));
    await send(unitImport({ uuid: b, key: 'B' }));
    const r = await send(uuidInput('ListInput', a, randomUUID(), b));
    expect(r.status).toBe(20);
    expect(r.all('FiltreretOejebliksbillede')).toHaveLength(2);
    expect(r.all('BrugervendtNoegleTekst')).toEqual(['A', 'B']);
    expect((await send(uuidInput('ListInput', randomUUID()))).status).toBe(44);
  });

  it('soeg by Tilhoerer pages with FoersteResultatReference and MaksimalAntalKvantitet; an empty page is 44', async () => {
    const org = randomUUID();
    const mine = [];
    for (let i = 0; i < 5; i++) {
      const uuid = randomUUID();
      mine.push(uuid);
      await send(unitImport({ uuid, org, key: `K-${i}` }));
    }
    await send(unitImport({ org: OTHER_ORG }));
    const pages = [];
    for (let first = 0; ; first += 2) {
      const r = await send(unitSoeg({ org, first, max: 2 }));
      if (r.status === 44) break;
      expect(r.status).toBe(20);
      pages.push(r.ids);
    }
    expect(pages.map((p) => p.length)).toEqual([2, 2, 1]);
    expect(pages.flat()).toEqual(mine);
    expect((await send(unitSoeg({ org, key: 'K-3' }))).ids).toEqual([mine[3]]);
    expect((await send(unitSoeg({ org: randomUUID() }))).status).toBe(44);
  });
});

describe('FK simulator: strict rules beyond the XSD', () => {
  const cases: [string, string, number, RegExp][] = [
    [
      'an Egenskab without Virkning',
      unitImport({
        egenskab:
          '<orgenhed:Egenskab><sd:BrugervendtNoegleTekst>x</sd:BrugervendtNoegleTekst></orgenhed:Egenskab>',
      }),
      40,
      /orgenhed:Egenskab #1: sd:Virkning is required/,
    ],
    [
      'a Virkning without FraTidspunkt',
      unitImport({ relations: ref('Tilhoerer', ORG, virkning({ from: null })) }),
      40,
      /sd:Tilhoerer #1: sd:Virkning has no sd:FraTidspunkt/,
    ],
    [
      'a Virkning without AktoerRef',
      unitImport({ relations: ref('Tilhoerer', ORG, virkning({ actor: null })) }),
      40,
      /has no sd:AktoerRef/,
    ],
    ['an importer without any Egenskab', unitImport({ egenskab: null }), 40, /at least one Egenskab/],
    [
      'a relation to a URN',
      unitImport({
        relations: `<sd:Tilhoerer>${virkning()}<sd:ReferenceID><sd:URNIdentifikator>urn:x</sd:URNIdentifikator></sd:ReferenceID></sd:Tilhoerer>`,
      }),
      40,
      /must be a UUIDIdentifikator, not a URN/,
    ],
    [
      'a relation to the nil UUID',
      unitImport({ relations: ref('Tilhoerer', '00000000-0000-0000-0000-000000000000') }),
      40,
      /is not a UUID/,
    ],
    [
      'a relation to a malformed UUID (XSD)',
      unitImport({ relations: ref('Tilhoerer', 'OU-1042') }),
      40,
      /Schema validation failed.*sd:UUIDIdentifikator/,
    ],
    [
      'a BrugervendtNoegleTekst of 51 characters (XSD)',
      unitImport({ key: 'x'.repeat(51) }),
      40,
      /Schema validation failed.*BrugervendtNoegleTekst/,
    ],
    [
      'a Virkning ending before it starts',
      unitImport({
        relations: ref(
          'Tilhoerer',
          ORG,
          virkning({ from: '2025-02-01T00:00:00Z', to: '2025-01-01T00:00:00Z' }),
        ),
      }),
      47,
      /FraTidspunkt is after TilTidspunkt/,
    ],
  ];
  it.each(cases)('refuses %s', async (_name, body, status, text) => {
    const r = await send(body);
    expect(r.status).toBe(status);
    expect(r.text).toMatch(text);
  });

  it('applies the rules to ret too (47 for a period ending before it starts), and nothing is stored', async () => {
    const uuid = randomUUID();
    await send(unitImport({ uuid }));
    const bad = ref('Tilhoerer', ORG, virkning({ from: '2025-03-01T00:00:00Z', to: '2025-02-01T00:00:00Z' }));
    expect((await send(unitRet(uuid, { relations: bad }))).status).toBe(47);
    expect(sim.store.get('OrganisationEnhed', uuid)?.registrations).toHaveLength(1);
  });
});

describe('FK simulator: the SOAP envelope', () => {
  it('faults (env:Sender, HTTP 500) without a RequestHeader', async () => {
    const r = await post(envelope(uuidInput('LaesInput', UNIT), { header: false }));
    expect(r.fault).toMatchObject({ code: 'env:Sender', reason: expect.stringMatching(/RequestHeader/) });
    expect(sim.requests.at(-1)).toMatchObject({ status: 'fault' });
  });

  it('faults on a non-SOAP 1.2 content type, a SOAP 1.1 envelope, a foreign body, a wrong action', async () => {
    const laes = envelope(uuidInput('LaesInput', UNIT));
    expect((await post(laes, { contentType: 'text/xml' })).fault?.reason).toMatch(/application\/soap\+xml/);
    const soap11 = laes.replaceAll(SOAP12, 'http://schemas.xmlsoap.org/soap/envelope/');
    expect((await post(soap11)).fault).toMatchObject({ code: 'env:VersionMismatch' });
    expect((await post('<not xml')).fault?.reason).toMatch(/not well-formed/);
    expect((await post(laes, { service: 'Bruger' })).fault?.reason).toMatch(
      /not a request of the Bruger service/,
    );
    const wrongAction = await post(laes, {
      contentType: 'application/soap+xml; action="http://kombit.dk/sts/organisation/organisationenhed/ret"',
    });
    expect(wrongAction.fault?.reason).toMatch(/does not match/);
    const rightAction = await post(laes, {
      contentType: 'application/soap+xml; action="http://kombit.dk/sts/organisation/organisationenhed/laes"',
    });
    expect(rightAction.fault).toBeUndefined();
  });

  it('answers 404 for an unknown service path', async () => {
    const res = await fetch(`${sim.url}/organisation/klasse/6`, { method: 'POST', body: '' });
    expect(res.status).toBe(404);
  });

  it('calls the auth hook: a refusal is a wsse:InvalidSecurity fault, an acceptance records the CVR', async () => {
    const s = await another({
      auth: (headers) =>
        headers['x-token'] === 'good' ? { ok: true, cvr: '29189846' } : { ok: false, reason: 'no token' },
    });
    const body = envelope(uuidInput('LaesInput', UNIT));
    const refused = await post(body, { on: s });
    expect(refused.fault).toMatchObject({
      code: 'env:Sender',
      subcode: 'wsse:InvalidSecurity',
      reason: 'no token',
    });
    const res = await fetch(`${s.url}/organisation/organisationenhed/6`, {
      method: 'POST',
      headers: { 'content-type': 'application/soap+xml', 'x-token': 'good' },
      body,
    });
    expect(res.status).toBe(200);
    expect(s.requests.at(-1)).toMatchObject({ status: 44, cvr: '29189846' });
  });
});

describe('FK simulator: latency and injected faults', () => {
  it('adds latencyMs before replying', async () => {
    const s = await another({ latencyMs: 150 });
    const start = performance.now();
    await post(envelope(uuidInput('LaesInput', UNIT)), { on: s });
    expect(performance.now() - start).toBeGreaterThanOrEqual(145);
  });

  it('gives the same sequence of injected 40/44 for the same seed, and applies nothing when it injects', async () => {
    const run = async () => {
      const s = await another({ faults: { rate40: 0.25, rate44: 0.25, seed: 42 } });
      const statuses: number[] = [];
      for (let i = 0; i < 24; i++) statuses.push((await post(envelope(unitImport()), { on: s })).status!);
      expect(s.store.size('OrganisationEnhed')).toBe(statuses.filter((x) => x === 20).length);
      expect(s.requests.filter((r) => r.injected)).toHaveLength(statuses.filter((x) => x !== 20).length);
      return statuses;
    };
    const first = await run();
    expect(first).toContain(40);
    expect(first).toContain(44);
    expect(first).toContain(20);
    expect(await run()).toEqual(first);
  });

  it('never answers a timed-out request, until the client gives up', async () => {
    const s = await another({ faults: { timeoutRate: 1 } });
    const started = performance.now();
    await expect(
      post(envelope(uuidInput('LaesInput', UNIT)), { on: s, signal: AbortSignal.timeout(300) }),
    ).rejects.toThrow();
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    expect(s.requests.at(-1)).toMatchObject({ status: 'no-answer' });
  });
});
