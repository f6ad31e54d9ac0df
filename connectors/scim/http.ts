/**
 * SCIM requests over node-fetch: JSON in and out, the Authorization header (renewed once
 * when the service answers 401), a time limit per request, keep-alive connections, and
 * reads retried when the service asks to slow down. Writes are never retried here: the
 * executor retries their changes, after the Retry-After the service gave.
 *
 * Only the origin, the method and the resource type are logged: paths hold ids, queries hold
 * filters with userNames, and headers hold tokens.
 */
import { readFileSync } from 'node:fs';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { rootCertificates } from 'node:tls';
import fetch from 'node-fetch';
import type { Logger } from 'pino';
import { sleep } from '../../src/apply/retry.js';
import { parseRetryAfter } from '../../src/util/http.js';
import { type Credentials, credentials } from './auth.js';
import type { ScimConfig } from './config.js';
import { statusError, transportError } from './errors.js';

/** The longest Retry-After honoured: a service asking for more is tried again by the next run. */
const MAX_RETRY_AFTER_MS = 120_000;

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** A SCIM answer: any status. */
export interface Answer {
  status: number;
  /** The parsed JSON body, or undefined for an empty or non-JSON one. */
  body: unknown;
  /** The ETag header, or the body's meta.version. */
  version: string | null;
  retryAfterMs: number | undefined;
}

export interface RequestOptions {
  body?: unknown;
  /** If-Match: the version the write expects the resource to have. */
  ifMatch?: string | null | undefined;
  /** What is done to which object, for messages: `update person p-1a2b`. */
  what: string;
}

export const isSuccess = (status: number) => status >= 200 && status < 300;

/** meta.version of a resource body, when it has one. */
export function versionOf(body: unknown): string | null {
  const v = (body as { meta?: { version?: unknown } } | null | undefined)?.meta?.version;
  return typeof v === 'string' && v !== '' ? v : null;
}

export class ScimHttp {
  readonly origin: string;
  readonly #base: string;
  readonly #cfg: ScimConfig;
  readonly #logger: Logger;
  readonly #credentials: Credentials;
  readonly #http = new HttpAgent({ keepAlive: true });
  readonly #https: HttpsAgent;

  constructor(cfg: ScimConfig, logger: Logger) {
    this.#cfg = cfg;
    this.#base = cfg.url;
    this.origin = new URL(cfg.url).origin;
    this.#logger = logger;
    this.#https = new HttpsAgent({
      keepAlive: true,
      minVersion: 'TLSv1.2',
      ...(cfg.tls ? { ca: [...rootCertificates, readFileSync(cfg.tls.caFile, 'utf8')] } : {}),
    });
    const agent = (url: URL) => (url.protocol === 'http:' ? this.#http : this.#https);
    this.#credentials = credentials(cfg.auth, { timeoutMs: cfg.timeoutMs, agent });
  }

  /** One request; an answer of any status is returned, no answer at all throws `transient`. */
  async send(method: Method, path: string, opts: RequestOptions): Promise<Answer> {
    let answer = await this.#once(method, path, opts);
    // An expired or revoked OAuth2 token: one new token, one more try. A fixed token is wrong.
    if (answer.status === 401 && this.#credentials.renew()) answer = await this.#once(method, path, opts);
    return answer;
  }

  /**
   * A read that must succeed (or answer one of `accept`): 429 and 503 are waited out (as the
   * service asked, or with a growing pause) up to `readRetries` times; any other failure
   * throws its typed error.
   */
  async get(path: string, what: string, accept: readonly number[] = []): Promise<Answer> {
    for (let attempt = 0; ; attempt++) {
      const answer = await this.send('GET', path, { what });
      if (isSuccess(answer.status) || accept.includes(answer.status)) return answer;
      const busy = answer.status === 429 || answer.status === 503;
      if (!busy || attempt >= this.#cfg.readRetries)
        throw statusError(what, answer.status, answer.body, answer.retryAfterMs);
      await sleep(answer.retryAfterMs ?? Math.min(30_000, 500 * 2 ** attempt));
    }
  }

  /** A request that must succeed: anything else throws its typed error. */
  async must(method: Method, path: string, opts: RequestOptions): Promise<Answer> {
    const answer = await this.send(method, path, opts);
    if (!isSuccess(answer.status))
      throw statusError(opts.what, answer.status, answer.body, answer.retryAfterMs);
    return answer;
  }

  close(): void {
    this.#http.destroy();
    this.#https.destroy();
  }

  async #once(method: Method, path: string, opts: RequestOptions): Promise<Answer> {
    const headers: Record<string, string> = {
      accept: 'application/scim+json, application/json',
      authorization: await this.#credentials.header(),
    };
    if (opts.body !== undefined) headers['content-type'] = 'application/scim+json';
    if (opts.ifMatch) headers['if-match'] = opts.ifMatch;
    const started = Date.now();
    try {
      const res = await fetch(`${this.#base}${path}`, {
        method,
        headers,
        ...(opts.body === undefined ? {} : { body: JSON.stringify(opts.body) }),
        redirect: 'manual',
        agent: (url) => (url.protocol === 'http:' ? this.#http : this.#https),
        signal: AbortSignal.timeout(this.#cfg.timeoutMs),
      });
      const text = await res.text();
      let body: unknown;
      try {
        body = text === '' ? undefined : JSON.parse(text);
      } catch {
        body = undefined; // an HTML error page from a proxy: the status says enough
      }
      this.#logger.debug(
        {
          origin: this.origin,
          method,
          resource: path.split(/[/?]/)[1],
          status: res.status,
          ms: Date.now() - started,
        },
        'SCIM request',
      );
      return {
        status: res.status,
        body,
        version: res.headers.get('etag') ?? versionOf(body),
        retryAfterMs: parseRetryAfter(res.headers.get('retry-after'), MAX_RETRY_AFTER_MS),
      };
    } catch (e) {
      throw transportError(opts.what, this.origin, e, this.#cfg.timeoutMs);
    }
  }
}
