/**
 * What the receiver's answer to one POST means for the changes in it: stored, worth sending
 * again (the executor retries `transient`), or refused for good, with the error kind the
 * engine reports and the receiver's own words, cleaned, for the operator.
 */
import type { ConnectorErrorKind } from '../../src/sdk/errors.js';
import { answeredWith, isRetryableStatus, type PostOutcome, parseRetryAfter } from '../../src/util/http.js';

/** Longest Retry-After taken from a receiver at all; the executor caps it further by `retry.maxDelayMs`. */
const RETRY_AFTER_CAP_MS = 10 * 60_000;

export type Verdict =
  | { ok: true }
  | {
      ok: false;
      kind: ConnectorErrorKind;
      /** The HTTP status, when the receiver answered. */
      status?: number;
      /** For the operator: the answer, the receiver's words, what to do. No values, no credentials. */
      reason: string;
      /** The answer and the receiver's words alone, without the advice. */
      answer: string;
      retryAfterMs?: number;
      /**
       * The refusal is about the connection, not the content (a wrong key, a wrong URL): every
       * other batch would be refused the same way, so none is sent.
       */
      stopsAll: boolean;
    };

interface FinalRule {
  kind: ConnectorErrorKind;
  hint: string;
  stopsAll: boolean;
}

const PERMISSION: FinalRule = {
  kind: 'permission',
  hint: "check secret, bearerToken and headers against the receiver's",
  stopsAll: true,
};
const NOT_ACCEPTED: FinalRule = {
  kind: 'invalid-config',
  hint: 'the receiver does not take a JSON POST at url; check url',
  stopsAll: true,
};
const NOT_FOUND: FinalRule = {
  kind: 'not-found',
  hint: 'the receiver says an object in the batch is missing there (or url names no receiver)',
  stopsAll: false,
};
const INVALID: FinalRule = {
  kind: 'invalid-value',
  hint: 'the receiver refused a value; check the mapping of what it names',
  stopsAll: false,
};

/** Final answers: 4xx other than 408, 425 and 429. */
const FINAL: Record<number, FinalRule> = {
  400: INVALID,
  401: PERMISSION,
  403: PERMISSION,
  404: NOT_FOUND,
  405: NOT_ACCEPTED,
  406: NOT_ACCEPTED,
  409: {
    kind: 'conflict',
    hint: 'the receiver holds something that conflicts with the change',
    stopsAll: false,
  },
  410: NOT_FOUND,
  413: {
    kind: 'invalid-config',
    hint: 'the batch is too large for the receiver; lower batchSize',
    stopsAll: true,
  },
  415: NOT_ACCEPTED,
  422: INVALID,
};

/**
 * `hide`: what must not reach a message (values sent or replaced in the batch, credentials).
 * `showText`: whether the receiver's own words go into the reason at all (see receiverWords).
 */
export function judge(outcome: PostOutcome, hide: readonly Hidden[], showText: boolean): Verdict {
  if (!outcome.reached)
    return { ok: false, kind: 'transient', reason: outcome.reason, answer: outcome.reason, stopsAll: true };
  const { status } = outcome;
  if (status >= 200 && status < 300) return { ok: true };
  const answered = answeredWith(status, outcome.statusText);
  const says = showText ? receiverWords(outcome.text, hide) : '';
  const quoted = says ? `${answered}: "${says}"` : answered;
  if (isRetryableStatus(status)) {
    const retryAfterMs = parseRetryAfter(outcome.retryAfter, RETRY_AFTER_CAP_MS);
    return {
      ok: false,
      kind: 'transient',
      status,
      reason: quoted,
      answer: quoted,
      stopsAll: true,
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    };
  }
  if (status >= 300 && status < 400) {
    const hint = 'a redirect; set url to the final address';
    return {
      ok: false,
      kind: 'invalid-config',
      status,
      reason: `${answered}: ${hint}`,
      answer: answered,
      stopsAll: true,
    };
  }
  const rule = FINAL[status] ?? INVALID;
  return {
    ok: false,
    kind: rule.kind,
    status,
    reason: `${quoted}; ${rule.hint}`,
    answer: quoted,
    stopsAll: rule.stopsAll,
  };
}

/** A value the receiver must not repeat into a message: what the batch carries, a credential. */
export type Hidden = string | number | boolean;

const MAX_WORDS = 200;
/** A run of this many characters of a value, found anywhere in the text, is masked. */
const WINDOW = 8;
/** Shorter values are masked only as whole words (`Bo`, not the `bo` in `body`). */
const WHOLE_WORD_BELOW = 4;

/**
 * The receiver's error text, made fit for a message: the `detail`/`message`/`error`/`title`
 * string of a JSON answer or plain text, never an HTML page and never a JSON body without
 * one of those (a raw body echoes whole objects). Escapes (`\u00c6`, `&#198;`, `%C3%86`) are
 * decoded first, so an escaped echo is masked like a plain one. Masked as `[value]`, ignoring
 * case: every value sent (numbers and booleans as written), every part of one (`Hansen` of
 * `Anne Ærø-Hansen`), any run of 8 or more of its characters (a cut or truncated echo), and
 * the credentials; also, whatever they belong to, e-mail addresses and runs of 6 or more digits
 * (CPR numbers). Control characters go, and the text is cut at 200 characters.
 *
 * Heuristic by nature: a value of an object outside the batch (another person the receiver
 * holds) is not known here and not masked. That is why the receiver's text is only shown with
 * `showReceiverText: true`.
 */
