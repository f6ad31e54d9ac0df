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

/** `hide`: strings that must not reach a message (values sent in the batch, credentials). */
export function judge(outcome: PostOutcome, hide: readonly string[]): Verdict {
  if (!outcome.reached)
    return { ok: false, kind: 'transient', reason: outcome.reason, answer: outcome.reason, stopsAll: true };
  const { status } = outcome;
  if (status >= 200 && status < 300) return { ok: true };
  const answered = answeredWith(status, outcome.statusText);
  const says = receiverWords(outcome.text, hide);
  const quoted = says ? `${answered}: "${says}"` : answered;
  if (isRetryableStatus(status)) {
    const retryAfterMs = parseRetryAfter(outcome.retryAfter, RETRY_AFTER_CAP_MS);
    return {
      ok: false,
      kind: 'transient',
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
      reason: `${answered}: ${hint}`,
      answer: answered,
      stopsAll: true,
    };
  }
  const rule = FINAL[status] ?? INVALID;
  return {
    ok: false,
    kind: rule.kind,
    reason: `${quoted}; ${rule.hint}`,
    answer: quoted,
    stopsAll: rule.stopsAll,
  };
}

const MAX_WORDS = 200;

/**
 * The receiver's error text, made fit for logs and the audit: the `message`/`error`/`detail`
 * of a JSON answer or the plain text (never an HTML page), with anything we sent it and
 * anything that looks like an e-mail address or a CPR number masked, control characters
 * gone, and cut short. A receiver often echoes the value it refused, and that value may be
 * personal data.
 */
export function receiverWords(text: string, hide: readonly string[]): string {
  let words = pickMessage(text.trim());
  if (words === '' || words.startsWith('<')) return '';
  // Longest first, so a value is masked whole before a shorter one inside it is.
  for (const h of [...hide].filter((s) => s.length >= 3).sort((a, b) => b.length - a.length)) {
    words = words.split(h).join('[value]');
  }
  words = words
    .replace(/[^\s@"'<>]+@[^\s@"'<>]+\.[A-Za-z]{2,}/g, '[e-mail]')
    .replace(/\b\d{6}-?\d{4}\b/g, '[number]')
    .replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return words.length > MAX_WORDS ? `${words.slice(0, MAX_WORDS)}...` : words;
}

/** A JSON error body's message (common shapes: RFC 9457 problem details, `{error: {message}}`). */
function pickMessage(text: string): string {
  if (!text.startsWith('{')) return text;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return text;
  }
  const o = parsed as Record<string, unknown>;
  const nested =
    typeof o['error'] === 'object' && o['error'] !== null ? (o['error'] as Record<string, unknown>) : {};
  for (const candidate of [o['detail'], o['message'], o['error'], nested['message'], o['title']]) {
    if (typeof candidate === 'string' && candidate.trim() !== '') return candidate;
  }
  return text;
}
