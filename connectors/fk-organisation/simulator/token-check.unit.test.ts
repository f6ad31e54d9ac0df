/**
 * The client's signing (oioidws/secure.ts) against the simulator's checks (sts.ts,
 * token-check.ts), without HTTP: what is accepted, and each thing the check refuses.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { SignedXml } from 'xml-crypto';
import type { ConnectorError } from '../../../src/sdk/errors.js';
import {
  type Credentials,
  issueRequest,
  loadCredentials,
  NS,
  OioidwsConfig,
  type OioidwsToken,
  ORGANISATION_AUDIENCE,
  parseIssueResponse,
  secure,
  soapFault,
  URI,
} from '../oioidws/index.js';
import { byWsuId, SECURITY_XPATH, wsSecuritySignature } from '../oioidws/sign.js';
import { parseXml } from '../oioidws/xml.js';
import { makeClientCertificate, makeStsCertificate, type TestCertificate } from './certs.js';
import { createSimulatedSts, type SimulatedSts } from './sts.js';
import { type AuthHook, tokenCheck } from './token-check.js';

const CVR = '29189846';
const UNIT = '5a3f1c2e-8b7d-4e6f-9a0b-1c2d3e4f5a6b';
const ACTION = 'http://kombit.dk/sts/organisation/organisationenhed/laes';
const TO = 'https://organisation.eksterntest-stoettesystemerne.dk/organisation/organisationenhed/6';
const STS_URL = 'https://sts.invalid/runtime/services/kombittrust/14/certificatemixed';
const SOAP12_CT = { 'content-type': 'application/soap+xml; charset=utf-8' };

const now = Date.parse('2026-11-23T08:00:00Z');
const clock = () => new Date(now);
let client: TestCertificate;
let stsSigner: TestCertificate;
let creds: Credentials;
let sts: SimulatedSts;
let otherSts: SimulatedSts;
let check: AuthHook;

function credentialsOf(c: TestCertificate, stsPem?: string): Credentials {
  const config = OioidwsConfig.parse({
    stsUrl: STS_URL,
    cvr: CVR,
    certificate: { certEnv: 'C', keyEnv: 'K' },
    ...(stsPem ? { stsCertificate: { env: 'S' } } : {}),
  });
  return loadCredentials(config, {
    C: c.certificatePem,
    K: c.privateKeyPem,
    ...(stsPem ? { S: stsPem } : {}),
  });
}

function issue(from: SimulatedSts, opts: { appliesTo?: string; creds?: Credentials } = {}): OioidwsToken {
  const appliesTo = opts.appliesTo ?? ORGANISATION_AUDIENCE;
  const c = opts.creds ?? creds;
  const reply = from.handle(
    SOAP12_CT,
    issueRequest(c, { stsUrl: STS_URL, cvr: CVR, appliesTo, now: clock() }),
  );
  if (reply.http !== 200) throw new Error(soapFault(parseXml(reply.xml))?.reason);
  return parseIssueResponse(reply.xml, { cvr: CVR, appliesTo, credentials: c, now: clock() });
}

const envelope = (opts: { header?: string; body?: string } = {}) =>
  '<?xml version="1.0" encoding="utf-8"?>' +
  `<s:Envelope xmlns:s="${NS.soap12}">` +
  (opts.header ??
    '<s:Header><h:RequestHeader xmlns:h="http://kombit.dk/xml/schemas/RequestHeader/1/">' +
      '<h:TransactionUUID>0b0e6c4a-0d7c-4a53-9d35-3a8d0b2b7f11</h:TransactionUUID></h:RequestHeader></s:Header>') +
  `<s:Body><o:LaesInput xmlns:o="http://stoettesystemerne.dk/organisation/organisationenhed/6/" xmlns:sd="urn:oio:sagdok:3.0.0">` +
  `<sd:UUIDIdentifikator>${opts.body ?? UNIT}</sd:UUIDIdentifikator></o:LaesInput></s:Body></s:Envelope>`;

const signedCall = (token: OioidwsToken, xml = envelope(), at = clock()) =>
  secure(xml, token, { action: ACTION, to: TO, now: at });

/**
 * The message signed again over other references (a client that leaves something out), or,
 * `direct`, with the assertion referenced by its own ID instead of through the STR.
 */
