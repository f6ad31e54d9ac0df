/** Small XML helpers: escaping for the reply templates, and reading a libxml2-wasm tree. */
import { XmlElement } from 'libxml2-wasm';

/** Text and attribute content: the five special characters, and nothing the XML 1.0 Char production forbids. */
export function esc(value: string): string {
  return value
    .replace(/[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/gu, '\ufffd')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** `<p:name>text</p:name>`, escaped. */
export const leaf = (qname: string, text: string): string => `<${qname}>${esc(text)}</${qname}>`;

/** The element children of an element, in document order (text, comments and PIs skipped). */
export function elements(parent: XmlElement): XmlElement[] {
  const out: XmlElement[] = [];
  for (let n = parent.firstChild; n; n = n.next) if (n instanceof XmlElement) out.push(n);
  return out;
}

export const is = (el: XmlElement, ns: string, name: string): boolean =>
  el.name === name && el.namespaceUri === ns;

export const childOf = (parent: XmlElement, ns: string, name: string): XmlElement | undefined =>
  elements(parent).find((e) => is(e, ns, name));

export const childrenOf = (parent: XmlElement, ns: string, name: string): XmlElement[] =>
  elements(parent).filter((e) => is(e, ns, name));

/** The text of a child element, or undefined when there is no such child. */
export const textOf = (parent: XmlElement, ns: string, name: string): string | undefined =>
  childOf(parent, ns, name)?.content;
