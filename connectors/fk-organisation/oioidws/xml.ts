/**
 * XML helpers for OIOIDWS: a strict parser (@xmldom/xmldom), small DOM readers, and exact
 * string surgery. Signed content that came from elsewhere (the STS's assertion) is never
 * re-serialised: it is cut out of, and spliced into, the XML text as it was, with the help
 * of a scanner that finds every element's start and end offsets.
 */
import { DOMParser, type Document, type Element, type Node } from '@xmldom/xmldom';

const ELEMENT_NODE = 1;

/**
 * Parses `xml` strictly: any parser warning or error, and any DOCTYPE, is an Error whose
 * message is the parser's (positions and element names, not content worth hiding).
 */
export function parseXml(xml: string): Document {
  const doc = new DOMParser({
    onError: (level, msg) => {
      throw new Error(`${level}: ${String(msg).split('\n')[0]}`);
    },
  }).parseFromString(xml, 'text/xml');
  if (doc.doctype) throw new Error('a document type declaration is not allowed');
  if (!doc.documentElement) throw new Error('no root element');
  return doc;
}

export const isElement = (n: Node | null | undefined): n is Element => n?.nodeType === ELEMENT_NODE;

export const is = (el: Element, ns: string, local: string): boolean =>
  el.localName === local && el.namespaceURI === ns;

/** The element children of `el`, in order. */
export function elementChildren(el: Element): Element[] {
  const out: Element[] = [];
  for (let n = el.firstChild; n; n = n.nextSibling) if (isElement(n)) out.push(n);
  return out;
}

export const childOf = (el: Element, ns: string, local: string): Element | undefined =>
  elementChildren(el).find((c) => is(c, ns, local));

export const childrenOf = (el: Element, ns: string, local: string): Element[] =>
  elementChildren(el).filter((c) => is(c, ns, local));

/** Every element of the document, root first, in document order. */
export function allElements(doc: Document): Element[] {
  const out: Element[] = [];
  const walk = (el: Element) => {
    out.push(el);
    for (const c of elementChildren(el)) walk(c);
  };
  if (doc.documentElement) walk(doc.documentElement);
  return out;
}

/** Descendants of `root` (not root itself) named {ns}local. */
export function descendants(root: Element, ns: string, local: string): Element[] {
  const out: Element[] = [];
  const walk = (el: Element) => {
    for (const c of elementChildren(el)) {
      if (is(c, ns, local)) out.push(c);
      walk(c);
    }
  };
  walk(root);
  return out;
}

/** The trimmed text content of an element, or undefined when there is no element. */
export const text = (el: Element | undefined): string | undefined =>
  el === undefined ? undefined : (el.textContent ?? '').trim();

/** The wsu:Id (or, for SAML, ID) of an element, when it has one. */
export function idOf(el: Element, wsu: string): string | undefined {
  return el.getAttributeNS(wsu, 'Id') || el.getAttribute('ID') || undefined;
}

/** Text and attribute content, escaped. */
export function esc(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/\r/g, '&#xD;');
}

export interface ElementSpan {
  /** Offset of the `<` of the start tag. */
  start: number;
  /** Offset just after the `>` of the start tag. */
  startTagEnd: number;
  /** Offset just after the `>` of the end tag (of the start tag, when self-closing). */
  end: number;
  selfClosing: boolean;
}

/**
 * The offsets of every element of a well-formed document, in document order (the order of
 * `allElements`). Comments, CDATA sections and processing instructions are skipped; quoted
 * attribute values may hold `>`. The input must already have parsed (`parseXml`).
 */
export function elementSpans(xml: string): ElementSpan[] {
  const spans: ElementSpan[] = [];
  const open: ElementSpan[] = [];
  let i = xml.indexOf('<');
  while (i >= 0 && i < xml.length) {
    if (xml.startsWith('<!--', i)) i = skipPast(xml, '-->', i);
    else if (xml.startsWith('<![CDATA[', i)) i = skipPast(xml, ']]>', i);
    else if (xml.startsWith('<?', i)) i = skipPast(xml, '?>', i);
    else if (xml.startsWith('<!', i)) throw new Error('a document type declaration is not allowed');
    else if (xml.startsWith('</', i)) {
      const close = xml.indexOf('>', i);
      const span = open.pop();
      if (close < 0 || !span) throw new Error('unbalanced end tag');
      span.end = close + 1;
      i = close + 1;
    } else {
      let j = i + 1;
      let quote = '';
      for (; j < xml.length; j++) {
        const c = xml[j];
        if (quote) {
          if (c === quote) quote = '';
        } else if (c === '"' || c === "'") quote = c;
        else if (c === '>') break;
      }
      if (j >= xml.length) throw new Error('unterminated start tag');
      const selfClosing = xml[j - 1] === '/';
      const span: ElementSpan = { start: i, startTagEnd: j + 1, end: j + 1, selfClosing };
      spans.push(span);
      if (!selfClosing) open.push(span);
      i = j + 1;
    }
    i = xml.indexOf('<', i);
  }
  if (open.length) throw new Error('unclosed element');
  return spans;
}

