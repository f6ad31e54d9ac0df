/**
 * Who is told when a run fails or a target is blocked: a webhook and/or e-mail over SMTP.
 * Secrets (the webhook's signing key, the SMTP password) are references, never values.
 */
import { z } from 'zod';
import { lazySecret } from '../sdk/secret.js';

/** The events a channel can be told about. */
export const NotifyEventKind = z.enum(['run-failed', 'target-blocked', 'run-partial', 'run-recovered']);
export type NotifyEventKind = z.infer<typeof NotifyEventKind>;

const On = z.array(NotifyEventKind).min(1).default(['run-failed', 'target-blocked', 'run-partial']);

export const WebhookConfig = z
  .object({
    url: z.url({ protocol: /^https?$/ }),
    /** When set, each body is signed: header `x-orgsync-signature: sha256=<hex HMAC of the body>`. */
    secret: lazySecret().optional(),
    on: On,
    timeoutMs: z.number().int().min(100).max(120_000).default(10_000),
    /** Attempts in all, with backoff between them, before the notification is given up (and logged). */
    attempts: z.number().int().min(1).max(10).default(3),
  })
  .strict();
export type WebhookConfig = z.infer<typeof WebhookConfig>;

export const EmailConfig = z
  .object({
    host: z.string().min(1),
    port: z.number().int().min(1).max(65535).default(587),
    /** true: TLS from the start (port 465). false: STARTTLS when the server offers it. */
    secure: z.boolean().default(false),
    /** Refuse to send without STARTTLS (recommended off loopback). */
    requireTls: z.boolean().default(false),
    user: z.string().optional(),
    password: lazySecret().optional(),
    from: z.string().min(3),
    to: z.array(z.string().min(3)).min(1),
    on: On,
    timeoutMs: z.number().int().min(100).max(120_000).default(15_000),
  })
  .strict()
  .refine(
    (e) => (e.user === undefined) === (e.password === undefined),
    'set both user and password, or neither',
  );
export type EmailConfig = z.infer<typeof EmailConfig>;

export const NotifyConfig = z
  .object({
    webhook: WebhookConfig.optional(),
    email: EmailConfig.optional(),
  })
  .strict();
export type NotifyConfig = z.infer<typeof NotifyConfig>;