function resign(xml: string, token: OioidwsToken, keep: (id: string) => boolean, direct = false): string {
  const start = xml.lastIndexOf('<ds:Signature xmlns');
  const end = xml.indexOf('</ds:Signature>', start) + '</ds:Signature>'.length;
  const unsigned = xml.slice(0, start) + xml.slice(end);
  const ids = [...unsigned.matchAll(/wsu:Id="([^"]+)"/g)].map((m) => m[1]!).filter(keep);
  const keyInfo = /<wsse:SecurityTokenReference[^>]*wsse11:TokenType[^>]*>.*?<\/wsse:SecurityTokenReference>/s
    .exec(unsigned)![0]
    .replace(/ xmlns:wsu="[^"]*" wsu:Id="[^"]*"/, '');
  const plain = ids.filter((i) => !i.startsWith('_str-'));
  let signature: string;
  if (direct) {
    const sig = new SignedXml({
      privateKey: token.key,
      signatureAlgorithm: URI.rsaSha256,
      canonicalizationAlgorithm: URI.excC14n,
      getKeyInfoContent: () => keyInfo,
    });
    for (const id of plain) {
      sig.addReference({ xpath: byWsuId(id), transforms: [URI.excC14n], digestAlgorithm: URI.sha256 });
    }
    // xml-crypto names the assertion by its ID attribute.
    sig.addReference({
      xpath: `//*[local-name(.)='Assertion' and namespace-uri(.)='${NS.saml2}']`,
      transforms: [URI.excC14n],
      digestAlgorithm: URI.sha256,
    });
    sig.computeSignature(unsigned, {
      prefix: 'ds',
      location: { reference: SECURITY_XPATH, action: 'append' },
    });
    signature = sig.getSignatureXml();
  } else {
    signature = wsSecuritySignature(unsigned, {
      key: token.key,
      ids: plain,
      strIds: ids.filter((i) => i.startsWith('_str-')),
      keyInfo,
    });
  }
  return unsigned.slice(0, start) + signature + unsigned.slice(start);
}

beforeAll(async () => {
  [client, stsSigner] = await Promise.all([makeClientCertificate(CVR), makeStsCertificate()]);
  const registered = [{ cvr: CVR, certificatePem: client.certificatePem }];
  sts = await createSimulatedSts({ clients: registered, signer: stsSigner, clock });
  // Another STS with its own key, which also knows the client.
  otherSts = await createSimulatedSts({ clients: registered, clock, signer: await makeStsCertificate() });
  creds = credentialsOf(client, stsSigner.certificatePem);
  check = tokenCheck({ stsCertificatePem: sts.certificatePem, cvrs: [CVR], clock });
});

const refused = (xml: string) => {
  const r = check({}, xml);
  expect(r.ok).toBe(false);
  return r.ok ? '' : r.reason;
};