function skipPast(xml: string, end: string, from: number): number {
  const k = xml.indexOf(end, from);
  if (k < 0) throw new Error(`unterminated markup (no '${end}')`);
  return k + end.length;
}

/** The span of `el` in `xml`, `doc` being `xml` parsed. */
export function spanOf(xml: string, doc: Document, el: Element, spans = elementSpans(xml)): ElementSpan {
  const all = allElements(doc);
  if (all.length !== spans.length) throw new Error('the scanner and the parser disagree on the elements');
  const k = all.indexOf(el);
  const span = spans[k];
  if (k < 0 || !span) throw new Error('element not in document');
  return span;
}

/**
 * `el` exactly as written in `xml`, made standalone: the namespace declarations it inherits
 * and does not make itself are added to its start tag (nearest ancestor first), so every
 * prefix it uses, also in QName content such as `xsi:type="xs:string"`, stays bound. Under
 * exclusive canonicalisation the element's canonical form, and so a signature over it, is
 * unchanged.
 */
export function standaloneElement(xml: string, doc: Document, el: Element): string {
  const span = spanOf(xml, doc, el);
  const used = prefixesUsed(el);
  const own = new Set<string>();
  for (let k = 0; k < el.attributes.length; k++) {
    const a = el.attributes.item(k);
    if (a && (a.name === 'xmlns' || a.name.startsWith('xmlns:'))) own.add(a.name);
  }
  const extra: string[] = [];
  for (let p = el.parentNode; isElement(p); p = p.parentNode) {
    for (let k = 0; k < p.attributes.length; k++) {
      const a = p.attributes.item(k);
      if (!a || !(a.name === 'xmlns' || a.name.startsWith('xmlns:')) || own.has(a.name)) continue;
      own.add(a.name);
      const prefix = a.name === 'xmlns' ? '' : a.name.slice(6);
      // An inherited empty default namespace is what a standalone element has anyway.
      if (a.value !== '' && used.has(prefix)) extra.push(` ${a.name}="${esc(a.value)}"`);
    }
  }
  const source = xml.slice(span.start, span.end);
  if (!extra.length) return source;
  const nameEnd = source.slice(1).search(/[\s/>]/) + 1;
  return source.slice(0, nameEnd) + extra.join('') + source.slice(nameEnd);
}

const QNAME = /^\s*([A-Za-z_][\w.-]*):[A-Za-z_][\w.-]*\s*$/;

/**
 * The prefixes ('' for the default namespace) a subtree needs bound: those of its elements
 * and attributes, those of QName-like attribute values and texts (`xsi:type="xs:string"`),
 * and those an exc-c14n InclusiveNamespaces PrefixList in it names.
 */
function prefixesUsed(root: Element): Set<string> {
  const used = new Set<string>();
  const walk = (el: Element) => {
    used.add(el.prefix ?? '');
    for (let k = 0; k < el.attributes.length; k++) {
      const a = el.attributes.item(k);
      if (!a || a.name === 'xmlns' || a.name.startsWith('xmlns:')) continue;
      if (a.prefix) used.add(a.prefix);
      const q = QNAME.exec(a.value);
      if (q) used.add(q[1]!);
      if (a.name === 'PrefixList' && el.localName === 'InclusiveNamespaces') {
        for (const p of a.value.split(/\s+/)) if (p) used.add(p === '#default' ? '' : p);
      }
    }
    for (let n = el.firstChild; n; n = n.nextSibling) {
      if (isElement(n)) walk(n);
      else if (n.nodeType === 3) {
        const q = QNAME.exec(n.nodeValue ?? '');
        if (q) used.add(q[1]!);
      }
    }
  };
  walk(root);
  return used;
}

/**
 * Writes U+0085, U+2028 and U+2029 as character references. XML 1.0 keeps them as they are,
 * but xmldom (which xml-crypto parses with) turns them into line feeds, so digests computed
 * over them would not be the receiver's. A character reference means the same character to
 * every parser. Not for documents with CDATA sections, where a reference is literal text.
 */
export function escapeLineSeparators(xml: string): string {
  if (!/[\u0085\u2028\u2029]/.test(xml)) return xml;
  if (xml.includes('<![CDATA[')) {
    throw new Error('a CDATA section holding U+0085, U+2028 or U+2029 cannot be signed reliably');
  }
  return xml.replace(/[\u0085\u2028\u2029]/g, (c) => `&#x${c.charCodeAt(0).toString(16).toUpperCase()};`);
}
