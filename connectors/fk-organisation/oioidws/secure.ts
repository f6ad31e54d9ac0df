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
import { c14nText, excC14n, sha256 } from './c14n.js';
import { NS, URI } from './ns.js';
import { signatureOver } from './sign.js';
import { xsdDateTime } from './sts-client.js';
import type { OioidwsToken } from './token.js';
import {
  allElements,
  type ElementSpan,
  elementChildren,
  elementSpans,
  esc,
  escapeLineSeparators,
  is,
  parseXml,
} from './xml.js';

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

/** What every call signed with one token shares, worked out at its first call. */
interface TokenDigest {
  /**
   * The STR-Transform's output digested: the assertion under exc-c14n. The assertion is the
   * same text in every message and declares every prefix it uses (the STS client made it
   * standalone), so its canonical form is the same wherever it is spliced; canonicalising it
   * (~5 KB) once per token instead of once per call is most of what this cache saves.
   */
  assertion: string;
  /**
   * Whether an element of the assertion has no namespace. Such an element would take the
   * default namespace of an envelope that declares one, so neither the digest above nor the
   * STS's signature would hold there; `secure` refuses that combination.
   */
  unqualified: boolean;
}

const tokenDigests = new WeakMap<OioidwsToken, TokenDigest>();

function tokenDigest(token: OioidwsToken): TokenDigest {
  let known = tokenDigests.get(token);
  if (!known) {
    const doc = parseXml(token.assertion.reveal());
    const assertion = doc.documentElement!;
    if (!is(assertion, NS.saml2, 'Assertion') || assertion.getAttribute('ID') !== token.assertionId) {
      throw fail('the token is not a SAML 2.0 assertion with its ID');
    }
    known = {
      assertion: sha256(excC14n(assertion)),
      unqualified: allElements(doc).some((el) => !el.namespaceURI),
    };
    tokenDigests.set(token, known);
  }
  return known;
}

/** An xsd:ID (an NCName, ASCII here): an ID that is the same text escaped or canonical. */
const XSD_ID = /^[A-Za-z_][\w.-]*$/;
/** What a URI in wsa:Action or wsa:To cannot hold: control characters and line separators. */
const NOT_IN_URI = /[\u0000-\u001f\u007f\u0085\u2028\u2029]/;

