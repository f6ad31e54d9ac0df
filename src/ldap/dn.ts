/**
 * Distinguished names as text (RFC 4514), written by hand.
 *
 * Why not ldapts's DN class: it escapes RDN values in the obsolete quoted form of RFC 1779
 * and leaves NUL unescaped. Why every special character becomes a hex pair (`\2C`) and never
 * a backslash+char escape (`\,`): ldapts's `modifyDN(dn, newDN)` splits newDN into the new
 * RDN and the new superior at the first match of `/[^\\],/`, that is the first `,` not
 * preceded by a backslash. With `\,` escapes a value ending in a backslash is written `\\`,
 * and the separator after it is preceded by a backslash, so the split lands in the wrong
 * place (or the escaped comma is taken for a separator). With hex escapes the only literal
 * `,` in a DN we build is a separator, and the character before it is never a backslash.
 */
import { ConnectorError } from '../sdk/errors.js';

/** One attribute-value assertion of an RDN, the value unescaped. */
export type Ava = { type: string; value: string };
/** A relative distinguished name: usually one AVA, several when multi-valued (`CN=a+UID=b`). */
export type Rdn = Ava[];

/**
 * A DN that cannot be built or read. The value came from HR or the server, so it is the
 * value's fault. Messages give positions, never the DN: an account's DN holds a name.
 */
export class DnError extends ConnectorError {
  constructor(message: string) {
    super('invalid-value', message);
    this.name = 'DnError';
  }
}

/** RFC 4512 descr (a name such as `OU`) or numericoid (`2.5.4.3`). */
const ATTRIBUTE_TYPE = /^(?:[A-Za-z][A-Za-z0-9-]*|\d+(?:\.\d+)*)$/;

/** Characters RFC 4514 section 2.4 requires escaped anywhere in a value, plus `=` (AD escapes it too). */
const ALWAYS_ESCAPED = new Set([',', '+', '"', '\\', '<', '>', ';', '=']);

const hexPair = (ch: string): string => '\\' + ch.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0');

function checkType(type: string): string {
  if (!ATTRIBUTE_TYPE.test(type)) throw new DnError(`"${type}" is not an attribute type`);
  return type;
}

/**
 * An attribute value escaped for an RDN. Specials, a leading `#` or space, a trailing space,
 * NUL and the other control characters (so a DN in a log or a plan stays one printable line)
 * become hex pairs; everything else, æøå included, stays as UTF-8 text, which RFC 4514 allows.
 */
export function escapeDnValue(value: string): string {
  if (value === '') throw new DnError('an RDN value cannot be empty');
  const last = value.length - 1;
  let out = '';
  for (let i = 0; i <= last; i++) {
    const ch = value[i]!;
    const needsHex =
      ALWAYS_ESCAPED.has(ch) ||
      ch.charCodeAt(0) < 0x20 ||
      ch === '\x7f' ||
      (i === 0 && (ch === '#' || ch === ' ')) ||
      (i === last && ch === ' ');
    out += needsHex ? hexPair(ch) : ch;
  }
  return out;
}

/** `\` may precede these (RFC 4514 `pair`); any other escape must be a hex pair. */
const PAIR_CHARS = new Set(['\\', '"', '+', ',', ';', '<', '>', ' ', '#', '=']);
/** Must be escaped in a value; unescaped they mean an older DN syntax (RFC 1779/2253) we do not guess at. */
const FORBIDDEN_UNESCAPED = new Set(['"', ';', '<', '>', '\0']);
const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Reads one attribute value from `start`; stops at an unescaped `,` or `+` or the end. */
function readValue(dn: string, start: number): { value: string; end: number } {
  let i = start;
  // Unescaped spaces around the value are separators' padding (RFC 1779 style), not content.
  while (dn[i] === ' ') i++;
  if (dn[i] === '#')
    throw new DnError(`BER-encoded values (#hex) are not supported, at position ${i} of a DN`);
  const bytes: number[] = [];
  /** Length of `bytes` after the last escape: trimming trailing spaces never goes below it. */
  let escapedUpTo = 0;
  let literalStart = i;
  const pushLiteral = (to: number) => {
    for (const b of utf8.encode(dn.slice(literalStart, to))) bytes.push(b);
  };
  for (; i < dn.length; i++) {
    const ch = dn[i]!;
    if (ch === ',' || ch === '+') break;
    if (FORBIDDEN_UNESCAPED.has(ch))
      throw new DnError(`unescaped ${JSON.stringify(ch)} at position ${i} of a DN`);
    if (ch !== '\\') continue;
    pushLiteral(i);
    const hex = dn.slice(i + 1, i + 3);
    if (/^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(Number.parseInt(hex, 16));
      i += 2;
    } else if (PAIR_CHARS.has(dn[i + 1] ?? '')) {
      bytes.push(dn.charCodeAt(i + 1));
      i += 1;
    } else {
      throw new DnError(`invalid escape at position ${i} of a DN`);
    }
    escapedUpTo = bytes.length;
    literalStart = i + 1;
  }
  pushLiteral(i);
  while (bytes.length > escapedUpTo && bytes[bytes.length - 1] === 0x20) bytes.pop();
  if (bytes.length === 0) throw new DnError(`empty value at position ${start} of a DN`);
  try {
    return { value: strictUtf8.decode(Uint8Array.from(bytes)), end: i };
  } catch {
    throw new DnError(`hex escapes that are not UTF-8 in a DN`);
  }
}

