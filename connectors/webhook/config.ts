/**
 * Configuration of the webhook target: where change sets go, the key they are signed with,
 * how the receiver is told who we are, and how many changes go in one POST.
 */
import { z } from 'zod';
import { secret } from '../../src/sdk/secret.js';

const isLoopback = (host: string) => host === 'localhost' || host === '127.0.0.1' || host === '[::1]';
const parseUrl = (u: string): URL | undefined => (URL.canParse(u) ? new URL(u) : undefined);

/** An RFC 9110 token: what a header name may hold. */
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;

/** Headers the connector sets itself: a configured one would break signing, dedupe or framing. */
export const RESERVED_HEADERS: ReadonlySet<string> = new Set([
  'content-type',
  'content-length',
  'host',
  'user-agent',
  'idempotency-key',
  'x-orgsync-signature',
  'x-orgsync-timestamp',
  'transfer-encoding',
  'connection',
]);

const HeaderValue = z.union([
  z.string().regex(/^[^\r\n]*$/, 'must be one line'),
  // A value that is a credential (an API key header) is a secret reference like any other.
  secret(),
]);

export const WebhookTargetConfig = z
  .strictObject({
    /**
     * Where each change set is POSTed. https://, or http:// to this machine; plain http to
     * another host only with allowHttp, since change sets carry personal data.
     */
    url: z
      .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })
      .superRefine((u, ctx) => {
        const url = parseUrl(u);
        if (!url) return; // reported by z.url() above; refinements still run after it fails
        if (url.username !== '' || url.password !== '')
          ctx.addIssue({
            code: 'custom',
            message: 'must not hold credentials: use bearerToken, or a header whose value is a secret',
          });
        if (url.hash !== '')
          ctx.addIssue({ code: 'custom', message: 'must not have a #fragment (it is never sent)' });
      }),
    allowHttp: z.boolean().default(false),
    /** HMAC-SHA256 key the receiver checks signatures with. At least 16 characters. */
    secret: secret().refine((s) => s.reveal().length >= 16, 'must be at least 16 characters long'),
    /** Sent as `Authorization: Bearer <token>` when the receiver also wants a token. */
    bearerToken: secret().optional(),
    /** Extra headers on every request (a receiver's API key, a tenant id). */
    headers: z
      .record(z.string(), HeaderValue)
      .superRefine((headers, ctx) => {
        // Checked here, not in the record's key schema, so the message names the header.
        for (const name of Object.keys(headers)) {
          if (!HEADER_NAME.test(name))
            ctx.addIssue({ code: 'custom', path: [name], message: 'is not a valid header name' });
          else if (RESERVED_HEADERS.has(name.toLowerCase()))
            ctx.addIssue({ code: 'custom', path: [name], message: 'is set by orgsync itself' });
        }
      })
      .default({}),
    /** Per request: a receiver slower than this is retried as unreachable. */
    timeoutMs: z.number().int().min(100).max(120_000).default(15_000),
    /** Changes in one POST. A receiver stores each POST as a whole, or refuses it as a whole. */
    batchSize: z.number().int().min(1).max(1000).default(100),
    /**
     * Whether a refusal's message quotes the receiver's own text (cleaned: values sent masked).
     * Off by default: the masking is heuristic, and a receiver may quote values of objects that
     * were not in the batch, which nothing here can know to mask.
     */
    showReceiverText: z.boolean().default(false),
  })
  .refine(
    (c) => {
      const url = parseUrl(c.url);
      return !url || c.allowHttp || url.protocol === 'https:' || isLoopback(url.hostname);
    },
    {
      message:
        'must be https:// (change sets hold personal data); set allowHttp: true to send them unencrypted',
      path: ['url'],
    },
  )
  .refine(
    (c) =>
      c.bearerToken === undefined || !Object.keys(c.headers).some((h) => h.toLowerCase() === 'authorization'),
    { message: 'set bearerToken or an Authorization header, not both', path: ['headers'] },
  );
export type WebhookTargetConfig = z.infer<typeof WebhookTargetConfig>;
