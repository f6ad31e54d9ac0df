/**
 * Signing one service call (OIOIDWS, the policy in contracts/v6/wsdl/policies/OIOIDWS.wsdl).
 * Into the SOAP Header go:
 *   - WS-Addressing Action, MessageID (urn:uuid:...), To and ReplyTo (anonymous), each with a wsu:Id;
 *   - wsse:Security (mustUnderstand) with a wsu:Timestamp (Created, Expires = +5 minutes), the
 *     SAML assertion exactly as the STS issued it, a wsse:SecurityTokenReference (wsu:Id,
 *     KeyIdentifier of ValueType SAMLID = the assertion's ID), and a ds:Signature by the
 *     holder-of-key (the system's key): rsa-sha256 over exc-c14n SignedInfo, sha256 digests of
 *     Body, Timestamp, Action, MessageID, To, ReplyTo (exc-c14n) and of the assertion through
 *     that STR (STR-Transform: the policy's ProtectTokens), KeyInfo an STR to the assertion.
 * The envelope is edited as text: the Body gets a wsu:Id, the blocks are spliced into the
 * Header, and nothing else (the assertion least of all) is re-serialised.
 */
import { randomUUID } from 'node:crypto';
import type { Element } from '@xmldom/xmldom';
import { NS, URI } from './ns.js';
import { wsSecuritySignature } from './sign.js';
import { xsdDateTime } from './sts-client.js';
import type { OioidwsToken } from './token.js';
import { elementChildren, elementSpans, esc, escapeLineSeparators, is, parseXml, spanOf } from './xml.js';

export interface SecureOptions {
  /** The SOAP action (wsa:Action), e.g. http://kombit.dk/sts/organisation/organisationenhed/laes. */
  action: string;
  /** The endpoint the message is sent to (wsa:To). */
  to: string;
  /** The Timestamp's Created (default: now). */
  now?: Date;
  /** The Timestamp's lifetime (default 5 minutes). */
  ttlMs?: number;
}

const fail = (why: string) => new Error(`OIOIDWS: cannot sign the request: ${why}`);

/** `envelopeXml` with WS-Addressing and a signed wsse:Security header for `token`. */
export function secure(envelopeXml: string, token: OioidwsToken, opts: SecureOptions): string {
  const xml = escapeLineSeparators(envelopeXml);
  let doc: ReturnType<typeof parseXml>;
  try {
    doc = parseXml(xml);
  } catch (e) {
    throw fail(`the envelope is not well-formed (${(e as Error).message})`);
  }
  const env = doc.documentElement!;
  const soapNs = env.namespaceURI;
  if (env.localName !== 'Envelope' || (soapNs !== NS.soap12 && soapNs !== NS.soap11)) {
    throw fail('the document is not a SOAP envelope');
  }
  const parts = elementChildren(env);
  const header = parts[0] && is(parts[0], soapNs, 'Header') ? parts[0] : undefined;
  const body = parts.find((p) => is(p, soapNs, 'Body'));
  if (!body) throw fail('the envelope has no Body');
  if (header) {
    for (const block of elementChildren(header)) {
      if (block.namespaceURI === NS.wsa || is(block, NS.wsse, 'Security')) {
        throw fail(`the envelope already has a ${block.localName} header`);
      }
    }
  }

  const id = (what: string) => `_${what}-${randomUUID()}`;
  const ids = {
    body: body.getAttributeNS(NS.wsu, 'Id') || id('body'),
    timestamp: id('ts'),
    action: id('action'),
    messageId: id('msgid'),
    to: id('to'),
    replyTo: id('replyto'),
    str: id('str'),
  };
  const now = opts.now ?? new Date();
  const expires = new Date(now.getTime() + (opts.ttlMs ?? 5 * 60_000));
  const envPrefix = env.prefix ?? 'oioidwsenv';
  const muDecl = env.prefix ? '' : ` xmlns:${envPrefix}="${soapNs}"`;
  const mustUnderstand = `${envPrefix}:mustUnderstand="${soapNs === NS.soap12 ? 'true' : '1'}"`;
  const wsa = (name: string, wsuId: string, content: string) =>
    `<wsa:${name} xmlns:wsa="${NS.wsa}" xmlns:wsu="${NS.wsu}" wsu:Id="${wsuId}">${content}</wsa:${name}>`;
  const str = (wsuId?: string) =>
    `<wsse:SecurityTokenReference xmlns:wsse="${NS.wsse}" xmlns:wsse11="${NS.wsse11}" ` +
    `wsse11:TokenType="${URI.saml2TokenType}"${wsuId ? ` xmlns:wsu="${NS.wsu}" wsu:Id="${wsuId}"` : ''}>` +
    `<wsse:KeyIdentifier ValueType="${URI.samlId}">${esc(token.assertionId)}</wsse:KeyIdentifier>` +
    '</wsse:SecurityTokenReference>';

  const blocksBefore =
    wsa('Action', ids.action, esc(opts.action)) +
    wsa('MessageID', ids.messageId, `urn:uuid:${randomUUID()}`) +
    wsa('To', ids.to, esc(opts.to)) +
    wsa('ReplyTo', ids.replyTo, `<wsa:Address>${URI.anonymous}</wsa:Address>`) +
    `<wsse:Security xmlns:wsse="${NS.wsse}" xmlns:wsu="${NS.wsu}"${muDecl} ${mustUnderstand}>` +
    `<wsu:Timestamp wsu:Id="${ids.timestamp}"><wsu:Created>${xsdDateTime(now)}</wsu:Created>` +
    `<wsu:Expires>${xsdDateTime(expires)}</wsu:Expires></wsu:Timestamp>` +
    token.assertion.reveal() +
    str(ids.str);
  const blocksAfter = '</wsse:Security>';

  // Text edits, applied from the end so earlier offsets stay valid.
  const spans = elementSpans(xml);
  const edits: { at: number; remove?: number; text: string }[] = [];
  if (!body.getAttributeNS(NS.wsu, 'Id'))
    edits.push(bodyIdEdit(spanOf(xml, doc, body, spans), body, ids.body));
  let splitAt: number;
  let headerOpen = '';
  let headerClose = '';
  if (header) {
    const span = spanOf(xml, doc, header, spans);
    if (span.selfClosing) {
      // <env:Header/>: rewritten as <env:Header>...</env:Header>.
      const tag = xml.slice(span.start, span.end);
      headerOpen = `${tag.slice(0, tag.lastIndexOf('/'))}>`;
      headerClose = `</${header.tagName}>`;
      edits.push({ at: span.start, remove: span.end - span.start, text: '' });
      splitAt = span.start;
    } else {
      splitAt = xml.lastIndexOf('</', span.end - 1);
    }
  } else {
    headerOpen = `<${env.prefix ? `${env.prefix}:` : ''}Header>`;
    headerClose = `</${env.prefix ? `${env.prefix}:` : ''}Header>`;
    splitAt = spanOf(xml, doc, body, spans).start;
  }
  let head = xml.slice(0, splitAt);
  let tail = xml.slice(splitAt);
  for (const e of edits.sort((a, b) => b.at - a.at)) {
    const k = e.at - splitAt;
    tail = tail.slice(0, k) + e.text + tail.slice(k + (e.remove ?? 0));
  }
  head += headerOpen + blocksBefore;
  tail = blocksAfter + headerClose + tail;

  const signature = wsSecuritySignature(head + tail, {
    key: token.key,
    ids: [ids.body, ids.timestamp, ids.action, ids.messageId, ids.to, ids.replyTo],
    strIds: [ids.str],
    keyInfo: str(),
  });
  return head + signature + tail;
}

