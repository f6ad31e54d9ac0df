/**
 * What the soap package really sends for orgsync's importer and ret bodies (registration.ts),
 * captured by a local HTTP server, validated against the real v6 XSDs.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { XmlDocument, type XmlElement } from 'libxml2-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENHEDSTYPE, FUNKTIONSTYPE, fkUuid, USER_ADDRESSES } from './identifiers.js';
import { type Desired, emptyRegistration, importBody, merge, retBody } from './registration.js';
import type { EntityService } from './wsdl.js';
import { serviceClient } from './wsdl.js';
import { ContractValidator, type FkService } from './xsd.js';

const ORG = '3c1a7f2e-4d5b-4c6a-8e9f-0a1b2c3d4e5f';
const captured: { headers: Record<string, unknown>; body: string }[] = [];
let server: Server;
let url: string;
let base: string;
const validator = new ContractValidator();

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString('utf8');
    });
    req.on('end', () => {
      captured.push({ headers: req.headers, body });
      res.writeHead(500, { 'content-type': 'application/soap+xml' }).end('<not-soap/>');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/organisation/organisationenhed/6`;
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

/** Validates the Body's one child of a captured envelope, in place (its namespaces are the envelope's). */
function validateBody(envelope: string, service: FkService = 'OrganisationEnhed') {
  const doc = XmlDocument.fromString(envelope);
  try {
    const child = doc.get('/s:Envelope/s:Body/*', { s: 'http://www.w3.org/2003/05/soap-envelope' });
    return validator.validateElement(service, child as XmlElement);
  } finally {
    doc.dispose();
  }
}

const NOW = '2026-11-23T10:00:00Z';
const actor = { organisation: ORG };
const importOf = (service: EntityService, uuid: string, want: Desired) =>
  importBody(service, uuid, merge(service, emptyRegistration(), want, actor, NOW)!, NOW);

describe('FK Organisation requests, as soap sends them', () => {
  it('stable UUIDs: the same unit always, another municipality never', () => {
    expect(fkUuid(ORG, 'unit', '1042')).toBe(fkUuid(ORG, 'unit', '1042'));
    expect(fkUuid(ORG, 'unit', '1042')).not.toBe(fkUuid(ORG, 'unit', '1043'));
    expect(fkUuid(ORG, 'unit', '1042')).not.toBe(
      fkUuid('0f9e8d7c-6b5a-4938-8271-605f4e3d2c1b', 'unit', '1042'),
    );
    expect(fkUuid(ORG, 'unit', '1042')).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });

  it('a unit importer is SOAP 1.2 and validates against the XSDs, hostile names included', async () => {
    const client = await serviceClient('OrganisationEnhed', url);
    const body = importOf('OrganisationEnhed', fkUuid(ORG, 'unit', '1042'), {
      fields: { BrugervendtNoegleTekst: '1042', EnhedNavn: 'Skole & Dagtilbud <Syd> "Ærø"' },
      status: 'Aktiv',
      relations: [
        { name: 'Tilhoerer', refs: [{ uuid: ORG }] },
        { name: 'Overordnet', refs: [{ uuid: fkUuid(ORG, 'unit', '1') }] },
        { name: 'Enhedstype', refs: [{ uuid: ENHEDSTYPE.department }] },
      ],
    });
    await client.importerAsync(body).catch(() => undefined);
    const { headers, body: sent } = captured.at(-1)!;
    expect(String(headers['content-type'])).toMatch(
      /^application\/soap\+xml.*action="http:\/\/kombit.dk\/sts\/organisation\/organisationenhed\/importer"/,
    );
    expect(sent).toContain('http://www.w3.org/2003/05/soap-envelope');
    expect(validateBody(sent)).toEqual({ valid: true });
    expect(sent).toContain('Skole &amp; Dagtilbud &lt;Syd&gt;');
  });

  it('a user: Person, addresses, Bruger and its functions, each valid against its service XSD', async () => {
    const person = fkUuid(ORG, 'person', 'p-1');
    const mail = fkUuid(ORG, 'user-email', 'p-1');
    const user = fkUuid(ORG, 'user', 'p-1');
    const bodies: [EntityService, object][] = [
      [
        'Person',
        importOf('Person', person, {
          fields: { BrugervendtNoegleTekst: 'p-1', 'CPR-NummerTekst': '0101901234', NavnTekst: 'Søren Ærø' },
        }),
      ],
      [
        'Adresse',
        importOf('Adresse', mail, {
          fields: { BrugervendtNoegleTekst: 'p-1-email', AdresseTekst: 'sae@kommune.dk' },
        }),
      ],
      [
        'Bruger',
        importOf('Bruger', user, {
          fields: { BrugervendtNoegleTekst: 'SAE', BrugerNavn: 'Søren Ærø' },
          status: 'Aktiv',
          relations: [
            { name: 'TilknyttedePersoner', refs: [{ uuid: person }] },
            { name: 'Tilhoerer', refs: [{ uuid: ORG }] },
            {
              name: 'Adresser',
              rolle: USER_ADDRESSES.roles.email,
              refs: [{ uuid: mail, rolle: USER_ADDRESSES.roles.email, type: USER_ADDRESSES.type }],
            },
          ],
        }),
      ],
      [
        'OrganisationFunktion',
        importOf('OrganisationFunktion', fkUuid(ORG, 'position', '42'), {
          fields: { BrugervendtNoegleTekst: '42', FunktionNavn: 'Lærer' },
          status: 'Aktiv',
          relations: [
            { name: 'TilknyttedeOrganisationer', refs: [{ uuid: ORG }] },
            { name: 'TilknyttedeEnheder', refs: [{ uuid: fkUuid(ORG, 'unit', '1042') }] },
            { name: 'TilknyttedeBrugere', refs: [{ uuid: user }] },
            { name: 'Funktionstype', refs: [{ uuid: FUNKTIONSTYPE.position }] },
          ],
        }),
      ],
    ];
    for (const [service, body] of bodies) {
      const client = await serviceClient(service, `${base}/organisation/${service.toLowerCase()}/6`);
      await client.importerAsync(body).catch(() => undefined);
      expect(validateBody(captured.at(-1)!.body, service), service).toEqual({ valid: true });
    }
  });

  it('a ret sends the whole registration back, ended values included, valid against the XSD', async () => {
    const client = await serviceClient('OrganisationEnhed', url);
    const first = merge(
      'OrganisationEnhed',
      emptyRegistration(),
      { fields: { BrugervendtNoegleTekst: '1042', EnhedNavn: 'Skole' }, status: 'Aktiv' },
      actor,
      '2026-01-01T00:00:00Z',
    )!;
    const next = merge(
      'OrganisationEnhed',
      first,
      { fields: { EnhedNavn: 'Skolen' }, status: 'Inaktiv' },
      actor,
      NOW,
    )!;
    await client
      .retAsync(retBody('OrganisationEnhed', fkUuid(ORG, 'unit', '1042'), next))
      .catch(() => undefined);
    const sent = captured.at(-1)!.body;
    expect(validateBody(sent)).toEqual({ valid: true });
    expect(sent.match(/EnhedNavn>/g)).toHaveLength(4); // the ended name and the new one
  });
});
