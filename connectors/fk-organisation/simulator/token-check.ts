/**
 * The simulator's OIOIDWS check of a service call (an `auth` hook for startFkSimulator). A call
 * is refused, with the reason as a wsse:InvalidSecurity fault, unless:
 *   - the Header has exactly one wsse:Security, with a wsu:Timestamp valid now (± skew);
 *   - it carries exactly one SAML 2.0 assertion, signed by the STS (enveloped, exc-c14n, the
 *     STS certificate, not the assertion's KeyInfo), valid now (NotBefore/NotOnOrAfter ± skew),
 *     for this service (AudienceRestriction), with a holder-of-key SubjectConfirmation holding
 *     a certificate;
 *   - a ds:Signature in wsse:Security, whose KeyInfo names the assertion, verifies with that
 *     holder-of-key certificate and covers Body, Timestamp, every WS-Addressing header (Action,
 *     MessageID and To required) and the assertion (through an STR-Transform, or directly);
 *   - the assertion's CvrNumberIdentifier is a CVR this simulator serves.
 * Accepted calls give { ok: true, cvr }.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Document, Element } from '@xmldom/xmldom';
import { NS, ORGANISATION_AUDIENCE, URI } from '../oioidws/ns.js';
import { strAssertionId } from '../oioidws/str-transform.js';
import { assertionSignatureProblem, checkMessageSignature } from '../oioidws/verify.js';
import {
  childOf,
  childrenOf,
  descendants,
  elementChildren,
  idOf,
  is,
  parseXml,
  text,
} from '../oioidws/xml.js';
import type { AuthResult } from './server.js';
import { timestampProblem } from './sts.js';

export interface TokenCheckOptions {
  /** The STS's signing certificate (PEM): assertions must be signed with its key. */
  stsCertificatePem: string;
  /** The CVRs (municipalities) this service serves. */
  cvrs: string[];
  /** This service's entity ID; the assertion's audience. Default: FK Organisation's. */
  audience?: string;
  clock?: () => Date;
  /** Allowed clock difference (default 60 s). */
  clockSkewMs?: number;
}

export type AuthHook = (headers: IncomingHttpHeaders, envelopeXml: string) => AuthResult;

const toPem = (base64: string) =>
  `-----BEGIN CERTIFICATE-----\n${(base64.replace(/\s+/g, '').match(/.{1,64}/g) ?? []).join('\n')}\n-----END CERTIFICATE-----\n`;