describe('a signed call', () => {
  it('is accepted with the CVR, and carries the assertion byte for byte', () => {
    const token = issue(sts);
    const xml = signedCall(token);
    expect(check({}, xml)).toEqual({ ok: true, cvr: CVR });
    expect(xml).toContain(token.assertion.reveal());
    expect(xml).toContain('s:mustUnderstand="true"');
    expect(xml).toContain(`>${ACTION}</wsa:Action>`);
    expect(xml).toMatch(/<wsa:MessageID[^>]*>urn:uuid:[0-9a-f-]{36}<\/wsa:MessageID>/);
    expect(xml).toContain('<wsu:Created>2026-11-23T08:00:00Z</wsu:Created><wsu:Expires>2026-11-23T08:05:00Z');
  });

  it('is accepted in other envelope shapes: SOAP 1.1, no Header, an empty Header, no prefix', () => {
    const token = issue(sts);
    const variants = [
      envelope({ header: '' }),
      envelope({ header: '<s:Header/>' }),
      envelope().replace(NS.soap12, NS.soap11),
      `<Envelope xmlns="${NS.soap12}"><Body><x xmlns="urn:x">${UNIT}</x></Body></Envelope>`,
      // A line separator, which xml-crypto's parser would have turned into a line feed.
      envelope({ body: `${UNIT}\u2028` }),
    ];
    for (const v of variants) expect(check({}, signedCall(token, v))).toEqual({ ok: true, cvr: CVR });
  });

  it('is accepted when the assertion is signed by its ID rather than through the STR', () => {
    const token = issue(sts);
    expect(
      check(
        {},
        resign(signedCall(token), token, () => true, true),
      ),
    ).toEqual({ ok: true, cvr: CVR });
  });
});

