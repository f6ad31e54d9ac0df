/**
 * Configuration of OIOIDWS sign-in: the STS, the municipality (CVR) tokens are issued for,
 * the service they apply to, and where the system's certificate and key are. The key is
 * read from a file or an environment variable, never written in the config; a passphrase is
 * a secret (`{ env }` or `{ file }`).
 */
import { z } from 'zod';
import { secret } from '../../../src/sdk/secret.js';
import { ORGANISATION_AUDIENCE } from './ns.js';

const isLocal = (url: string) => /^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?(\/|$)/.test(url);

function exactlyOne(
  value: Record<string, unknown>,
  ctx: z.RefinementCtx,
  keys: [string, string],
  what: string,
  optional = false,
): void {
  const given = keys.filter((k) => value[k] !== undefined);
  if (given.length > 1 || (!optional && given.length === 0)) {
    ctx.addIssue({ code: 'custom', message: `${what}: give exactly one of ${keys.join(' or ')}` });
  }
}

const EnvName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name');

export const OioidwsCertificate = z
  .strictObject({
    /** PEM file with the system's (OCES3) certificate; it may hold the key too. */
    certFile: z.string().min(1).optional(),
    /** Environment variable holding that PEM (`\n` escapes allowed). */
    certEnv: EnvName.optional(),
    /** PEM file with the private key (PKCS#8 or PKCS#1, encrypted or not). */
    keyFile: z.string().min(1).optional(),
    keyEnv: EnvName.optional(),
    /** The key's passphrase, when it is encrypted. */
    passphrase: secret().optional(),
  })
  .superRefine((c, ctx) => {
    exactlyOne(c, ctx, ['certFile', 'certEnv'], 'certificate');
    exactlyOne(c, ctx, ['keyFile', 'keyEnv'], 'certificate key');
  });
export type OioidwsCertificate = z.infer<typeof OioidwsCertificate>;

export const PemSource = z
  .strictObject({ file: z.string().min(1).optional(), env: EnvName.optional() })
  .superRefine((c, ctx) => exactlyOne(c, ctx, ['file', 'env'], 'certificate'));

export const OioidwsConfig = z.strictObject({
  /**
   * KOMBIT's STS: https://n2adgangsstyring.stoettesystemerne.dk/runtime/services/kombittrust/14/certificatemixed
   * (production), n2adgangsstyring.eksterntest-stoettesystemerne.dk (external test), or the
   * simulator's (`stsUrl`) on this machine.
   */
  stsUrl: z
    .string()
    .url()
    .refine((s) => s.startsWith('https://') || isLocal(s), 'must be https:// (or http:// on this machine)'),
  /** The municipality's CVR number: the claim the token is issued for. */
  cvr: z.string().regex(/^\d{8}$/, 'must be a CVR number (8 digits)'),
  /** The service's entity ID (AppliesTo, the token's audience). */
  appliesTo: z.string().min(1).default(ORGANISATION_AUDIENCE),
  certificate: OioidwsCertificate,
  /** The STS's signing certificate: when given, every issued assertion's signature is checked. */
  stsCertificate: PemSource.optional(),
  /** Fetch a new token this long before the current one expires (default 5 minutes). */
  refreshBeforeMs: z
    .number()
    .int()
    .min(0)
    .max(12 * 3600_000)
    .default(5 * 60_000),
  /** Timeout of one STS request. */
  timeoutMs: z.number().int().min(1000).max(600_000).default(30_000),
});
export type OioidwsConfig = z.infer<typeof OioidwsConfig>;
export type OioidwsConfigInput = z.input<typeof OioidwsConfig>;
