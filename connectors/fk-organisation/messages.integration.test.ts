/**
 * What the soap package really sends for orgsync's message builders, captured by a local
 * HTTP server, validated against the real v6 XSDs.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { XmlDocument, type XmlElement } from 'libxml2-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENHEDSTYPE, fkUuid, unitImport } from './messages.js';
import { serviceClient } from './wsdl.js';
import { ContractValidator } from './xsd.js';

const ORG = '3c1a7f2e-4d5b-4c6a-8e9f-0a1b2c3d4e5f';
const captured: { headers: Record<string, unknown>; body: string }[] = [];
let server: Server;
let url: string;
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
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

/** Validates the Body's one child of a captured envelope, in place (its namespaces are the envelope's). */
function validateBody(envelope: string) {
  const doc = XmlDocument.fromString(envelope);
  try {
    const child = doc.get('/s:Envelope/s:Body/*', { s: 'http://www.w3.org/2003/05/soap-envelope' });
    return validator.validateElement('OrganisationEnhed', child as XmlElement);
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
});
