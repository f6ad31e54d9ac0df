/**
 * Attribute expressions: the small, safe language a target's mapping is written in.
 *
 *   "${person.givenName} ${person.surname}"     text with placeholders
 *   "${unit.name | upper | truncate(64)}"       filters, applied left to right
 *   "${manager.key}"                           a lone placeholder keeps the value's type
 *   "Kommune"                                  plain text is a constant
 *
 * No code is evaluated: an expression is parsed once into a chain of closures over a
 * whitelist of filters, and every path is checked against the fields the object type
 * offers, so a typo fails at config load, not at 02:00 in the nightly run.
 */
import type { AttrValue } from '../sdk/types.js';

export type Scope = Record<string, unknown>;
export type Compiled = {
  source: string;
  /** Paths the expression reads (e.g. "person.cpr"), for sensitivity and validation. */
  paths: string[];
  evaluate(scope: Scope): AttrValue;
};

export class ExpressionError extends Error {}

type Filter = (v: AttrValue, args: readonly (string | number)[]) => AttrValue;

const TRANSLITERATION: Record<string, string> = {
  æ: 'ae',
  ø: 'oe',
  å: 'aa',
  Æ: 'Ae',
  Ø: 'Oe',
  Å: 'Aa',
  ä: 'ae',
  ö: 'oe',
  ü: 'ue',
  Ä: 'Ae',
  Ö: 'Oe',
  Ü: 'Ue',
  ß: 'ss',
};
/** Danish-aware ASCII folding: æøå as Danes write them without the letters, then strip accents. */
export const toAscii = (s: string): string =>
  s
    .replace(/[æøåÆØÅäöüÄÖÜß]/g, (c) => TRANSLITERATION[c] ?? c)
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^\x20-\x7e]/g, '');

const str = (v: AttrValue): string => (v === null ? '' : Array.isArray(v) ? v.join(',') : String(v));
const mapText = (f: (s: string) => string) => (v: AttrValue) =>
  v === null ? null : Array.isArray(v) ? v.map((x) => f(x)) : f(str(v));

// Plain toLowerCase/toUpperCase: Unicode's default case mapping is what Danish, Swedish and
// Norwegian use (only Turkish, Azeri and Lithuanian differ), and the locale-aware variants
// load ICU's locale data on first use, a quarter of a second per process.
const FILTERS: Record<string, { arity: [number, number]; fn: Filter }> = {
  lower: { arity: [0, 0], fn: mapText((s) => s.toLowerCase()) },
  upper: { arity: [0, 0], fn: mapText((s) => s.toUpperCase()) },
  trim: { arity: [0, 0], fn: mapText((s) => s.trim().replace(/\s+/g, ' ')) },
  ascii: { arity: [0, 0], fn: mapText(toAscii) },
  digits: { arity: [0, 0], fn: mapText((s) => s.replace(/\D/g, '')) },
  truncate: { arity: [1, 1], fn: (v, [n]) => mapText((s) => [...s].slice(0, Number(n)).join(''))(v) },
  replace: { arity: [2, 2], fn: (v, [a, b]) => mapText((s) => s.split(String(a)).join(String(b)))(v) },
  default: { arity: [1, 1], fn: (v, [d]) => (v === null || v === '' ? (d ?? null) : v) },
  join: { arity: [0, 1], fn: (v, [sep]) => (Array.isArray(v) ? v.join(String(sep ?? ', ')) : v) },
  string: { arity: [0, 0], fn: (v) => (v === null ? null : str(v)) },
  number: {
    arity: [0, 0],
    fn: (v) => {
      const n = typeof v === 'number' ? v : Number(str(v).trim().replace(',', '.'));
      return v === null || str(v).trim() === '' || Number.isNaN(n) ? null : n;
    },
  },
};
export const FILTER_NAMES = Object.keys(FILTERS);

/** Turns whatever sits at a path into an attribute value (dates and objects are refused at compile). */
function toAttr(v: unknown): AttrValue {
  if (v === undefined || v === null) return null;
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  if (Array.isArray(v)) return v.map(String);
  return String(v);
}