export function tokenCheck(opts: TokenCheckOptions): AuthHook {
  const audience = opts.audience ?? ORGANISATION_AUDIENCE;
  const cvrs = new Set(opts.cvrs);
  const clock = opts.clock ?? (() => new Date());
  const skew = opts.clockSkewMs ?? 60_000;
  const no = (reason: string): AuthResult => ({ ok: false, reason: `OIOIDWS: ${reason}` });

  return (_headers, xml) => {
    let doc: Document;
    try {
      doc = parseXml(xml);
    } catch (e) {
      return no(`the message cannot be read (${(e as Error).message})`);
    }
    const env = doc.documentElement!;
    const soapNs = env.namespaceURI ?? '';
    const parts = elementChildren(env);
    const header = parts[0] && is(parts[0], soapNs, 'Header') ? parts[0] : undefined;
    const body = parts.find((p) => is(p, soapNs, 'Body'));
    if (!header || !body) return no('the message has no SOAP Header');
    const now = clock();

    const security = childrenOf(header, NS.wsse, 'Security');
    if (security.length !== 1) {
      return no(
        security.length ? 'more than one wsse:Security header' : 'no wsse:Security header (no token)',
      );
    }
    const sec = security[0]!;
    const timestamp = childOf(sec, NS.wsu, 'Timestamp');
    const timeProblem = timestampProblem(timestamp, now, skew);
    if (timeProblem) return no(timeProblem);

    // --- the assertion -------------------------------------------------------------------------
    const assertions = descendants(env, NS.saml2, 'Assertion');
    const assertion = childOf(sec, NS.saml2, 'Assertion');
    if (!assertion || assertions.length !== 1) {
      return no(assertion ? 'more than one SAML assertion' : 'no SAML assertion in wsse:Security (no token)');
    }
    const assertionId = assertion.getAttribute('ID') ?? '';
    const stsProblem = assertionSignatureProblem(xml, doc, assertion, opts.stsCertificatePem);
    if (stsProblem) return no(`the token is not the STS's: ${stsProblem}`);
    const conditions = childOf(assertion, NS.saml2, 'Conditions');
    const notBefore = conditions?.getAttribute('NotBefore');
    const notOnOrAfter = conditions?.getAttribute('NotOnOrAfter');
    if (!notOnOrAfter) return no('the token has no NotOnOrAfter');
    if (notBefore && new Date(notBefore).getTime() > now.getTime() + skew)
      return no('the token is not valid yet');
    if (!(new Date(notOnOrAfter).getTime() + skew > now.getTime())) {
      return no(`the token expired at ${notOnOrAfter}`);
    }
    const audiences = conditions ? descendants(conditions, NS.saml2, 'Audience').map((a) => text(a)) : [];
    if (!audiences.includes(audience)) {
      return no(`the token is for ${audiences.join(', ') || 'no audience'}, not ${audience}`);
    }
    const hokCert = holderOfKeyCertificate(assertion);
    if (!hokCert) return no('the token has no holder-of-key SubjectConfirmation with a certificate');

    // --- the message signature -----------------------------------------------------------------
    const signature = childOf(sec, NS.ds, 'Signature');
    if (!signature) return no('the message is not signed');
    const keyInfo = childOf(signature, NS.ds, 'KeyInfo');
    const keyStr = keyInfo && childOf(keyInfo, NS.wsse, 'SecurityTokenReference');
    if (!keyStr || strAssertionId(keyStr) !== assertionId) {
      return no("the signature's KeyInfo does not name the token");
    }
    const signed = checkMessageSignature(xml, doc, signature, toPem(hokCert));
    if ('problem' in signed) return no(signed.problem);
    const wsaHeaders = elementChildren(header).filter((h) => h.namespaceURI === NS.wsa);
    for (const name of ['Action', 'MessageID', 'To']) {
      if (!wsaHeaders.some((h) => h.localName === name)) return no(`WS-Addressing ${name} is missing`);
    }
    for (const el of [body, timestamp!, ...wsaHeaders]) {
      const id = idOf(el, NS.wsu);
      if (!id || !signed.ids.has(id)) return no(`the signature does not cover ${el.localName}`);
    }
    if (!signed.assertionIds.has(assertionId) && !signed.ids.has(assertionId)) {
      return no('the signature does not cover the token');
    }

    // --- whose call it is ----------------------------------------------------------------------
    const cvr = cvrOf(assertion);
    if (!cvr) return no(`the token has no ${URI.cvrClaim}`);
    if (!cvrs.has(cvr)) return no(`CVR ${cvr} is not a municipality this service serves`);
    return { ok: true, cvr };
  };
}

function holderOfKeyCertificate(assertion: Element): string | undefined {
  const subject = childOf(assertion, NS.saml2, 'Subject');
  for (const sc of subject ? childrenOf(subject, NS.saml2, 'SubjectConfirmation') : []) {
    if (sc.getAttribute('Method') !== URI.holderOfKey) continue;
    const cert = descendants(sc, NS.ds, 'X509Certificate')[0];
    if (cert) return text(cert);
  }
  return undefined;
}

function cvrOf(assertion: Element): string | undefined {
  for (const statement of childrenOf(assertion, NS.saml2, 'AttributeStatement')) {
    for (const attr of childrenOf(statement, NS.saml2, 'Attribute')) {
      if (attr.getAttribute('Name') === URI.cvrClaim) return text(childOf(attr, NS.saml2, 'AttributeValue'));
    }
  }
  return undefined;
}
