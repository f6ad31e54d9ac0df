/**
 * The token client: a WS-Trust 1.3 Issue request to KOMBIT's STS (SOAP 1.2, WS-Addressing,
 * signed with the system's key: rsa-sha256, exc-c14n, sha256 digests over Body, Timestamp,
 * the addressing headers and the BinarySecurityToken), asking for a SAML 2.0 holder-of-key
 * token (KeyType PublicKey, UseKey = the system's certificate) for one service (AppliesTo)
 * and one municipality (the CvrNumberIdentifier claim).
 *
 * The answer's assertion is kept exactly as the STS wrote it. Errors: no answer, a timeout
 * or HTTP 5xx is `transient`; an STS refusal (a Sender fault) is `permission`, with the STS's
 * reason; a wrong URL or an assertion the configured STS certificate does not verify is
 * `invalid-config`. No message holds the key, the passphrase or the token.
 */
import { randomUUID } from 'node:crypto';
import type { Document, Element } from '@xmldom/xmldom';
import { ConnectorError, type ConnectorErrorKind } from '../../../src/sdk/errors.js';
import type { OioidwsConfig } from './config.js';
import type { Credentials } from './credentials.js';
import { NS, URI } from './ns.js';
import { wsSecuritySignature } from './sign.js';
import { OioidwsToken } from './token.js';
import { assertionSignatureProblem } from './verify.js';
import { childOf, descendants, elementChildren, esc, is, parseXml, standaloneElement, text } from './xml.js';

export interface TokenKey {
  cvr: string;
  appliesTo: string;
}

export interface StsClientOptions {
  /** HTTP (default: Node's fetch). */
  fetch?: typeof fetch;
  /** Clock for the request's Timestamp and the token's receivedAt (default: system clock). */
  clock?: () => Date;
}

/** xsd:dateTime to the second, UTC. */
export const xsdDateTime = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

export interface IssueRequestInput extends TokenKey {
  stsUrl: string;
  now: Date;
  /** Request lifetime (the Timestamp's Expires), default 5 minutes. */
  ttlMs?: number;
}

/** The signed Issue request (a SOAP 1.2 envelope). */
export function issueRequest(credentials: Credentials, input: IssueRequestInput): string {
  const id = (what: string) => `_${what}-${randomUUID()}`;
  const ids = {
    action: id('action'),
    messageId: id('msgid'),
    to: id('to'),
    replyTo: id('replyto'),
    timestamp: id('ts'),
    bst: id('x509'),
    body: id('body'),
  };
  const bst = (wsuId?: string) =>
    `<wsse:BinarySecurityToken${wsuId ? ` wsu:Id="${wsuId}"` : ''} EncodingType="${URI.base64Binary}" ` +
    `ValueType="${URI.x509v3}">${credentials.certificateBase64}</wsse:BinarySecurityToken>`;
  const expires = new Date(input.now.getTime() + (input.ttlMs ?? 5 * 60_000));
  const before =
    '<?xml version="1.0" encoding="UTF-8"?>' +
    `<env:Envelope xmlns:env="${NS.soap12}" xmlns:wsa="${NS.wsa}" xmlns:wsse="${NS.wsse}" xmlns:wsu="${NS.wsu}">` +
    '<env:Header>' +
    `<wsa:Action wsu:Id="${ids.action}">${URI.issueAction}</wsa:Action>` +
    `<wsa:MessageID wsu:Id="${ids.messageId}">urn:uuid:${randomUUID()}</wsa:MessageID>` +
    `<wsa:To wsu:Id="${ids.to}">${esc(input.stsUrl)}</wsa:To>` +
    `<wsa:ReplyTo wsu:Id="${ids.replyTo}"><wsa:Address>${URI.anonymous}</wsa:Address></wsa:ReplyTo>` +
    '<wsse:Security env:mustUnderstand="true">' +
    `<wsu:Timestamp wsu:Id="${ids.timestamp}"><wsu:Created>${xsdDateTime(input.now)}</wsu:Created>` +
    `<wsu:Expires>${xsdDateTime(expires)}</wsu:Expires></wsu:Timestamp>` +
    bst(ids.bst);
  const after =
    '</wsse:Security></env:Header>' +
    `<env:Body wsu:Id="${ids.body}">` +
    `<wst:RequestSecurityToken xmlns:wst="${NS.wst}" Context="urn:uuid:${randomUUID()}">` +
    `<wst:TokenType>${URI.saml2TokenType}</wst:TokenType>` +
    `<wst:RequestType>${URI.issueRequest}</wst:RequestType>` +
    `<wsp:AppliesTo xmlns:wsp="${NS.wsp}"><wsa:EndpointReference><wsa:Address>${esc(input.appliesTo)}</wsa:Address>` +
    '</wsa:EndpointReference></wsp:AppliesTo>' +
    `<wst:Claims Dialect="${URI.claimsDialect}" xmlns:auth="${NS.auth}">` +
    `<auth:ClaimType Uri="${URI.cvrClaim}"><auth:Value>${esc(input.cvr)}</auth:Value></auth:ClaimType>` +
    '</wst:Claims>' +
    `<wst:KeyType>${URI.publicKey}</wst:KeyType>` +
    `<wst:UseKey>${bst()}</wst:UseKey>` +
    '</wst:RequestSecurityToken></env:Body></env:Envelope>';
  const keyInfo =
    `<wsse:SecurityTokenReference xmlns:wsse="${NS.wsse}">` +
    `<wsse:Reference URI="#${ids.bst}" ValueType="${URI.x509v3}"/></wsse:SecurityTokenReference>`;
  const signature = wsSecuritySignature(before + after, {
    key: credentials.key,
    ids: [ids.body, ids.timestamp, ids.action, ids.messageId, ids.to, ids.replyTo, ids.bst],
    keyInfo,
  });
  return before + signature + after;
}

