/**
 * A simulated KOMBIT STS (WS-Trust 1.3 Issue, SOAP 1.2), served by the FK simulator at
 * STS_PATH. It checks a request as the real one does, as far as orgsync can tell:
 *   - a SOAP 1.2 envelope with wsse:Security: a valid Timestamp, a BinarySecurityToken and a
 *     signature by its certificate (rsa-sha256, exc-c14n, sha256) over Body, Timestamp and the
 *     WS-Addressing headers                                       -> wsse:InvalidSecurity / FailedCheck
 *   - a RequestSecurityToken for a SAML 2.0 token, KeyType PublicKey, an AppliesTo it issues
 *     for, and the CvrNumberIdentifier claim                     -> wst:InvalidRequest / InvalidScope
 *   - the certificate registered, for that CVR                    -> wst:FailedAuthentication
 * and issues a SAML 2.0 assertion: Issuer, the STS's enveloped signature, a holder-of-key
 * Subject carrying the client's certificate, Conditions (NotBefore, NotOnOrAfter,
 * AudienceRestriction = AppliesTo) and the CVR attribute. Faults are HTTP 500.
 *
 * The assertion leaves the STS relying on namespace declarations (xsi, xs) made on the
 * response's root, as real STSs' answers do: a client must make it standalone.
 */
import { randomUUID, X509Certificate } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Document, Element } from '@xmldom/xmldom';
import { SignedXml } from 'xml-crypto';
import { NS, ORGANISATION_AUDIENCE, URI } from '../oioidws/ns.js';
import { xsdDateTime } from '../oioidws/sts-client.js';
import { checkMessageSignature } from '../oioidws/verify.js';
import { childOf, descendants, elementChildren, esc, idOf, is, parseXml, text } from '../oioidws/xml.js';
import { makeStsCertificate, type TestCertificate } from './certs.js';
import { type Fault, faultEnvelope } from './envelope.js';

export interface StsClientRegistration {
  cvr: string;
  certificatePem: string;
}

export interface SimulatedStsOptions {
  /** The municipalities' certificates, each registered for a CVR (a certificate may serve several). */
  clients: StsClientRegistration[];
  /** The STS's signing certificate and key (default: made at start, which takes a moment). */
  signer?: TestCertificate;
  /** The services (AppliesTo) tokens are issued for. Default: FK Organisation's. */
  audiences?: string[];
  /** Default 8 hours. */
  tokenLifetimeMs?: number;
  clock?: () => Date;
  /** Allowed difference between the client's clock and this one (default 5 minutes). */
  clockSkewMs?: number;
  /** The assertions' Issuer. */
  issuer?: string;
}

export interface StsRecord {
  status: 'issued' | 'fault';
  cvr?: string;
  appliesTo?: string;
  assertionId?: string;
  /** The fault's reason. */
  reason?: string;
  at: Date;
}

export interface SimulatedSts {
  certificatePem: string;
  requests: StsRecord[];
  handle(headers: IncomingHttpHeaders, body: string): { http: number; xml: string };
}

class Refusal extends Error {
  constructor(
    readonly fault: Fault,
    readonly record: Partial<StsRecord> = {},
  ) {
    super(fault.reason);
  }
}

const wst = (local: string) => ({ ns: NS.wst, prefix: 'wst', local });
const wsse = (local: string) => ({ ns: NS.wsse, prefix: 'wsse', local });
const refuse = (subcode: Fault['subcode'], reason: string, record: Partial<StsRecord> = {}) =>
  new Refusal({ code: 'Sender', ...(subcode ? { subcode } : {}), reason }, record);

const der = (pem: string) => new X509Certificate(pem).raw;
const toPem = (base64: string) =>
  `-----BEGIN CERTIFICATE-----\n${(base64.replace(/\s+/g, '').match(/.{1,64}/g) ?? []).join('\n')}\n-----END CERTIFICATE-----\n`;

