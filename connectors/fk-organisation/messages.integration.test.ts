/**
 * What the soap package really sends for orgsync's message builders, captured by a local
 * HTTP server, validated against the real v6 XSDs.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { XmlDocument, type XmlElement } from 'libxml2-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addressImport,
  ENHEDSTYPE,
  fkUuid,
  functionImport,
  personImport,
  unitImport,
  userImport,
} from './messages.js';
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
    const unit = {
      uuid: fkUuid(ORG, 'unit', '1042'),
      key: '1042',
      name: 'Skole & Dagtilbud <Syd> "Ærø"',
      parent: fkUuid(ORG, 'unit', '1'),
      enhedstype: ENHEDSTYPE.department,
      active: true,
    };
    await client
      .importerAsync(unitImport({ organisation: ORG }, unit, '2026-11-23T10:00:00Z'))
      .catch(() => undefined);
    const { headers, body } = captured.at(-1)!;
    expect(String(headers['content-type'])).toMatch(
      /^application\/soap\+xml.*action="http:\/\/kombit.dk\/sts\/organisation\/organisationenhed\/importer"/,
    );
    expect(body).toContain('http://www.w3.org/2003/05/soap-envelope');
    expect(validateBody(body)).toEqual({ valid: true });
    expect(body).toContain('Skole &amp; Dagtilbud &lt;Syd&gt;');
  });

  it('a user: Person, addresses, Bruger and its functions, each valid against its service XSD', async () => {
    const actor = { organisation: ORG };
    const now = '2026-11-23T10:00:00Z';
    const person = fkUuid(ORG, 'person', 'p-1');
    const mail = fkUuid(ORG, 'address:email', 'p-1');
    const user = fkUuid(ORG, 'user', 'p-1');
    const bodies: [EntityService, object][] = [
      [
        'Person',
        personImport(actor, { uuid: person, key: 'p-1', name: 'Søren Ærø', cpr: '0101901234' }, now),
      ],
      ['Adresse', addressImport(actor, { uuid: mail, key: 'p-1 e-mail', text: 'sae@kommune.dk' }, now)],
      [
        'Bruger',
        userImport(
          actor,
          {
            uuid: user,
            userKey: 'SAE',
            name: 'Søren Ærø',
            person,
            addresses: [{ role: 'email', uuid: mail }],
            active: true,
          },
          now,
        ),
      ],
      [
        'OrganisationFunktion',
        functionImport(
          actor,
          {
            uuid: fkUuid(ORG, 'position', '42'),
            key: '42',
            name: 'Lærer',
            type: 'position',
            user,
            unit: fkUuid(ORG, 'unit', '1042'),
            active: true,
          },
          now,
        ),
      ],
    ];
    for (const [service, body] of bodies) {
      const client = await serviceClient(service, `${base}/organisation/${service.toLowerCase()}/6`);
      await client.importerAsync(body).catch(() => undefined);
      expect(validateBody(captured.at(-1)!.body, service), service).toEqual({ valid: true });
    }
  });
});
