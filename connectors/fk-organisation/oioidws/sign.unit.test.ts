/**
 * The fast signing and checking paths (secure.ts, sign.ts `signatureOver`, verify.ts
 * `verifyDirect`) against an independent implementation, xml-crypto's SignedXml: every message
 * `secure` signs verifies there, and the direct check agrees with it on messages as signed and
 * as tampered with. Without this, a mistake made alike on both sides would go unnoticed.
 */
import type { Element } from '@xmldom/xmldom';
import { beforeAll, describe, expect, it } from 'vitest';
import { SignedXml } from 'xml-crypto';
import { makeClientCertificate, type TestCertificate } from '../simulator/certs.js';
import { createSimulatedSts } from '../simulator/sts.js';
import {
  issueRequest,
  loadCredentials,
  NS,
  OioidwsConfig,
  type OioidwsToken,
  ORGANISATION_AUDIENCE,
  parseIssueResponse,
  secure,
  URI,
} from './index.js';
import { byWsuId, SECURITY_XPATH } from './sign.js';
import { StrTransform } from './str-transform.js';
import { checkMessageSignature } from './verify.js';
import { descendants, parseXml } from './xml.js';

const CVR = '29189846';
const STS_URL = 'https://sts.invalid/runtime/services/kombittrust/14/certificatemixed';
const TO = 'https://organisation.invalid/organisation/organisationenhed/6?a=1&b="2"';
const ACTION = 'http://kombit.dk/sts/organisation/organisationenhed/laes';
const UNIT = '5a3f1c2e-8b7d-4e6f-9a0b-1c2d3e4f5a6b';

let client: TestCertificate;
let token: OioidwsToken;

beforeAll(async () => {
  client = await makeClientCertificate(CVR);
  const sts = await createSimulatedSts({ clients: [{ cvr: CVR, certificatePem: client.certificatePem }] });
  const config = OioidwsConfig.parse({
    stsUrl: STS_URL,
    cvr: CVR,
    certificate: { certEnv: 'C', keyEnv: 'K' },
  });
  const credentials = loadCredentials(config, { C: client.certificatePem, K: client.privateKeyPem });
  const now = new Date();
  const reply = sts.handle(
    { 'content-type': 'application/soap+xml' },
    issueRequest(credentials, { stsUrl: STS_URL, cvr: CVR, appliesTo: ORGANISATION_AUDIENCE, now }),
  );
  token = parseIssueResponse(reply.xml, { cvr: CVR, appliesTo: ORGANISATION_AUDIENCE, credentials, now });
});

const body = `<o:LaesInput xmlns:o="urn:o" a="x &amp; &quot;y&quot;&#xD;&#9;z"><o:Id>${UNIT}</o:Id><o:T>a &lt; b &gt; c "d" 'e'&#xD;\u2028</o:T></o:LaesInput>`;
const shapes: Record<string, string> = {
  'SOAP 1.2 with a Header': `<s:Envelope xmlns:s="${NS.soap12}"><s:Header><h:R xmlns:h="urn:h">x</h:R></s:Header><s:Body>${body}</s:Body></s:Envelope>`,
  'SOAP 1.1, no Header': `<soap:Envelope xmlns:soap="${NS.soap11}"><soap:Body>${body}</soap:Body></soap:Envelope>`,
  'an empty Header': `<s:Envelope xmlns:s="${NS.soap12}"><s:Header/><s:Body>${body}</s:Body></s:Envelope>`,
  'a default namespace': `<Envelope xmlns="${NS.soap12}"><Body><x xmlns="urn:x">${UNIT}</x></Body></Envelope>`,
  'a Body with a wsu:Id, wsu declared on the Envelope': `<s:Envelope xmlns:s="${NS.soap12}" xmlns:wsu="${NS.wsu}"><s:Body wsu:Id="b1">${body}</s:Body></s:Envelope>`,
};

/** The message signature (the ds:Signature in wsse:Security). */
function messageSignature(xml: string): { doc: ReturnType<typeof parseXml>; signature: Element } {
  const doc = parseXml(xml);
  const security = descendants(doc.documentElement!, NS.wsse, 'Security')[0]!;
  const signature = descendants(security, NS.ds, 'Signature').find((s) => s.parentNode === security)!;
  return { doc, signature };
}

/** xml-crypto's verdict on the message signature, with the holder-of-key certificate. */
function xmlCryptoAccepts(xml: string): boolean {
  const { signature } = messageSignature(xml);
  const sx = new SignedXml({ publicCert: client.certificatePem, getCertFromKeyInfo: () => null });
  sx.CanonicalizationAlgorithms[URI.strTransform] = StrTransform;
  try {
    sx.loadSignature(signature as never);
    return sx.checkSignature(xml) && sx.getSignedReferences().length === sx.getReferences().length;
  } catch {
    return false;
  }
}