/**
 * `envelopeXml` with WS-Addressing and a signed wsse:Security header for `token`.
 *
 * The envelope is parsed once, to find its Header and Body and to digest the Body; nothing
 * else is parsed. The blocks added to the Header are written here in exc-c14n form (or one
 * namespace declaration away from it), so their digests are taken from the text; the
 * assertion's digest is the token's (`tokenDigest`); SignedInfo is written and signed by
 * `signatureOver`. What is signed is what xml-crypto signed before: Body, Timestamp, Action,
 * MessageID, To, ReplyTo and the assertion through the STR, with the same algorithms.
 * sign.unit.test.ts checks the result with xml-crypto's own verification.
 */
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
  for (const value of [opts.action, opts.to]) {
    if (NOT_IN_URI.test(value)) throw fail('the action or address holds control characters');
  }
  const known = tokenDigest(token);
  if (known.unqualified && defaultNamespaceOf(header ?? env)) {
    throw fail('the assertion has elements in no namespace and the envelope a default namespace');
  }

  // Everything the signature names must be unambiguous, as a receiver will require.
  const all = allElements(doc);
  const existingBodyId = body.getAttributeNS(NS.wsu, 'Id');
  if (existingBodyId && !XSD_ID.test(existingBodyId)) throw fail("the Body's wsu:Id is not an xsd:ID");
  for (const el of all) {
    if (el !== body && existingBodyId && el.getAttributeNS(NS.wsu, 'Id') === existingBodyId) {
      throw fail("another element has the Body's wsu:Id");
    }
    if (is(el, NS.saml2, 'Assertion') && el.getAttribute('ID') === token.assertionId) {
      throw fail("the envelope already holds the token's assertion");
    }
  }

  const id = (what: string) => `_${what}-${randomUUID()}`;
  const ids = {
    body: existingBodyId || id('body'),
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
  // Each addressing header declares what it uses, its attributes are in order and its text is
  // escaped as exc-c14n escapes it: the text written is the element's canonical form.
  const wsa = (name: string, wsuId: string, content: string) =>
    `<wsa:${name} xmlns:wsa="${NS.wsa}" xmlns:wsu="${NS.wsu}" wsu:Id="${wsuId}">${content}</wsa:${name}>`;
  const str = (wsuId?: string) =>
    `<wsse:SecurityTokenReference xmlns:wsse="${NS.wsse}" xmlns:wsse11="${NS.wsse11}" ` +
    `wsse11:TokenType="${URI.saml2TokenType}"${wsuId ? ` xmlns:wsu="${NS.wsu}" wsu:Id="${wsuId}"` : ''}>` +
    `<wsse:KeyIdentifier ValueType="${URI.samlId}">${esc(token.assertionId)}</wsse:KeyIdentifier>` +
    '</wsse:SecurityTokenReference>';
  const action = wsa('Action', ids.action, c14nText(opts.action));
  const messageId = wsa('MessageID', ids.messageId, `urn:uuid:${randomUUID()}`);
  const to = wsa('To', ids.to, c14nText(opts.to));
  const replyTo = wsa('ReplyTo', ids.replyTo, `<wsa:Address>${URI.anonymous}</wsa:Address>`);
  // The Timestamp inherits xmlns:wsu from wsse:Security; its canonical form declares it.
  const timestampContent =
    `<wsu:Created>${xsdDateTime(now)}</wsu:Created><wsu:Expires>${xsdDateTime(expires)}</wsu:Expires>` +
    '</wsu:Timestamp>';
  const timestamp = `<wsu:Timestamp wsu:Id="${ids.timestamp}">${timestampContent}`;
  const timestampCanonical = `<wsu:Timestamp xmlns:wsu="${NS.wsu}" wsu:Id="${ids.timestamp}">${timestampContent}`;

  const blocksBefore =
    action +
    messageId +
    to +
    replyTo +
    `<wsse:Security xmlns:wsse="${NS.wsse}" xmlns:wsu="${NS.wsu}"${muDecl} ${mustUnderstand}>` +
    timestamp +
    token.assertion.reveal() +
    str(ids.str);
  const blocksAfter = '</wsse:Security>';

  // Text edits, applied from the end so earlier offsets stay valid.
  const spans = elementSpans(xml);
  if (spans.length !== all.length) throw fail('the scanner and the parser disagree on the elements');
  const spanOf = (el: Element): ElementSpan => spans[all.indexOf(el)]!;
  const edits: { at: number; remove?: number; text: string }[] = [];
  if (!existingBodyId) edits.push(bodyIdEdit(spanOf(body), body, ids.body));
  let splitAt: number;
  let headerOpen = '';
  let headerClose = '';
  if (header) {
    const span = spanOf(header);
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
    splitAt = spanOf(body).start;
  }
  let head = xml.slice(0, splitAt);
  let tail = xml.slice(splitAt);
  for (const e of edits.sort((a, b) => b.at - a.at)) {
    const k = e.at - splitAt;
    tail = tail.slice(0, k) + e.text + tail.slice(k + (e.remove ?? 0));
  }
  head += headerOpen + blocksBefore;
  tail = blocksAfter + headerClose + tail;

  // The Body is digested from the parsed envelope, given the wsu:Id the text edit gives it (the
  // xmlns:wsu declaration that may come with it is left out: exc-c14n writes declarations
  // where prefixes are used, never from the declarations an element has).
  if (!existingBodyId) body.setAttributeNS(NS.wsu, 'wsu:Id', ids.body);
  const signature = signatureOver(
    [
      { id: ids.body, digest: sha256(excC14n(body)) },
      { id: ids.timestamp, digest: sha256(timestampCanonical) },
      { id: ids.action, digest: sha256(action) },
      { id: ids.messageId, digest: sha256(messageId) },
      { id: ids.to, digest: sha256(to) },
      { id: ids.replyTo, digest: sha256(replyTo) },
      { id: ids.str, digest: known.assertion, str: true },
    ],
    token.key,
    str(),
  );
  return head + signature + tail;
}

/** The default namespace in scope at `el` (null when there is none). */
function defaultNamespaceOf(el: Element): string | null {
  for (let n: Element | null = el; n && n.nodeType === 1; n = n.parentNode as Element | null) {
    if (n.hasAttribute('xmlns')) return n.getAttribute('xmlns') || null;
  }
  return null;
}

/** Adds `wsu:Id` (and the wsu namespace) to the Body's start tag. */
function bodyIdEdit(
  span: { startTagEnd: number; selfClosing: boolean },
  body: Element,
  wsuId: string,
): { at: number; text: string } {
  const bound = body.lookupNamespaceURI('wsu');
  // A wsu prefix bound to another namespace would be rebound for the Body's content too.
  if (bound !== null && bound !== NS.wsu)
    throw fail('the envelope binds the prefix wsu to another namespace');
  const decl = bound === NS.wsu ? '' : ` xmlns:wsu="${NS.wsu}"`;
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
