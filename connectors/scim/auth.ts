/**
 * The Authorization header of SCIM requests: a configured bearer token, or an access token
 * from an OAuth2 token endpoint (client credentials grant, RFC 6749 section 4.4), fetched
 * when first needed, kept until shortly before it expires, and fetched anew when the service
 * refuses it. Tokens and secrets never reach a log or a message.
 */
import fetch, { type RequestInit } from 'node-fetch';
import { ConnectorError } from '../../src/sdk/errors.js';
import { isRetryableStatus, parseRetryAfter } from '../../src/util/http.js';
import type { ScimConfig } from './config.js';
import { transportError } from './errors.js';

export interface Credentials {
  /** The header value for the next request. */
  header(): Promise<string>;
  /** Drops a refused token; true when a new one can be had (OAuth2), false for a fixed one. */
  renew(): boolean;
}

/** A token is renewed this long before the endpoint said it expires, or at half its life if shorter. */
const EARLY_MS = 60_000;
const DEFAULT_TTL_S = 3600;

export function credentials(
  auth: ScimConfig['auth'],
  opts: { timeoutMs: number; agent: RequestInit['agent'] },
): Credentials {
  if (auth.type === 'bearer') {
    return { header: async () => `Bearer ${auth.token.reveal()}`, renew: () => false };
  }
  const origin = new URL(auth.tokenUrl).origin;
  let cached: { value: string; renewAt: number } | null = null;
  let inFlight: Promise<string> | null = null;

  const fetchToken = async (): Promise<string> => {
    const form = new URLSearchParams({ grant_type: 'client_credentials' });
    if (auth.scope) form.set('scope', auth.scope);
    const headers: Record<string, string> = {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
    };
    if (auth.clientAuth === 'basic') {
      // RFC 6749 section 2.3.1: both parts form-encoded before they are joined.
      const pair = `${encodeURIComponent(auth.clientId)}:${encodeURIComponent(auth.clientSecret.reveal())}`;
      headers['authorization'] = `Basic ${Buffer.from(pair).toString('base64')}`;
    } else {
      form.set('client_id', auth.clientId);
      form.set('client_secret', auth.clientSecret.reveal());
    }
    const what = 'OAuth2 token';
    let res: Awaited<ReturnType<typeof fetch>>;
    let answer: { access_token?: unknown; expires_in?: unknown; error?: unknown } = {};
    try {
      res = await fetch(auth.tokenUrl, {
        method: 'POST',
        headers,
        body: form.toString(),
        redirect: 'manual',
        agent: opts.agent,
        signal: AbortSignal.timeout(opts.timeoutMs),
      });
      answer = (await res.json().catch(() => ({}))) as typeof answer;
    } catch (e) {
      throw transportError(what, origin, e, opts.timeoutMs);
    }
    if (isRetryableStatus(res.status)) {
      const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'), 60_000);
      throw new ConnectorError(
        'transient',
        `${what}: ${origin} answered ${res.status}`,
        retryAfterMs === undefined ? {} : { retryAfterMs },
      );
    }
    // The OAuth2 error code (invalid_client, invalid_scope) is the endpoint's, never a secret.
    const code = typeof answer.error === 'string' ? ` (${answer.error.replace(/[^\w.-]/g, '')})` : '';
    if (res.status < 200 || res.status >= 300 || typeof answer.access_token !== 'string')
      throw new ConnectorError(
        'invalid-config',
        `${what}: ${origin} refused the client credentials grant with ${res.status}${code}; check auth.clientId, auth.clientSecret and auth.scope`,
      );
    const ttlMs = (typeof answer.expires_in === 'number' ? answer.expires_in : DEFAULT_TTL_S) * 1000;
    cached = { value: answer.access_token, renewAt: Date.now() + ttlMs - Math.min(EARLY_MS, ttlMs / 2) };
    return answer.access_token;
  };

  return {
    header: async () => {
      if (cached && Date.now() < cached.renewAt) return `Bearer ${cached.value}`;
      // Requests made while a token is on its way wait for that one: one grant, not twenty.
      inFlight ??= fetchToken().finally(() => {
        inFlight = null;
      });
      return `Bearer ${await inFlight}`;
    },
    renew: () => {
      cached = null;
      return true;
    },
  };
}