/**
 * A DN as a server writes it, into RDNs with unescaped values: `\,` and `\2C` escapes, hex
 * escapes spanning a multi-byte UTF-8 character (`\C3\A6` is æ). Spaces around `,` `+` `=`
 * are dropped; escaped spaces are content and kept. Attribute types are kept as written.
 */
export function parseDn(dn: string): Rdn[] {
  if (dn.trim() === '') return [];
  const rdns: Rdn[] = [];
  let rdn: Rdn = [];
  let i = 0;
  for (;;) {
    const eq = dn.indexOf('=', i);
    if (eq === -1) throw new DnError(`missing "=" after position ${i} of a DN`);
    const type = dn.slice(i, eq).trim();
    if (!ATTRIBUTE_TYPE.test(type))
      throw new DnError(`"${type}" at position ${i} of a DN is not an attribute type`);
    const { value, end } = readValue(dn, eq + 1);
    rdn.push({ type, value });
    if (end >= dn.length) break;
    if (dn[end] === ',') {
      rdns.push(rdn);
      rdn = [];
    }
    i = end + 1;
  }
  rdns.push(rdn);
  return rdns;
}

/** RDNs as a DN string, every value escaped by escapeDnValue (hex pairs only). */
export function formatDn(rdns: readonly Rdn[]): string {
  return rdns
    .map((rdn) => {
      if (rdn.length === 0) throw new DnError('an RDN needs at least one attribute');
      return rdn.map(({ type, value }) => `${checkType(type)}=${escapeDnValue(value)}`).join('+');
    })
    .join(',');
}

/** One RDN as text, `TYPE=<escaped value>`: the new RDN of a rename. */
export function rdnOf(type: string, value: string): string {
  return `${checkType(type)}=${escapeDnValue(value)}`;
}

/** `TYPE=<escaped value>,<parent>`, the parent re-written so the whole DN follows the hex policy. */
export function childDn(type: string, value: string, parentDn: string): string {
  const parent = formatDn(parseDn(parentDn));
  return parent === '' ? rdnOf(type, value) : `${rdnOf(type, value)},${parent}`;
}

/**
 * One spelling per DN, for comparing: types upper-cased (`ou` → `OU`), values re-escaped,
 * the AVAs of a multi-valued RDN in a fixed order (their order carries no meaning).
 */
export function normaliseDn(dn: string): string {
  const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  const order = (a: Ava, b: Ava) =>
    compare(a.type, b.type) || compare(a.value.toLowerCase(), b.value.toLowerCase());
  return formatDn(
    parseDn(dn).map((rdn) => rdn.map(({ type, value }) => ({ type: type.toUpperCase(), value })).sort(order)),
  );
}

/** Whether two DNs name the same object; AD compares names case-insensitively. */
export function sameDn(a: string, b: string): boolean {
  return normaliseDn(a).toLowerCase() === normaliseDn(b).toLowerCase();
}

/** The DN one level up ('' for a single RDN), in the hex-escaped form. */
export function parentDn(dn: string): string {
  const rdns = parseDn(dn);
  if (rdns.length === 0) throw new DnError('the empty DN has no parent');
  return formatDn(rdns.slice(1));
}

/** The value of the first RDN's first attribute: the `Smith, John` of `CN=Smith\, John,OU=x`. */
export function firstValue(dn: string): string {
  const first = parseDn(dn)[0]?.[0];
  if (first === undefined) throw new DnError('the empty DN has no first value');
  return first.value;
}