export interface SoapFault {
  /** Sender, Receiver... (SOAP 1.2), or the SOAP 1.1 faultcode. */
  code: string;
  subcode?: string;
  reason: string;
}

function bodyOf(doc: Document): Element | undefined {
  const env = doc.documentElement;
  if (!env) return undefined;
  if (env.localName !== 'Envelope') return undefined;
  if (env.namespaceURI !== NS.soap12 && env.namespaceURI !== NS.soap11) return undefined;
  return childOf(env, env.namespaceURI, 'Body');
}

/** The SOAP Fault in a reply, if it is one (SOAP 1.2 or 1.1). */
export function soapFault(doc: Document): SoapFault | undefined {
  const body = bodyOf(doc);
  const fault = body && elementChildren(body).find((e) => e.localName === 'Fault');
  if (!fault) return undefined;
  if (fault.namespaceURI === NS.soap12) {
    const code = childOf(fault, NS.soap12, 'Code');
    const value = code && text(childOf(code, NS.soap12, 'Value'));
    const sub = code && childOf(code, NS.soap12, 'Subcode');
    const subcode = sub && text(childOf(sub, NS.soap12, 'Value'));
    const reasonEl = childOf(fault, NS.soap12, 'Reason');
    const reason = reasonEl ? text(childOf(reasonEl, NS.soap12, 'Text')) : undefined;
    return {
      code: (value ?? '').replace(/^.*:/, ''),
      ...(subcode ? { subcode } : {}),
      reason: reason || '(no reason given)',
    };
  }
  const faultcode = text(elementChildren(fault).find((e) => e.localName === 'faultcode')) ?? '';
  const faultstring = text(elementChildren(fault).find((e) => e.localName === 'faultstring'));
  return { code: faultcode.replace(/^.*:/, ''), reason: faultstring || '(no reason given)' };
}

const clip = (s: string, n = 500) => (s.length > n ? `${s.slice(0, n)}...` : s);

export interface ParseIssueInput extends TokenKey {
  credentials: Credentials;
  now: Date;
}

