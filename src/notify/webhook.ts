/**
 * Webhook channel: POSTs the event as JSON. A receiver can check that it came from us (an
 * HMAC-SHA256 of the exact body bytes under the shared secret) and drop a duplicate (the
 * idempotency key is the same on every attempt). Network errors, timeouts, 429 and 5xx are
 * retried with a short backoff, because a notification a few seconds late is still worth
 * having; any other answer is final, since sending the same body again will not change it.
 */
import { createHmac } from 'node:crypto';
import type { Logger } from 'pino';
import { sleep as realSleep, type Sleep } from '../apply/retry.js';
import {
  answeredWith,
  isRetryableStatus,
  parseRetryAfter as parseRetryAfterCapped,
  postOnce,
  splitUrl,
} from '../util/http.js';
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
        const outcome = await deliver(target.href, body, headers, config.timeoutMs);
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

/** One POST, read for what the loop above needs: delivered, or why not and whether to try again. */
async function deliver(
  url: string,
  body: Buffer,
  headers: Record<string, string>,
  timeoutMs: number,
): Promise<Outcome> {
  const answer = await postOnce(url, body, headers, { timeoutMs });
  if (!answer.reached) return { ok: false, retry: true, reason: answer.reason };
  const { status } = answer;
  if (status >= 200 && status < 300) return { ok: true };
  const answered = answeredWith(status, answer.statusText);
  if (isRetryableStatus(status)) {
    return { ok: false, retry: true, reason: answered, retryAfterMs: parseRetryAfter(answer.retryAfter) };
  }
  if (status >= 300 && status < 400) {
    return { ok: false, retry: false, reason: `${answered}: a redirect; set url to the final address` };
  }
  return { ok: false, retry: false, reason: answered };
}

/** Retry-After as seconds or an HTTP date, at most 30 s; undefined when absent or unreadable. */
export const parseRetryAfter = (value: string | null): number | undefined =>
  parseRetryAfterCapped(value, MAX_DELAY_MS);
