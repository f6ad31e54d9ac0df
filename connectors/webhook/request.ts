/**
 * One signed POST to the receiver. The signature is an HMAC-SHA256 over
 * `<timestamp>.<exact body bytes>`, so a receiver that checks it also knows the timestamp is
 * ours and can refuse a captured request replayed later (the notification webhook signs the
 * body alone). The timestamp is taken per attempt: a retry is a fresh request of the same body.
 */
import { createHmac } from 'node:crypto';
import { type Endpoint, type PostOutcome, postOnce, splitUrl } from '../../src/util/http.js';
import type { EncodedBatch } from './body.js';
import type { WebhookTargetConfig } from './config.js';

export const SIGNATURE_HEADER = 'x-orgsync-signature';
export const TIMESTAMP_HEADER = 'x-orgsync-timestamp';

/** `sha256=<hex>` of `<timestamp>.<body>` under `key`: what a receiver recomputes. */
export function signature(key: string, timestamp: string, body: Buffer): string {
  const mac = createHmac('sha256', key).update(`${timestamp}.`, 'utf8').update(body).digest('hex');
  return `sha256=${mac}`;
}

/** The receiver, resolved once per session: its address and the headers every request carries. */
export interface Receiver {
  endpoint: Endpoint;
  timeoutMs: number;
  /** One attempt: freshly timestamped and signed. Never throws (see postOnce). */
  send(batch: EncodedBatch): Promise<PostOutcome>;
  /** Strings that must never appear in a message: the key and every credential, revealed once. */
  credentials: readonly string[];
}

export function openReceiver(config: WebhookTargetConfig): Receiver {
  const endpoint = splitUrl(config.url);
  const key = config.secret.reveal();
  const fixed: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'orgsync' };
  const credentials = [key];
  for (const [name, value] of Object.entries(config.headers)) {
    const revealed = typeof value === 'string' ? value : value.reveal();
    if (typeof value !== 'string') credentials.push(revealed);
    fixed[name.toLowerCase()] = revealed;
  }
  if (config.bearerToken) {
    const token = config.bearerToken.reveal();
    credentials.push(token);
    fixed['authorization'] = `Bearer ${token}`;
  }
  return {
    endpoint,
    timeoutMs: config.timeoutMs,
    credentials,
    send(batch) {
      const timestamp = String(Math.floor(Date.now() / 1000));
      const headers = {
        ...fixed,
        'idempotency-key': batch.idempotencyKey,
        [TIMESTAMP_HEADER]: timestamp,
        [SIGNATURE_HEADER]: signature(key, timestamp, batch.bytes),
      };
      return postOnce(endpoint.href, batch.bytes, headers, { timeoutMs: config.timeoutMs });
    },
  };
}
