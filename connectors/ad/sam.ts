/**
 * sAMAccountName for a new account: the pre-Windows 2000 logon name, at most 20 characters,
 * unique in the domain, built from the person's names by a small pattern such as
 * `{given:3}{surname:3}` (Søren Ærø → soeaer). Names are folded to a-z and 0-9 first, so no
 * character AD forbids in the name can come from HR data.
 */
import { toAscii } from '../../src/mapping/expression.js';
import { ConnectorError, type ConnectorErrorKind } from '../../src/sdk/errors.js';

/** AD's limit on sAMAccountName (the attribute takes more; logons do not). */
export const SAM_MAX_LENGTH = 20;
/** Candidates tried before giving up: base, base2, ..., base9999. */
export const SAM_MAX_ATTEMPTS = 9999;

export class SamError extends ConnectorError {
  constructor(kind: ConnectorErrorKind, message: string) {
    super(kind, message);
    this.name = 'SamError';
  }
}

/** Characters AD refuses in a sAMAccountName, and the control characters. */
const FORBIDDEN = /["/\\[\]:;|=,+*?<>\x00-\x1f]/;

/** Whether AD accepts `name` as a sAMAccountName: 1-20 characters, none forbidden, not ending in `.`. */
export function validSam(name: string): boolean {
  return (
    name.length >= 1 &&
    name.length <= SAM_MAX_LENGTH &&
    !FORBIDDEN.test(name) &&
    !name.endsWith('.') &&
    // AD also refuses a name of only periods and spaces.
    /[^. ]/.test(name)
  );
}

export type SamPatternPart =
  | { literal: string }
  | { field: 'given' | 'surname' | 'key'; length: number | undefined };

/** Separators a pattern may put between fields (`{given}.{surname}`). */
const LITERAL = /^[a-z0-9._-]*$/;
const TOKEN = /\{(given|surname|key)(?::([1-9]\d*))?\}/g;

/** A pattern split into literals and fields; throws on an unknown token or an unsafe literal. */
export function parseSamPattern(pattern: string): SamPatternPart[] {
  const parts: SamPatternPart[] = [];
  const addLiteral = (text: string) => {
    const literal = text.toLowerCase();
    if (!LITERAL.test(literal))
      throw new SamError(
        'invalid-config',
        `sAMAccountName pattern "${pattern}": "${text}" is not a token ({given}, {surname}, {given:N}, {surname:N}, {key}) nor letters, digits, ".", "-" or "_"`,
      );
    if (literal !== '') parts.push({ literal });
  };
  let at = 0;
  for (const m of pattern.matchAll(TOKEN)) {
    addLiteral(pattern.slice(at, m.index));
    const field = m[1] as 'given' | 'surname' | 'key';
    parts.push({ field, length: m[2] === undefined ? undefined : Number(m[2]) });
    at = m.index + m[0].length;
  }
  addLiteral(pattern.slice(at));
  if (!parts.some((p) => 'field' in p))
    throw new SamError('invalid-config', `sAMAccountName pattern "${pattern}" uses no field`);
  return parts;
}

/** æ → ae, accents off (toAscii), then lower-case and only a-z 0-9 left. */
const fold = (s: string): string =>
  toAscii(s)
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');

/** Separators left at an end, or doubled, where a field came out empty or was cut off. */
const tidy = (s: string): string => s.replace(/([._-])[._-]+/g, '$1').replace(/^[._-]+|[._-]+$/g, '');

export type SamInput = { givenName: string; surname: string; key: string };
export type SamOptions = {
  pattern: string;
  /** Whether a name is in use; called with lower-case names (AD compares them case-insensitively). */
  taken: (lowerCaseName: string) => boolean;
};

/** The name before collisions: the pattern filled in, or `u<key digits>` when that is empty. */
function baseName(input: SamInput, pattern: string): string {
  const values = { given: fold(input.givenName), surname: fold(input.surname), key: fold(input.key) };
  const filled = parseSamPattern(pattern)
    .map((p) => ('literal' in p ? p.literal : values[p.field].slice(0, p.length)))
    .join('');
  if (/[a-z0-9]/.test(filled)) return tidy(filled.slice(0, SAM_MAX_LENGTH));
  const digits = input.key.replace(/\D/g, '');
  if (digits === '')
    throw new SamError(
      'invalid-value',
      // The key is left out of the message: it may be a CPR number.
      'no sAMAccountName can be built: neither the names nor the key give a letter or digit',
    );
  return ('u' + digits).slice(0, SAM_MAX_LENGTH);
}

/**
 * A free sAMAccountName, lower-case: the base if not taken, else base2, base3, ..., the base
 * cut short so that base and number together stay within 20 characters.
 */
export function generateSam(input: SamInput, opts: SamOptions): string {
  const base = baseName(input, opts.pattern);
  for (let n = 1; n <= SAM_MAX_ATTEMPTS; n++) {
    const suffix = n === 1 ? '' : String(n);
    const candidate = tidy(base.slice(0, SAM_MAX_LENGTH - suffix.length)) + suffix;
    if (!validSam(candidate)) throw new SamError('invalid-value', `"${candidate}" is not a sAMAccountName`);
    if (!opts.taken(candidate)) return candidate;
  }
  throw new SamError(
    'conflict',
    `no free sAMAccountName: "${base}" and ${SAM_MAX_ATTEMPTS - 1} numbered variants are taken`,
  );
}