/** The token in a successful Issue response; throws a ConnectorError when there is none. */
export function parseIssueResponse(xml: string, input: ParseIssueInput): OioidwsToken {
  const what = `OIOIDWS: the STS's reply for CVR ${input.cvr} (${input.appliesTo})`;
  const bad = (kind: ConnectorErrorKind, why: string) => new ConnectorError(kind, `${what} ${why}`);
  let doc: Document;
  try {
    doc = parseXml(xml);
  } catch {
    throw bad('transient', 'is not well-formed XML');
  }
  const body = bodyOf(doc);
  if (!body) throw bad('transient', 'is not a SOAP envelope');
  const responses = descendants(body, NS.wst, 'RequestSecurityTokenResponse');
  if (responses.length !== 1) {
    throw bad('invalid-value', `holds ${responses.length} RequestSecurityTokenResponse elements, not one`);
  }
  const rstr = responses[0]!;
  const requested = childOf(rstr, NS.wst, 'RequestedSecurityToken');
  const tokenEl = requested && elementChildren(requested)[0];
  if (!tokenEl) throw bad('invalid-value', 'has no RequestedSecurityToken');
  if (is(tokenEl, NS.saml2, 'EncryptedAssertion')) {
    throw bad('invalid-config', 'holds an encrypted assertion, which orgsync does not support');
  }
  if (!is(tokenEl, NS.saml2, 'Assertion')) {
    throw bad(
      'invalid-value',
      `holds {${tokenEl.namespaceURI}}${tokenEl.localName}, not a SAML 2.0 assertion`,
    );
  }
  const assertionId = tokenEl.getAttribute('ID');
  if (!assertionId) throw bad('invalid-value', 'holds an assertion without an ID');

  const expiries: Date[] = [];
  const lifetime = childOf(rstr, NS.wst, 'Lifetime');
  const lifetimeExpires = lifetime && text(childOf(lifetime, NS.wsu, 'Expires'));
  if (lifetimeExpires) expiries.push(new Date(lifetimeExpires));
  const conditions = childOf(tokenEl, NS.saml2, 'Conditions');
  const notOnOrAfter = conditions?.getAttribute('NotOnOrAfter');
  if (notOnOrAfter) expiries.push(new Date(notOnOrAfter));
  if (!expiries.length || expiries.some((d) => Number.isNaN(d.getTime()))) {
    throw bad(
      'invalid-value',
      'gives no (valid) expiry: neither Lifetime/Expires nor Conditions/NotOnOrAfter',
    );
  }
  const expiresAt = new Date(Math.min(...expiries.map((d) => d.getTime())));
  if (expiresAt.getTime() <= input.now.getTime()) {
    throw bad('invalid-value', `holds a token that expired at ${expiresAt.toISOString()} (check the clock)`);
  }
  if (conditions) {
    const audiences = descendants(conditions, NS.saml2, 'Audience').map((a) => text(a));
    if (audiences.length && !audiences.includes(input.appliesTo)) {
      throw bad('permission', `holds a token for another audience (${audiences.join(', ')})`);
    }
  }

  const assertionXml = standaloneElement(xml, doc, tokenEl);
  if (input.credentials.stsCertificatePem) {
    // Checked on the standalone copy: what is sent is what verified.
    const standalone = parseXml(assertionXml);
    const problem = assertionSignatureProblem(
      assertionXml,
      standalone,
      standalone.documentElement!,
      input.credentials.stsCertificatePem,
    );
    if (problem) throw bad('invalid-config', `is not signed by the configured STS certificate: ${problem}`);
  }
  return new OioidwsToken({
    assertionXml,
    assertionId,
    cvr: input.cvr,
    appliesTo: input.appliesTo,
    receivedAt: input.now,
    expiresAt,
    key: input.credentials.key,
  });
}

export class StsClient {
  readonly #config: OioidwsConfig;
  readonly #credentials: Credentials;
  readonly #fetch: typeof fetch;
  readonly #clock: () => Date;

  constructor(config: OioidwsConfig, credentials: Credentials, opts: StsClientOptions = {}) {
    this.#config = config;
    this.#credentials = credentials;
    this.#fetch = opts.fetch ?? fetch;
    this.#clock = opts.clock ?? (() => new Date());
  }

  /** Asks the STS for a token (for the configured CVR and service unless told otherwise). */
  async issue(key: Partial<TokenKey> = {}): Promise<OioidwsToken> {
    const cvr = key.cvr ?? this.#config.cvr;
    const appliesTo = key.appliesTo ?? this.#config.appliesTo;
    const url = this.#config.stsUrl;
    const what = `OIOIDWS: token for CVR ${cvr} (${appliesTo}) from ${url}`;
    const body = issueRequest(this.#credentials, { stsUrl: url, cvr, appliesTo, now: this.#clock() });
    const timeoutMs = this.#config.timeoutMs;
    let status: number;
    let reply: string;
    try {
      const res = await this.#fetch(url, {
        method: 'POST',
        headers: { 'content-type': `application/soap+xml; charset=utf-8; action="${URI.issueAction}"` },
        body,
        signal: AbortSignal.timeout(timeoutMs),
      });
      status = res.status;
      reply = await res.text();
    } catch (e) {
      const err = e as { name?: string; cause?: { code?: string; message?: string }; message?: string };
      const why =
        err?.name === 'TimeoutError' || err?.name === 'AbortError'
          ? `no answer within ${timeoutMs} ms`
          : (err?.cause?.code ?? err?.cause?.message ?? err?.message ?? 'no answer');
      throw new ConnectorError('transient', `${what}: the STS did not answer (${why})`, { cause: e });
    }

    let fault: SoapFault | undefined;
    try {
      fault = soapFault(parseXml(reply));
    } catch {
      fault = undefined;
    }
    if (fault) {
      const kind: ConnectorErrorKind =
        fault.code === 'Receiver' || fault.code === 'Server' ? 'transient' : 'permission';
      const sub = fault.subcode ? ` [${fault.subcode}]` : '';
      throw new ConnectorError(kind, `${what}: the STS refused${sub}: ${clip(fault.reason)}`);
    }
    if (status >= 500) throw new ConnectorError('transient', `${what}: the STS answered HTTP ${status}`);
    if (status === 404) throw new ConnectorError('invalid-config', `${what}: no STS at that URL (HTTP 404)`);
    if (status === 401 || status === 403) {
      throw new ConnectorError('permission', `${what}: the STS answered HTTP ${status}`);
    }
    if (status !== 200)
      throw new ConnectorError('invalid-config', `${what}: the STS answered HTTP ${status}`);
    return parseIssueResponse(reply, { cvr, appliesTo, credentials: this.#credentials, now: this.#clock() });
  }
}