function compilePath(path: string, allowed: (path: string) => boolean): (s: Scope) => AttrValue {
  if (!/^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*$/.test(path))
    throw new ExpressionError(`"${path}" is not a field path`);
  if (!allowed(path)) throw new ExpressionError(`unknown field "${path}"`);
  const parts = path.split('.');
  const own = (o: unknown, k: string): unknown =>
    o !== null && typeof o === 'object' && Object.hasOwn(o, k)
      ? (o as Record<string, unknown>)[k]
      : undefined;
  // Paths are two or three names long (root.field, root.address.street): read them directly.
  const [a, b, c] = parts as [string, string, string | undefined];
  if (parts.length === 2) return (scope) => toAttr(own(own(scope, a), b));
  if (parts.length === 3) return (scope) => toAttr(own(own(own(scope, a), b), c!));
  return (scope) => toAttr(parts.reduce<unknown>(own, scope));
}

/** Splits on a separator outside quotes. */
function splitOutsideQuotes(text: string, sep: string): string[] {
  const out: string[] = [];
  let quote: string | null = null;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === sep) {
      out.push(text.slice(start, i));
      start = i + 1;
    }
  }
  if (quote) throw new ExpressionError('a quoted argument is not closed');
  out.push(text.slice(start));
  return out;
}

function parseLiteral(raw: string): string | number {
  const t = raw.trim();
  const q = t[0];
  if ((q === '"' || q === "'") && t.endsWith(q) && t.length >= 2)
    return t.slice(1, -1).replace(/\\(.)/g, '$1');
  if (/^-?\d+(\.\d+)?$/.test(t)) return Number(t);
  throw new ExpressionError(`argument ${t} must be a quoted text or a number`);
}

function compilePlaceholder(body: string, allowed: (p: string) => boolean, paths: string[]) {
  const [head, ...filterTexts] = splitOutsideQuotes(body, '|');
  const path = head!.trim();
  paths.push(path);
  const read = compilePath(path, allowed);
  const steps = filterTexts.map((text) => {
    const m = /^\s*([a-z]+)\s*(?:\((.*)\))?\s*$/s.exec(text);
    if (!m) throw new ExpressionError(`"${text.trim()}" is not a filter call`);
    const name = m[1]!;
    const def = FILTERS[name];
    if (!def) throw new ExpressionError(`unknown filter "${name}" (known: ${FILTER_NAMES.join(', ')})`);
    const args =
      m[2] === undefined || m[2].trim() === '' ? [] : splitOutsideQuotes(m[2], ',').map(parseLiteral);
    if (args.length < def.arity[0] || args.length > def.arity[1]) {
      throw new ExpressionError(`filter ${name} takes ${def.arity[0]}..${def.arity[1]} arguments`);
    }
    return (v: AttrValue) => def.fn(v, args);
  });
  return (scope: Scope): AttrValue => steps.reduce((v, step) => step(v), read(scope));
}

export function compileExpression(source: string, allowed: (path: string) => boolean): Compiled {
  const parts: (string | ((s: Scope) => AttrValue))[] = [];
  const paths: string[] = [];
  let rest = source;
  while (rest.length > 0) {
    const open = rest.indexOf('${');
    if (open === -1) {
      parts.push(rest);
      break;
    }
    if (open > 0) parts.push(rest.slice(0, open));
    const close = rest.indexOf('}', open);
    if (close === -1) throw new ExpressionError('a "${" has no closing "}"');
    parts.push(compilePlaceholder(rest.slice(open + 2, close), allowed, paths));
    rest = rest.slice(close + 1);
  }
  const first = parts[0];
  let evaluate: (s: Scope) => AttrValue;
  if (first === undefined) evaluate = () => null;
  else if (parts.length === 1)
    evaluate = typeof first === 'string' ? () => first : first; // a lone placeholder keeps its type
  else {
    evaluate = (scope) => {
      let out = '';
      for (const p of parts) out += typeof p === 'string' ? p : str(p(scope));
      return out;
    };
  }
  return { source, paths, evaluate };
}