/** Adds `wsu:Id` (and the wsu namespace) to the Body's start tag. */
function bodyIdEdit(
  span: { startTagEnd: number; selfClosing: boolean },
  body: Element,
  wsuId: string,
): { at: number; text: string } {
  const bound = body.lookupNamespaceURI('wsu');
  const decl = bound === NS.wsu ? '' : ` xmlns:wsu="${NS.wsu}"`;
  if (bound !== null && bound !== NS.wsu && body.hasAttribute('xmlns:wsu')) {
    throw fail('the Body binds the prefix wsu to another namespace');
  }
  const at = span.startTagEnd - (span.selfClosing ? 2 : 1);
  return { at, text: `${decl} wsu:Id="${wsuId}"` };
}

/**
 * What soap's `client.setSecurity()` takes. soap 1.13 (lib/client.js, `_invoke`) uses it so,
 * synchronously, while it builds each request:
 *   - `addHeaders(httpHeaders)`, when present: called first, with the HTTP headers (Content-Type,
 *     with `action="..."` under SOAP 1.2, or SOAPAction under 1.1);
 *   - `addOptions(requestOptions)`, when present: the options passed on to the HTTP request;
 *   - `toXML()`: a string put inside the env:Header, but only when there is no `postProcess`
 *     (soap installs `() => ''` when it is missing). A truthy `postProcess` makes soap write an
 *     env:Header even when there are no other headers;
 *   - `postProcess(xml, envelopeKey)`: gets the complete envelope and returns what is sent.
 * `setSecurity` is client-wide state, so it is set right before each call, with no `await` in
 * between: soap builds the envelope synchronously when the method is invoked.
 */
export interface SoapSecurity {
  addHeaders(headers: Record<string, unknown>): void;
  toXML(): string;
  postProcess(xml: string, envelopeKey?: string): string;
}

export interface SecurityForOptions {
  /** The SOAP action. Default: the one soap puts in the Content-Type (or SOAPAction) header. */
  action?: string;
  /** The endpoint URL of the call. */
  to: string;
  /** The clock for the Timestamp (default: system clock). */
  clock?: () => Date;
}

/**
 * A soap security object that signs one call with `token`. Make one per call: the token and
 * the address are this call's (a reused object takes the action of the call at hand).
 */
export function securityFor(token: OioidwsToken, opts: SecurityForOptions): SoapSecurity {
  let action = opts.action;
  return {
    addHeaders(headers) {
      if (opts.action !== undefined) return;
      const contentType = String(headers['Content-Type'] ?? '');
      const fromType = /;\s*action="([^"]*)"/.exec(contentType)?.[1];
      const fromHeader =
        typeof headers['SOAPAction'] === 'string' ? headers['SOAPAction'].replace(/^"|"$/g, '') : '';
      action = fromType || fromHeader || undefined;
    },
    toXML: () => '',
    postProcess(xml) {
      if (!action) throw fail('no SOAP action (give `action`)');
      return secure(xml, token, { action, to: opts.to, now: (opts.clock ?? (() => new Date()))() });
    },
  };
}
