/**
 * The HTTP pieces shared by everything that POSTs to a receiver someone configured (the
 * notification webhook, the webhook target): one POST with a time limit, what the answer
 * means for a retry, Retry-After, and a URL split into what is sent and what may be logged.
 * No retry loop here: the notifier retries on its own, a target leaves it to the executor.
 */
import fetch from 'node-fetch';

/** A configured URL: what is requested, and the only form that may go into logs and messages. */
export interface Endpoint {
  href: string;
  /** The origin: userinfo, path and query may all hold tokens (Slack and Teams put theirs in the path). */
  safe: string;
  /** Basic authorization made from userinfo in the URL, which node-fetch refuses to send itself. */
  authorization?: string;
}

/** Splits a URL into what is requested and what is logged; userinfo becomes Basic authorization. */
export function splitUrl(raw: string): Endpoint {
  const url = new URL(raw);
  const safe = url.origin;
  if (url.username === '' && url.password === '') return { href: url.href, safe };
  const user = decodeURIComponent(url.username);
  const pass = decodeURIComponent(url.password);
  url.username = '';
  url.password = '';
  const authorization = `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
  return { href: url.href, safe, authorization };
}

/** The answer to one POST, or why there was none. */
export type PostOutcome =
  | {
      reached: true;
      status: number;
      statusText: string;
      /** The raw Retry-After header, when given. */
      retryAfter: string | null;
      /** The answer's body as text, at most `maxAnswerBytes` ('' when longer or unreadable). */
      text: string;
    }
  | { reached: false; reason: string };

export interface PostOptions {
  timeoutMs: number;
  /** Bytes of the answer kept for the caller; a longer answer is dropped, not buffered. */
  maxAnswerBytes?: number;
}

/**
 * POSTs `body` once. Redirects are not followed: node-fetch would turn the POST into a GET on
 * 301/302, so the caller sees the 3xx instead. Never throws: a network error or a timeout is
 * an outcome with a reason in our own words (node-fetch's messages quote the full URL).
 */
export async function postOnce(
  url: string,
  body: Buffer,
  headers: Record<string, string>,
  opts: PostOptions,
): Promise<PostOutcome> {
  try {
    const res = await fetch(url, {
      method: 'POST',
      body,
      headers,
      redirect: 'manual',
      signal: AbortSignal.timeout(opts.timeoutMs),
      // Reading stops (and fails) past this many bytes, so a huge error page is never buffered.
      size: opts.maxAnswerBytes ?? 4096,
    });
    const retryAfter = res.headers.get('retry-after');
    // Reading the answer also frees the socket.
    const text = await res.text().catch(() => '');
    return { reached: true, status: res.status, statusText: res.statusText, retryAfter, text };
  } catch (e) {
    return { reached: false, reason: networkReason(e, opts.timeoutMs) };
  }
}

/** Our own words for a failed request. */
export function networkReason(e: unknown, timeoutMs: number): string {
  const err = e as { name?: string; code?: string; type?: string };
  if (err.name === 'AbortError' || err.name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
  if (err.code) return `cannot be reached (${err.code})`;
  return `request failed (${err.type ?? err.name ?? 'unknown error'})`;
}

/** "answered 503 Service Unavailable" */
export const answeredWith = (status: number, statusText: string): string =>
  `answered ${status}${statusText ? ` ${statusText}` : ''}`;

/**
 * Answers worth the same request again later: the receiver was busy, overloaded or down
 * (408 timeout, 425 too early, 429 too many requests, any 5xx). Any other answer is final.
 */
export const isRetryableStatus = (status: number): boolean =>
  status === 408 || status === 425 || status === 429 || status >= 500;

/** Retry-After as seconds or an HTTP date, at most `capMs`; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, capMs: number): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const ms = /^\d+$/.test(value.trim()) ? Number(value) * 1000 : Date.parse(value) - Date.now();
  if (Number.isNaN(ms)) return undefined;
  return Math.max(0, Math.min(capMs, ms));
}
