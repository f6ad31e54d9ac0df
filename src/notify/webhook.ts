/**
 * Webhook channel: POSTs the event as JSON. A receiver can check that it came from us (an
 * HMAC-SHA256 of the exact body bytes under the shared secret) and drop a duplicate (the
 * idempotency key is the same on every attempt). Network errors, timeouts, 429 and 5xx are
 * retried with a short backoff, because a notification a few seconds late is still worth
 * having; any other answer is final, since sending the same body again will not change it.
 */
import { createHmac } from 'node:crypto';
import fetch from 'node-fetch';
import type { Logger } from 'pino';
import { sleep as realSleep, type Sleep } from '../apply/retry.js';
import { type Channel, NotifyFailure } from './channel.js';
import type { WebhookConfig } from './config.js';
import type { NotifyEvent } from './event.js';

const BASE_DELAY_MS = 500;
/** Also the most of a receiver's Retry-After we honour: the worker should not hang on a notification. */
const MAX_DELAY_MS = 30_000;

export interface WebhookOptions {
  logger: Logger;
  /** Injectable so tests need not wait out the backoff. */
  sleep?: Sleep;
}

type Outcome = { ok: true } | { ok: false; retry: boolean; reason: string; retryAfterMs?: number };

export function createWebhookChannel(config: WebhookConfig, opts: WebhookOptions): Channel {
  const target = splitUrl(config.url);
  const sleep = opts.sleep ?? realSleep;
  return {
    name: 'webhook',
    on: config.on,
    async send(event: NotifyEvent) {
      const body = Buffer.from(JSON.stringify(event), 'utf8');
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        'user-agent': 'orgsync',
        // The same for every attempt of this event, so a receiver can drop a retried duplicate.
        'idempotency-key': `${event.runId}:${event.kind}`,
      };
      if (target.authorization) headers['authorization'] = target.authorization;
      const signature = config.secret
        ? `sha256=${createHmac('sha256', config.secret.reveal()).update(body).digest('hex')}`
        : undefined;

      for (let attempt = 1; ; attempt++) {
        if (signature) {
          headers['x-orgsync-signature'] = signature;
          headers['x-orgsync-timestamp'] = String(Math.floor(Date.now() / 1000));
        }
        const outcome = await post(target.href, body, headers, config.timeoutMs);
        if (outcome.ok) return;
        if (!outcome.retry || attempt >= config.attempts) {
          const tries = attempt > 1 ? ` (${attempt} attempts)` : '';
          throw new NotifyFailure(`POST ${target.safe}: ${outcome.reason}${tries}`);
        }
        const delayMs = outcome.retryAfterMs ?? Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** (attempt - 1));
        opts.logger.debug(
          { channel: 'webhook', url: target.safe, attempt, delayMs, reason: outcome.reason },
          'webhook attempt failed; retrying',
        );
        await sleep(delayMs);
      }
    },
    async close() {},
  };
}

async function post(
  url: string,
  body: Buffer,
  headers: Record<string, string>,
  timeoutMs: number,
): Promise<Outcome> {
  let status: number;
  let statusText: string;
  let retryAfter: string | null;
  try {
    const res = await fetch(url, {
      method: 'POST',
      body,
      headers,
      // node-fetch would turn a POST into a GET on 301/302: report the redirect instead.
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    ({ status, statusText } = res);
    retryAfter = res.headers.get('retry-after');
    // Read the answer to free the socket; what it says does not matter.
    await res.arrayBuffer().catch(() => undefined);
  } catch (e) {
    return { ok: false, retry: true, reason: networkReason(e, timeoutMs) };
  }
  if (status >= 200 && status < 300) return { ok: true };
  const answered = `answered ${status}${statusText ? ` ${statusText}` : ''}`;
  if (status === 429 || status >= 500) {
    return { ok: false, retry: true, reason: answered, retryAfterMs: parseRetryAfter(retryAfter) };
  }
  if (status >= 300 && status < 400) {
    return { ok: false, retry: false, reason: `${answered}: a redirect; set url to the final address` };
  }
  return { ok: false, retry: false, reason: answered };
}

/** Our own words for a failed request: node-fetch's messages quote the full URL. */
function networkReason(e: unknown, timeoutMs: number): string {
  const err = e as { name?: string; code?: string; type?: string };
  if (err.name === 'AbortError' || err.name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
  if (err.code) return `cannot reach the receiver (${err.code})`;
  return `request failed (${err.type ?? err.name ?? 'unknown error'})`;
}

/** Retry-After as seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const ms = /^\d+$/.test(value.trim()) ? Number(value) * 1000 : Date.parse(value) - Date.now();
  if (Number.isNaN(ms)) return undefined;
  return Math.max(0, Math.min(MAX_DELAY_MS, ms));
}

/**
 * node-fetch refuses a URL with credentials in it, so `https://user:pass@host/...` becomes
 * Basic authorization. `safe` (the origin) is the only form that goes into logs and
 * messages: userinfo, query and path may all hold tokens (Slack and Teams put theirs in the path).
 */
function splitUrl(raw: string): { href: string; safe: string; authorization?: string } {
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
