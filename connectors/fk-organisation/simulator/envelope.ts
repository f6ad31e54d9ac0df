/**
 * SOAP 1.2 on both sides: reading a request envelope (strictly: the 1.2 namespace, Header then
 * Body and nothing else, one element in the Body, mustUnderstand honoured) and the reply and
 * fault templates.
 */
import type { XmlDocument, XmlElement } from 'libxml2-wasm';
import { NS } from './services.js';
import { elements, esc, is, leaf } from './xml.js';

export type FaultCode = 'Sender' | 'Receiver' | 'VersionMismatch' | 'MustUnderstand';

export interface Fault {
  code: FaultCode;
  reason: string;
  /** A subcode in another namespace, such as `wsse:InvalidSecurity`. */
  subcode?: { ns: string; prefix: string; local: string };
  /** Header blocks for the fault (env:Upgrade, env:NotUnderstood). */
  headers?: string;
}

export interface RequestEnvelope {
  /** The env:Header's element children (none when there is no Header). */
  headers: XmlElement[];
  /** The one element in env:Body. */
  message: XmlElement;
}

/** Header blocks the simulator processes; any other with mustUnderstand="true" is a MustUnderstand fault. */
const UNDERSTOOD = new Set([`{${NS.header}}RequestHeader`, `{${NS.wsse}}Security`]);
const understood = (el: XmlElement) =>
  UNDERSTOOD.has(`{${el.namespaceUri}}${el.name}`) || el.namespaceUri === NS.wsa;

export function readEnvelope(doc: XmlDocument): RequestEnvelope | Fault {
  // SOAP 1.2 part 1, 5: "The XML infoset of a SOAP message MUST NOT contain a document type declaration".
  if (doc.dtd)
    return { code: 'Sender', reason: 'A SOAP message must not contain a document type declaration' };
  const root = doc.root;
  if (!is(root, NS.soap12, 'Envelope')) {
    // SOAP 1.2 part 1, 5.4.7: an envelope that is not 1.2's is a VersionMismatch, with an Upgrade header.
    const what = is(root, NS.soap11, 'Envelope')
      ? 'a SOAP 1.1 envelope'
      : `<${root.name}> in '${root.namespaceUri}'`;
    return {
      code: 'VersionMismatch',
      reason: `Expected a SOAP 1.2 Envelope (${NS.soap12}), got ${what}`,
      headers: `<env:Upgrade><env:SupportedEnvelope qname="env:Envelope"/></env:Upgrade>`,
    };
  }
  const parts = elements(root);
  const header = parts[0] && is(parts[0], NS.soap12, 'Header') ? parts[0] : undefined;
  const rest = header ? parts.slice(1) : parts;
  if (rest.length !== 1 || !is(rest[0]!, NS.soap12, 'Body')) {
    return {
      code: 'Sender',
      reason: 'The Envelope must hold an optional env:Header and then env:Body, nothing else',
    };
  }
  const headers = header ? elements(header) : [];
  for (const block of headers) {
    const mu = block.attrs.find((a) => a.name === 'mustUnderstand' && a.namespaceUri === NS.soap12);
    const required = mu && (mu.value.trim() === 'true' || mu.value.trim() === '1');
    if (required && !understood(block)) {
      return {
        code: 'MustUnderstand',
        reason: `Header block {${block.namespaceUri}}${block.name} is not understood`,
        headers: `<env:NotUnderstood qname="q:${esc(block.name)}" xmlns:q="${esc(block.namespaceUri)}"/>`,
      };
    }
  }
  const body = rest[0]!;
  const children = elements(body);
  if (children.length !== 1) {
    return { code: 'Sender', reason: `env:Body must hold exactly one element, it holds ${children.length}` };
  }
  return { headers, message: children[0]! };
}

/** The TransactionUUID of the RequestHeader (kombit namespace), or undefined. */
export function requestHeaderOf(headers: XmlElement[]): XmlElement | undefined {
  return headers.find((h) => is(h, NS.header, 'RequestHeader'));
}

const requestHeader = (transactionUuid: string): string =>
  `<header:RequestHeader xmlns:header="${NS.header}">` +
  leaf('header:TransactionUUID', transactionUuid) +
  '</header:RequestHeader>';

/** A reply: the RequestHeader echoed (when the request had one) and the operation's output. */
export function replyEnvelope(body: string, transactionUuid?: string, extraHeaders = ''): string {
  const header = transactionUuid === undefined ? '' : requestHeader(transactionUuid);
  const headers = header + extraHeaders;
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    `<env:Envelope xmlns:env="${NS.soap12}">` +
    (headers ? `<env:Header>${headers}</env:Header>` : '') +
    `<env:Body>${body}</env:Body></env:Envelope>`
  );
}

export function faultEnvelope(fault: Fault, transactionUuid?: string): string {
  const subcode = fault.subcode
    ? `<env:Subcode><env:Value xmlns:${fault.subcode.prefix}="${esc(fault.subcode.ns)}">` +
      `${fault.subcode.prefix}:${esc(fault.subcode.local)}</env:Value></env:Subcode>`
    : '';
  const body =
    `<env:Fault><env:Code><env:Value>env:${fault.code}</env:Value>${subcode}</env:Code>` +
    `<env:Reason><env:Text xml:lang="en">${esc(fault.reason)}</env:Text></env:Reason></env:Fault>`;
  return replyEnvelope(body, transactionUuid, fault.headers ?? '');
}