export async function createSimulatedSts(opts: SimulatedStsOptions): Promise<SimulatedSts> {
  const signer = opts.signer ?? (await makeStsCertificate());
  const signerBase64 = der(signer.certificatePem).toString('base64');
  const clock = opts.clock ?? (() => new Date());
  const skew = opts.clockSkewMs ?? 5 * 60_000;
  const lifetime = opts.tokenLifetimeMs ?? 8 * 3600_000;
  const audiences = new Set(opts.audiences ?? [ORGANISATION_AUDIENCE]);
  const issuer = opts.issuer ?? 'https://sts.simulator.orgsync.invalid/';
  const clients = opts.clients.map((c) => ({ cvr: c.cvr, der: der(c.certificatePem) }));
  const requests: StsRecord[] = [];

  function issue(xml: string): { xml: string; record: Partial<StsRecord> } {
    let doc: Document;
    try {
      doc = parseXml(xml);
    } catch (e) {
      throw refuse(undefined, `The request is not well-formed XML: ${(e as Error).message}`);
    }
    const env = doc.documentElement!;
    if (!is(env, NS.soap12, 'Envelope')) throw refuse(undefined, 'Expected a SOAP 1.2 envelope');
    const [header, body] = elementChildren(env);
    if (!header || !is(header, NS.soap12, 'Header') || !body || !is(body, NS.soap12, 'Body')) {
      throw refuse(undefined, 'The envelope must hold env:Header and env:Body');
    }
    const now = clock();

    // --- wsse:Security: Timestamp, BinarySecurityToken, Signature ---------------------------
    const security = elementChildren(header).filter((h) => is(h, NS.wsse, 'Security'));
    if (security.length !== 1) throw refuse(wsse('InvalidSecurity'), 'Expected one wsse:Security header');
    const sec = security[0]!;
    const timestamp = childOf(sec, NS.wsu, 'Timestamp');
    const timeProblem = timestampProblem(timestamp, now, skew);
    if (timeProblem) throw refuse(wsse('MessageExpired'), timeProblem);
    const signature = childOf(sec, NS.ds, 'Signature');
    if (!signature) throw refuse(wsse('InvalidSecurity'), 'The request is not signed');
    const keyInfo = childOf(signature, NS.ds, 'KeyInfo');
    const str = keyInfo && childOf(keyInfo, NS.wsse, 'SecurityTokenReference');
    const bstRef = str && childOf(str, NS.wsse, 'Reference')?.getAttribute('URI');
    const bst = elementChildren(sec).find(
      (e) => is(e, NS.wsse, 'BinarySecurityToken') && bstRef === `#${e.getAttributeNS(NS.wsu, 'Id')}`,
    );
    if (!bst || bst.getAttribute('ValueType') !== URI.x509v3) {
      throw refuse(wsse('InvalidSecurityToken'), 'The signature must name an X509v3 BinarySecurityToken');
    }
    let certPem: string;
    try {
      certPem = new X509Certificate(toPem(text(bst) ?? '')).toString();
    } catch {
      throw refuse(wsse('InvalidSecurityToken'), 'The BinarySecurityToken is not an X.509 certificate');
    }
    const signed = checkMessageSignature(xml, doc, signature, certPem);
    if ('problem' in signed) throw refuse(wsse('FailedCheck'), `The signature is invalid: ${signed.problem}`);
    const wsaHeaders = elementChildren(header).filter((h) => h.namespaceURI === NS.wsa);
    for (const name of ['Action', 'MessageID', 'To']) {
      if (!wsaHeaders.some((h) => h.localName === name)) {
        throw refuse(wsse('InvalidSecurity'), `WS-Addressing ${name} is missing`);
      }
    }
    for (const el of [body, timestamp!, ...wsaHeaders]) {
      const id = idOf(el, NS.wsu);
      if (!id || !signed.ids.has(id)) {
        throw refuse(wsse('FailedCheck'), `The signature does not cover {${el.namespaceURI}}${el.localName}`);
      }
    }
    const action = text(wsaHeaders.find((h) => h.localName === 'Action'));
    if (action !== URI.issueAction) throw refuse(wst('InvalidRequest'), `Unsupported action '${action}'`);

    // --- the RequestSecurityToken ------------------------------------------------------------
    const rst = elementChildren(body)[0];
    if (!rst || !is(rst, NS.wst, 'RequestSecurityToken')) {
      throw refuse(wst('InvalidRequest'), 'The Body must hold a wst:RequestSecurityToken (WS-Trust 1.3)');
    }
    const field = (name: string) => text(childOf(rst, NS.wst, name));
    if (field('RequestType') !== URI.issueRequest)
      throw refuse(wst('InvalidRequest'), 'RequestType must be Issue');
    if (field('TokenType') !== URI.saml2TokenType) {
      throw refuse(wst('InvalidRequest'), 'TokenType must be SAML 2.0 (SAMLV2.0)');
    }
    if (field('KeyType') !== URI.publicKey) {
      throw refuse(wst('InvalidRequest'), 'KeyType must be PublicKey (holder-of-key)');
    }
    const appliesToEl = childOf(rst, NS.wsp, 'AppliesTo') ?? childOf(rst, NS.wsp15, 'AppliesTo');
    const appliesTo = appliesToEl && text(descendants(appliesToEl, NS.wsa, 'Address')[0]);
    if (!appliesTo) throw refuse(wst('InvalidRequest'), 'AppliesTo is missing');
    const claims = childOf(rst, NS.wst, 'Claims');
    const cvrClaim =
      claims && descendants(claims, NS.auth, 'ClaimType').find((c) => c.getAttribute('Uri') === URI.cvrClaim);
    const cvr = cvrClaim && text(childOf(cvrClaim, NS.auth, 'Value'));
    const record = { appliesTo, ...(cvr ? { cvr } : {}) };
    if (!cvr) throw refuse(wst('InvalidRequest'), `The claim ${URI.cvrClaim} is missing`, record);
    if (!audiences.has(appliesTo)) {
      throw refuse(wst('InvalidScope'), `No service with entity ID '${appliesTo}' is known`, record);
    }
    const useKey = childOf(rst, NS.wst, 'UseKey');
    const useBst = useKey && childOf(useKey, NS.wsse, 'BinarySecurityToken');
    const certDer = new X509Certificate(certPem).raw;
    if (useBst && !Buffer.from(text(useBst) ?? '', 'base64').equals(certDer)) {
      throw refuse(
        wst('InvalidRequest'),
        'UseKey must be the certificate the request is signed with',
        record,
      );
    }

    // --- who is asking ------------------------------------------------------------------------
    const subject = new X509Certificate(certPem).subject.replace(/\n/g, ', ');
    const registered = clients.filter((c) => c.der.equals(certDer));
    if (!registered.length) {
      throw refuse(wst('FailedAuthentication'), `The certificate '${subject}' is not registered`, record);
    }
    if (!registered.some((c) => c.cvr === cvr)) {
      throw refuse(
        wst('FailedAuthentication'),
        `The certificate '${subject}' has no service agreement for CVR ${cvr}`,
        record,
      );
    }

    // --- the token ----------------------------------------------------------------------------
    const assertionId = `_${randomUUID()}`;
    const notOnOrAfter = new Date(now.getTime() + lifetime);
    const assertion = signedAssertion({
      id: assertionId,
      issuer,
      now,
      notOnOrAfter,
      appliesTo,
      cvr,
      subject,
      clientCertBase64: certDer.toString('base64'),
    });
    const messageId = text(wsaHeaders.find((h) => h.localName === 'MessageID')) ?? '';
    const reply =
      '<?xml version="1.0" encoding="UTF-8"?>' +
      `<env:Envelope xmlns:env="${NS.soap12}" xmlns:wsa="${NS.wsa}" xmlns:xsi="${NS.xsi}" xmlns:xs="${NS.xs}">` +
      `<env:Header><wsa:Action>${URI.issueFinalAction}</wsa:Action>` +
      `<wsa:RelatesTo>${esc(messageId)}</wsa:RelatesTo></env:Header><env:Body>` +
      `<wst:RequestSecurityTokenResponseCollection xmlns:wst="${NS.wst}" xmlns:wsu="${NS.wsu}" xmlns:wsp="${NS.wsp}">` +
      '<wst:RequestSecurityTokenResponse>' +
      `<wst:TokenType>${URI.saml2TokenType}</wst:TokenType>` +
      `<wst:RequestedSecurityToken>${assertion}</wst:RequestedSecurityToken>` +
      `<wsp:AppliesTo><wsa:EndpointReference><wsa:Address>${esc(appliesTo)}</wsa:Address></wsa:EndpointReference></wsp:AppliesTo>` +
      `<wst:Lifetime><wsu:Created>${xsdDateTime(now)}</wsu:Created><wsu:Expires>${xsdDateTime(notOnOrAfter)}</wsu:Expires></wst:Lifetime>` +
      `<wst:KeyType>${URI.publicKey}</wst:KeyType>` +
      '</wst:RequestSecurityTokenResponse></wst:RequestSecurityTokenResponseCollection>' +
      '</env:Body></env:Envelope>';
    return { xml: reply, record: { ...record, assertionId } };
  }

  function signedAssertion(a: {
    id: string;
    issuer: string;
    now: Date;
    notOnOrAfter: Date;
    appliesTo: string;
    cvr: string;
    subject: string;
    clientCertBase64: string;
  }): string {
    const unsigned =
      `<saml2:Assertion xmlns:saml2="${NS.saml2}" xmlns:xsi="${NS.xsi}" xmlns:xs="${NS.xs}" ` +
      `ID="${a.id}" IssueInstant="${xsdDateTime(a.now)}" Version="2.0">` +
      `<saml2:Issuer>${esc(a.issuer)}</saml2:Issuer>` +
      '<saml2:Subject>' +
      `<saml2:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:X509SubjectName">${esc(a.subject)}</saml2:NameID>` +
      `<saml2:SubjectConfirmation Method="${URI.holderOfKey}">` +
      '<saml2:SubjectConfirmationData xsi:type="saml2:KeyInfoConfirmationDataType">' +
      `<ds:KeyInfo xmlns:ds="${NS.ds}"><ds:X509Data><ds:X509Certificate>${a.clientCertBase64}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>` +
      '</saml2:SubjectConfirmationData></saml2:SubjectConfirmation></saml2:Subject>' +
      `<saml2:Conditions NotBefore="${xsdDateTime(a.now)}" NotOnOrAfter="${xsdDateTime(a.notOnOrAfter)}">` +
      `<saml2:AudienceRestriction><saml2:Audience>${esc(a.appliesTo)}</saml2:Audience></saml2:AudienceRestriction>` +
      '</saml2:Conditions>' +
      '<saml2:AttributeStatement>' +
      `<saml2:Attribute Name="${URI.cvrClaim}" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:basic">` +
      `<saml2:AttributeValue xsi:type="xs:string">${esc(a.cvr)}</saml2:AttributeValue></saml2:Attribute>` +
      '</saml2:AttributeStatement></saml2:Assertion>';
    const sx = new SignedXml({
      privateKey: signer.privateKeyPem,
      signatureAlgorithm: URI.rsaSha256,
      canonicalizationAlgorithm: URI.excC14n,
      getKeyInfoContent: () =>
        `<ds:X509Data><ds:X509Certificate>${signerBase64}</ds:X509Certificate></ds:X509Data>`,
    });
    sx.addReference({
      xpath: '/*',
      transforms: [URI.envelopedSignature, URI.excC14n],
      digestAlgorithm: URI.sha256,
    });
    sx.computeSignature(unsigned, {
      prefix: 'ds',
      location: { reference: `/*/*[local-name(.)='Issuer']`, action: 'after' },
    });
    // The xsi and xs declarations move to the response's root (they are declared there).
    const signed = sx.getSignedXml();
    const tagEnd = signed.indexOf('>');
    const startTag = signed
      .slice(0, tagEnd)
      .replace(` xmlns:xsi="${NS.xsi}"`, '')
      .replace(` xmlns:xs="${NS.xs}"`, '');
    return startTag + signed.slice(tagEnd);
  }

  return {
    certificatePem: signer.certificatePem,
    requests,
    handle(headers, body) {
      const at = new Date();
      const type = (headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      try {
        if (type !== 'application/soap+xml') {
          throw refuse(
            undefined,
            `Content-Type must be application/soap+xml (SOAP 1.2), got '${type || '(none)'}'`,
          );
        }
        const { xml, record } = issue(body);
        requests.push({ status: 'issued', ...record, at });
        return { http: 200, xml };
      } catch (e) {
        if (!(e instanceof Refusal)) throw e;
        requests.push({ status: 'fault', ...e.record, reason: e.fault.reason, at });
        return { http: 500, xml: faultEnvelope(e.fault) };
      }
    },
  };
}

/** Why a wsu:Timestamp is not acceptable now, or undefined. */
export function timestampProblem(
  timestamp: Element | undefined,
  now: Date,
  skewMs: number,
): string | undefined {
  if (!timestamp) return 'The wsse:Security header has no wsu:Timestamp';
  const created = new Date(text(childOf(timestamp, NS.wsu, 'Created')) ?? '');
  const expiresText = text(childOf(timestamp, NS.wsu, 'Expires'));
  const expires = expiresText === undefined ? undefined : new Date(expiresText);
  if (Number.isNaN(created.getTime()) || (expires && Number.isNaN(expires.getTime()))) {
    return 'The Timestamp is not valid xsd:dateTime';
  }
  if (created.getTime() > now.getTime() + skewMs) return 'The Timestamp was created in the future';
  if (!expires) return 'The Timestamp has no Expires';
  if (expires.getTime() + skewMs <= now.getTime()) return 'The message has expired (Timestamp)';
  return undefined;
}
