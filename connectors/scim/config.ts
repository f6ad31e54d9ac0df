/**
 * Configuration of the SCIM 2.0 target: where the service provider is, how orgsync proves
 * who it is, what the service can do when its ServiceProviderConfig is not to be trusted,
 * and how units and persons are tied to Groups and Users.
 */
import { existsSync } from 'node:fs';
import { z } from 'zod';
import { secret } from '../../src/sdk/secret.js';

export const ENTERPRISE_USER = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

/** Hosts plain http is allowed to without `allowHttp`: a token sent there never leaves the machine. */
const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/** `auto` follows the service's ServiceProviderConfig; true or false overrides what it says. */
const Feature = z.union([z.literal('auto'), z.boolean()]).default('auto');
export type Feature = z.infer<typeof Feature>;

const Auth = z.discriminatedUnion('type', [
  z.strictObject({
    /** A long-lived token the service issued (most SaaS "SCIM token" settings). */
    type: z.literal('bearer'),
    token: secret(),
  }),
  z.strictObject({
    /** OAuth2 client credentials grant (RFC 6749 section 4.4): tokens fetched and renewed as needed. */
    type: z.literal('oauth2'),
    tokenUrl: z.url({ protocol: /^https?$/ }),
    clientId: z.string().min(1),
    clientSecret: secret(),
    scope: z.string().min(1).optional(),
    /** How the client authenticates to the token endpoint: HTTP Basic (RFC 6749's default) or in the form. */
    clientAuth: z.enum(['basic', 'body']).default('basic'),
  }),
]);

export const ScimConfig = z
  .strictObject({
    /** The SCIM base URL, below which /Users, /Groups and /ServiceProviderConfig live. */
    url: z.url({ protocol: /^https?$/ }).transform((u) => u.replace(/\/+$/, '')),
    auth: Auth,
    /** Plain http to anything but this machine sends the token in clear: refused unless set. */
    allowHttp: z.boolean().default(false),
    tls: z
      .strictObject({
        /** A CA (PEM) to trust besides the system's, for a service with a private certificate. */
        caFile: z.string().refine(existsSync, 'no such file'),
      })
      .optional(),
    /**
     * What the service can do. `auto` reads /ServiceProviderConfig; true or false overrides
     * it, for services whose discovery document is missing or wrong.
     */
    features: z
      .strictObject({ patch: Feature, filter: Feature, bulk: Feature, etag: Feature })
      .default({ patch: 'auto', filter: 'auto', bulk: 'auto', etag: 'auto' }),
    /** Spelling of PATCH `op`: `add`/`replace`/`remove` (RFC 7644), or `Add`/`Replace`/`Remove`. */
    patchOpCase: z.enum(['lower', 'capitalised']).default('lower'),
    users: z
      .strictObject({
        /**
         * How a person's existing User is found before one is created: by externalId (the
         * person key orgsync wrote), then, when listed, by the userName the mapping gives
         * (adopting a User someone made before orgsync, if it has no externalId yet).
         */
        correlateBy: z
          .array(z.enum(['externalId', 'userName']))
          .min(1)
          .default(['externalId', 'userName'])
          .refine(
            (l) => l[0] === 'externalId',
            'externalId must come first: it is how orgsync knows its own',
          ),
      })
      .default({ correlateBy: ['externalId', 'userName'] }),
    units: z
      .strictObject({
        /**
         * A unit's Group carries `<prefix><unit key>` as externalId: how orgsync tells its unit
         * groups from other groups (whose externalId may well be "10"). '' only for a service
         * where every group with an externalId is orgsync's.
         */
        externalIdPrefix: z.string().default('orgsync:'),
        /** Keep each person a member of their unit's Group (moves move the membership). */
        members: z.boolean().default(false),
      })
      .default({ externalIdPrefix: 'orgsync:', members: false }),
    /**
     * Attributes whose desired value is the key of another person or unit, written as
     * `{ value: <that object's SCIM id> }` and read back as the key.
     */
    references: z.record(z.string().min(1), z.enum(['person', 'unit'])).default({
      [`${ENTERPRISE_USER}:manager`]: 'person',
    }),
    /** Resources per page when listing (the service may send fewer). */
    pageSize: z.number().int().min(1).max(1000).default(100),
    bulk: z
      .strictObject({
        /** Most operations in one /Bulk request (and never more than the service's maxOperations). */
        maxOperations: z.number().int().min(1).max(10_000).default(100),
        /** How long changes are gathered before a /Bulk request goes out. */
        windowMs: z.number().int().min(0).max(1000).default(10),
      })
      .default({ maxOperations: 100, windowMs: 10 }),
    /** Per request; a service that does not answer in time is `transient`. */
    timeoutMs: z.number().int().positive().default(30_000),
    /** Reads (GET) answered 429 or 503 are retried this many times, after the Retry-After asked. */
    readRetries: z.number().int().min(0).max(10).default(3),
  })
  .refine((c) => c.allowHttp || c.url.startsWith('https:') || LOOPBACK.has(new URL(c.url).hostname), {
    message: 'url must be https:// (plain http sends the token in clear); set allowHttp: true to allow it',
    path: ['url'],
  })
  .refine(
    (c) =>
      c.auth.type !== 'oauth2' ||
      c.allowHttp ||
      c.auth.tokenUrl.startsWith('https:') ||
      LOOPBACK.has(new URL(c.auth.tokenUrl).hostname),
    {
      message: 'auth.tokenUrl must be https://; set allowHttp: true to allow http',
      path: ['auth', 'tokenUrl'],
    },
  );
export type ScimConfig = z.infer<typeof ScimConfig>;
