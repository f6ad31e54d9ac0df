/**
 * LDAP search filters as text (RFC 4515), built from parts so that an HR value is always a
 * value: escaped where it sits, never able to close a parenthesis or become a wildcard, and
 * never an attribute name.
 */
import { ConnectorError } from '../sdk/errors.js';

/** A filter that cannot be built: the attribute names and structure come from config or code. */
export class FilterError extends ConnectorError {
  constructor(message: string) {
    super('invalid-config', message);
    this.name = 'FilterError';
  }
}

const ATTRIBUTE_NAME = /^[A-Za-z][A-Za-z0-9-]*$/;
const ESCAPES: Record<string, string> = { '*': '\\2a', '(': '\\28', ')': '\\29', '\\': '\\5c', '\0': '\\00' };

/**
 * A value escaped for an assertion (RFC 4515 section 3): `*` `(` `)` `\` and NUL become hex
 * pairs, nothing else changes. Non-ASCII stays as UTF-8 text, which the grammar allows; hex
 * escaping it would have to be byte by byte, and ldapts's parser decodes `\XX` as one Latin-1
 * character, so an escaped æ would arrive at the server as two wrong characters.
 */
export function escapeFilterValue(value: string): string {
  return value.replace(/[*()\\\0]/g, (ch) => ESCAPES[ch]!);
}

function checkAttribute(attribute: string): string {
  if (!ATTRIBUTE_NAME.test(attribute)) throw new FilterError(`"${attribute}" is not an LDAP attribute name`);
  return attribute;
}

/** `(attribute=value)`: an equality assertion, the value escaped. */
export function eq(attribute: string, value: string): string {
  return `(${checkAttribute(attribute)}=${escapeFilterValue(value)})`;
}

/**
 * Whether `filter` is one parenthesised filter. Values built by eq hold no literal
 * parentheses, so counting them is exact for the filters this module builds.
 */
function isOneFilter(filter: string): boolean {
  if (!filter.startsWith('(') || !filter.endsWith(')')) return false;
  let depth = 0;
  for (let i = 0; i < filter.length; i++) {
    if (filter[i] === '(') depth++;
    else if (filter[i] === ')' && --depth === 0 && i !== filter.length - 1) return false;
    if (depth < 0) return false;
  }
  return depth === 0;
}

/**
 * `&` or `|` of filters. No filters at all is refused: `(&)` matches every object and `(|)`
 * none (RFC 4526), and neither is what a caller with an empty list of keys means.
 */
function combine(operator: '&' | '|', filters: readonly string[]): string {
  if (filters.length === 0) throw new FilterError(`"${operator}" needs at least one filter`);
  for (const f of filters) if (!isOneFilter(f)) throw new FilterError(`"${f}" is not one LDAP filter`);
  return filters.length === 1 ? filters[0]! : `(${operator}${filters.join('')})`;
}

/** All of the filters. */
export function and(...filters: string[]): string {
  return combine('&', filters);
}

/** Any of the filters. */
export function or(...filters: string[]): string {
  return combine('|', filters);
}