export function receiverWords(text: string, hide: readonly Hidden[]): string {
  let words = pickMessage(text.trim());
  if (words === '' || words.startsWith('<')) return '';
  words = mask(decodeEscapes(words).normalize('NFC'), hide);
  words = words
    .replace(/[^\s@"'<>]+@[^\s@"'<>]+\.[\p{L}]{2,}/gu, '[e-mail]')
    .replace(/\d{6}-\d{4}/g, '[number]')
    .replace(/\d{6,}/g, '[number]')
    .replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return words.length > MAX_WORDS ? `${words.slice(0, MAX_WORDS)}...` : words;
}

/** JSON string escapes, numeric HTML entities and percent-encoding, decoded. */
function decodeEscapes(text: string): string {
  return text
    .replace(/\\u([0-9a-fA-F]{4})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)))
    .replace(/\\(["\\/])/g, '$1')
    .replace(/&#(?:x([0-9a-fA-F]{1,6})|(\d{1,7}));/g, (whole, hex?: string, dec?: string) => {
      const cp = hex !== undefined ? Number.parseInt(hex, 16) : Number(dec);
      return cp <= 0x10ffff ? String.fromCodePoint(cp) : whole;
    })
    .replace(/(?:%[0-9a-fA-F]{2})+/g, (run) => {
      try {
        return decodeURIComponent(run);
      } catch {
        return run;
      }
    });
}

/** Lower case, one code point at a time where that keeps the length, so indexes still match. */
const fold = (s: string): string =>
  [...s]
    .map((ch) => {
      const lower = ch.toLowerCase();
      return lower.length === ch.length ? lower : ch;
    })
    .join('');

const WORD_CHAR = /[\p{L}\p{N}]/u;

/** Every form of the hidden values worth looking for, folded: the whole value and its parts. */
function forms(hide: readonly Hidden[]): string[] {
  const out = new Set<string>();
  for (const h of hide) {
    const value = fold(String(h).normalize('NFC').trim());
    if (value.length < 2) continue; // a single character identifies no one
    out.add(value);
    for (const part of value.split(/[\s,;:/()"'+-]+/)) if (part.length >= 2) out.add(part);
  }
  return [...out];
}

/** `words` with every occurrence of a hidden value (see receiverWords) replaced by `[value]`. */
function mask(words: string, hide: readonly Hidden[]): string {
  const folded = fold(words);
  const hidden = new Array<boolean>(words.length).fill(false);
  const mark = (from: number, to: number) => {
    for (let i = from; i < to; i++) hidden[i] = true;
  };
  const isWordAt = (i: number) => i >= 0 && i < words.length && WORD_CHAR.test(words[i]!);
  for (const f of forms(hide)) {
    if (f.length < WHOLE_WORD_BELOW) {
      for (let at = folded.indexOf(f); at !== -1; at = folded.indexOf(f, at + 1))
        if (!isWordAt(at - 1) && !isWordAt(at + f.length)) mark(at, at + f.length);
      continue;
    }
    if (f.length <= WINDOW) {
      for (let at = folded.indexOf(f); at !== -1; at = folded.indexOf(f, at + 1)) mark(at, at + f.length);
      continue;
    }
    // Longer: any run of WINDOW characters of it, extended as far as the text goes on matching.
    for (let k = 0; k + WINDOW <= f.length; k++) {
      const seed = f.slice(k, k + WINDOW);
      for (let at = folded.indexOf(seed); at !== -1; at = folded.indexOf(seed, at + 1)) {
        let end = at + WINDOW;
        while (end < folded.length && k + (end - at) < f.length && folded[end] === f[k + (end - at)]) end++;
        mark(at, end);
      }
    }
  }
  let out = '';
  for (let i = 0; i < words.length; i++) {
    if (!hidden[i]) out += words[i];
    else if (i === 0 || !hidden[i - 1]) out += '[value]';
  }
  return out;
}

/**
 * A JSON error body's message (common shapes: RFC 9457 problem details, `{error: {message}}`).
 * A JSON body without one gives nothing: the raw body may echo whole objects.
 */
function pickMessage(text: string): string {
  if (!text.startsWith('{') && !text.startsWith('[')) return text;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return ''; // JSON cut short or malformed: not a message
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return '';
  const o = parsed as Record<string, unknown>;
  const nested =
    typeof o['error'] === 'object' && o['error'] !== null ? (o['error'] as Record<string, unknown>) : {};
  for (const candidate of [o['detail'], o['message'], o['error'], nested['message'], o['title']]) {
    if (typeof candidate === 'string' && candidate.trim() !== '') return candidate;
  }
  return '';
}