function directAccepts(xml: string): boolean {
  const { doc, signature } = messageSignature(xml);
  return !('problem' in checkMessageSignature(xml, doc, signature, client.certificatePem));
}

describe('secure', () => {
  it.each(Object.entries(shapes))('signs what xml-crypto verifies: %s', (_name, envelope) => {
    const xml = secure(envelope, token, { action: `${ACTION}?x=&"`, to: TO });
    const { signature } = messageSignature(xml);
    expect(descendants(signature, NS.ds, 'Reference')).toHaveLength(7);
    expect(xmlCryptoAccepts(xml)).toBe(true);
    expect(directAccepts(xml)).toBe(true);
  });

  it('refuses an envelope whose Body wsu:Id is used twice, or that already holds the assertion', () => {
    const twice = `<s:Envelope xmlns:s="${NS.soap12}" xmlns:wsu="${NS.wsu}"><s:Body wsu:Id="b1"><x wsu:Id="b1"/></s:Body></s:Envelope>`;
    expect(() => secure(twice, token, { action: ACTION, to: TO })).toThrow(
      /another element has the Body's wsu:Id/,
    );
    const holding = `<s:Envelope xmlns:s="${NS.soap12}"><s:Body>${token.assertion.reveal()}</s:Body></s:Envelope>`;
    expect(() => secure(holding, token, { action: ACTION, to: TO })).toThrow(
      /already holds the token's assertion/,
    );
  });
});

describe('the direct check', () => {
  it('agrees with xml-crypto on a message as signed and as changed afterwards', () => {
    const xml = secure(shapes['SOAP 1.2 with a Header']!, token, { action: ACTION, to: TO });
    const changed = {
      body: xml.replace(UNIT, UNIT.replace('5a', '5b')),
      timestamp: xml.replace(/<wsu:Created>\d{4}/, '<wsu:Created>1999'),
      action: xml.replace(`>${ACTION}<`, `>${ACTION}x<`),
      assertion: xml.replace(`xs:string">${CVR}<`, 'xs:string">55133018<'),
      signatureValue: xml.replace(
        /<ds:SignatureValue>(.)/g,
        (_m, c: string) => `<ds:SignatureValue>${c === 'A' ? 'B' : 'A'}`,
      ),
      wrapped: xml.replace(
        '<o:Id>',
        `<o:Id ${/wsu:Id="(_body-[^"]+)"/.exec(xml)![0]} xmlns:wsu="${NS.wsu}">`,
      ),
    };
    expect(xmlCryptoAccepts(xml)).toBe(true);
    expect(directAccepts(xml)).toBe(true);
    for (const [what, tampered] of Object.entries(changed)) {
      expect(tampered, what).not.toBe(xml);
      expect(xmlCryptoAccepts(tampered), what).toBe(false);
      expect(directAccepts(tampered), what).toBe(false);
    }
    const { doc, signature } = messageSignature(changed.wrapped);
    expect(checkMessageSignature(changed.wrapped, doc, signature, client.certificatePem)).toEqual({
      problem: expect.stringMatching(/more than one element has the ID/),
    });
  });

  it('hands a signature with an InclusiveNamespaces PrefixList to xml-crypto', () => {
    const envelope =
      `<s:Envelope xmlns:s="${NS.soap12}" xmlns:p="urn:p"><s:Header><wsse:Security xmlns:wsse="${NS.wsse}"/></s:Header>` +
      `<s:Body xmlns:wsu="${NS.wsu}" wsu:Id="b1"><x xmlns="urn:x" q="p:y">1</x></s:Body></s:Envelope>`;
    const sx = new SignedXml({
      privateKey: client.privateKeyPem,
      signatureAlgorithm: URI.rsaSha256,
      canonicalizationAlgorithm: URI.excC14n,
    });
    sx.addReference({
      xpath: byWsuId('b1'),
      transforms: [URI.excC14n],
      digestAlgorithm: URI.sha256,
      inclusiveNamespacesPrefixList: ['p'],
    });
    sx.computeSignature(envelope, {
      prefix: 'ds',
      location: { reference: SECURITY_XPATH, action: 'append' },
    });
    const signed = sx.getSignedXml();
    expect(signed).toContain('PrefixList="p"');
    expect(directAccepts(signed)).toBe(true);
    // The PrefixList puts p's declaration, from the Envelope, into what is digested.
    expect(directAccepts(signed.replace('xmlns:p="urn:p"', 'xmlns:p="urn:other"'))).toBe(false);
  });
});