describe('the token check refuses', () => {
  it('a signature that leaves out the Body, the Timestamp, an addressing header or the token', () => {
    const token = issue(sts);
    const xml = signedCall(token);
    expect(
      check(
        {},
        resign(xml, token, () => true),
      ),
    ).toEqual({ ok: true, cvr: CVR });
    expect(refused(resign(xml, token, (id) => !id.startsWith('_body-')))).toMatch(/does not cover Body/);
    expect(refused(resign(xml, token, (id) => !id.startsWith('_ts-')))).toMatch(/does not cover Timestamp/);
    expect(refused(resign(xml, token, (id) => !id.startsWith('_to-')))).toMatch(/does not cover To/);
    expect(refused(resign(xml, token, (id) => !id.startsWith('_replyto-')))).toMatch(
      /does not cover ReplyTo/,
    );
    expect(refused(resign(xml, token, (id) => !id.startsWith('_str-')))).toMatch(/does not cover the token/);
  });

  it('a message without a signature, or whose signature names another token', () => {
    const token = issue(sts);
    const xml = signedCall(token);
    const start = xml.lastIndexOf('<ds:Signature xmlns');
    const unsigned = xml.slice(0, start) + xml.slice(xml.indexOf('</ds:Signature>', start) + 15);
    expect(refused(unsigned)).toMatch(/the message is not signed/);
    const keyInfoAt = xml.lastIndexOf(`>${token.assertionId}</wsse:KeyIdentifier>`);
    const renamed = `${xml.slice(0, keyInfoAt)}>_other${xml.slice(keyInfoAt + token.assertionId.length + 1)}`;
    expect(refused(renamed)).toMatch(/KeyInfo does not name the token/);
  });

  it('a stale or future Timestamp', () => {
    const token = issue(sts);
    expect(refused(signedCall(token, envelope(), new Date(now - 10 * 60_000)))).toMatch(
      /expired \(Timestamp\)/,
    );
    expect(refused(signedCall(token, envelope(), new Date(now + 10 * 60_000)))).toMatch(
      /created in the future/,
    );
  });

  it('an assertion not signed by the STS, or changed after it was', () => {
    const foreign = issue(otherSts, { creds: credentialsOf(client) });
    expect(refused(signedCall(foreign))).toMatch(
      /the token is not the STS's: the assertion signature does not verify/,
    );
    const token = issue(sts);
    const changed = signedCall(token).replace(`xs:string">${CVR}<`, 'xs:string">55133018<');
    expect(refused(changed)).toMatch(/the token is not the STS's: .*digest/);
  });

  it('a token not valid yet', () => {
    const token = issue(sts);
    const early = tokenCheck({
      stsCertificatePem: sts.certificatePem,
      cvrs: [CVR],
      clock: () => new Date(now - 3600_000),
    });
    const r = early({}, signedCall(token, envelope(), new Date(now - 3600_000)));
    expect(r).toEqual({ ok: false, reason: 'OIOIDWS: the token is not valid yet' });
  });

  it('a second assertion (signature wrapping)', () => {
    const token = issue(sts);
    const xml = signedCall(token).replace(
      '</s:Body>',
      `<w xmlns="urn:w">${token.assertion.reveal()}</w></s:Body>`,
    );
    expect(refused(xml)).toBe('OIOIDWS: more than one SAML assertion');
  });
});

describe('the STS', () => {
  it('refuses an expired request, a wrong content type, and unknown services', () => {
    const at = new Date(now - 20 * 60_000);
    const stale = sts.handle(
      SOAP12_CT,
      issueRequest(creds, { stsUrl: STS_URL, cvr: CVR, appliesTo: ORGANISATION_AUDIENCE, now: at }),
    );
    expect(soapFault(parseXml(stale.xml))).toMatchObject({ subcode: 'wsse:MessageExpired' });
    const soap11 = sts.handle({ 'content-type': 'text/xml' }, '<x/>');
    expect(soapFault(parseXml(soap11.xml))?.reason).toMatch(/application\/soap\+xml/);
    expect(() => issue(sts, { appliesTo: 'http://example.invalid/service' })).toThrow(
      /No service with entity ID/,
    );
  });

  it('issues an assertion the client makes standalone and, with the STS certificate, verifies', () => {
    const reply = sts.handle(
      SOAP12_CT,
      issueRequest(creds, { stsUrl: STS_URL, cvr: CVR, appliesTo: ORGANISATION_AUDIENCE, now: clock() }),
    );
    // The STS relies on xsi and xs declared on the response's root, as real ones do.
    const inReply = /<saml2:Assertion[\s\S]*<\/saml2:Assertion>/.exec(reply.xml)![0];
    expect(inReply.slice(0, inReply.indexOf('>'))).not.toContain('xmlns:xsi');
    const token = parseIssueResponse(reply.xml, {
      cvr: CVR,
      appliesTo: ORGANISATION_AUDIENCE,
      credentials: creds,
      now: clock(),
    });
    expect(token.assertion.reveal()).toBe(
      inReply.replace('<saml2:Assertion', `<saml2:Assertion xmlns:xsi="${NS.xsi}" xmlns:xs="${NS.xs}"`),
    );
    expect(token.expiresAt.toISOString()).toBe('2026-11-23T16:00:00.000Z');

    // An earlier Lifetime/Expires wins over NotOnOrAfter.
    const shorter = reply.xml.replace(
      /<wsu:Expires>[^<]*<\/wsu:Expires>/,
      '<wsu:Expires>2026-11-23T09:00:00Z</wsu:Expires>',
    );
    const input = { cvr: CVR, appliesTo: ORGANISATION_AUDIENCE, credentials: creds, now: clock() };
    expect(parseIssueResponse(shorter, input).expiresAt.toISOString()).toBe('2026-11-23T09:00:00.000Z');

    // A changed assertion does not verify with the configured STS certificate.
    const changed = reply.xml.replace(`xs:string">${CVR}<`, 'xs:string">55133018<');
    const e = (() => {
      try {
        parseIssueResponse(changed, input);
      } catch (err) {
        return err as ConnectorError;
      }
      throw new Error('expected an error');
    })();
    expect(e.kind).toBe('invalid-config');
    expect(e.message).toMatch(/is not signed by the configured STS certificate/);
    expect(e.message).not.toContain('<saml2');

    const encrypted = reply.xml.replace(
      /<saml2:Assertion[\s\S]*<\/saml2:Assertion>/,
      `<saml2:EncryptedAssertion xmlns:saml2="${NS.saml2}"/>`,
    );
    expect(() => parseIssueResponse(encrypted, input)).toThrow(/encrypted assertion/);
    expect(URI.samlId).toContain('#SAMLID');
  });
});
