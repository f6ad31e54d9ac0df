/**
 * OIOIDWS for FK Organisation: tokens from KOMBIT's STS, cached, and every call signed with
 * the token's holder-of-key. Wiring into a call (call.ts):
 *
 *   const oioidws = createOioidws(config);           // reads and checks the certificate and key
 *   const token = await oioidws.cache.token();       // cached per (CVR, service), single-flight
 *   client.setSecurity(securityFor(token, { action, to }));
 *   await client.laesAsync(body, { timeout });        // no await between setSecurity and this
 *
 * or `ctx.security = oioidws.callSecurity` with call.ts's CallSecurity.
 */
import type soap from 'soap';
import { TokenCache } from './cache.js';
import type { OioidwsConfig } from './config.js';
import { type Credentials, loadCredentials } from './credentials.js';
import { securityFor } from './secure.js';
import { StsClient, type StsClientOptions } from './sts-client.js';

export { type IssueToken, TokenCache, type TokenCacheOptions } from './cache.js';
export { OioidwsCertificate, OioidwsConfig, type OioidwsConfigInput, PemSource } from './config.js';
export { type Credentials, loadCredentials } from './credentials.js';
export { NS, ORGANISATION_AUDIENCE, STS_PATH, URI } from './ns.js';
export {
  type SecureOptions,
  type SecurityForOptions,
  type SoapSecurity,
  secure,
  securityFor,
} from './secure.js';
export {
  issueRequest,
  parseIssueResponse,
  StsClient,
  type StsClientOptions,
  soapFault,
  type TokenKey,
} from './sts-client.js';
export { OioidwsToken } from './token.js';

/** Signs one call: what call.ts's `CallSecurity` is (structurally). */
export interface OioidwsCallSecurity {
  prepare(): Promise<(client: soap.Client, call: { action: string; to: string }) => void>;
}

/** Gets a token first (async), then returns the synchronous step that puts it on the client. */
export function oioidwsCallSecurity(
  cache: TokenCache,
  opts: { clock?: () => Date } = {},
): OioidwsCallSecurity {
  return {
    prepare: async () => {
      const token = await cache.token();
      return (client, call) => client.setSecurity(securityFor(token, { ...call, ...opts }));
    },
  };
}

export interface Oioidws {
  sts: StsClient;
  cache: TokenCache;
  callSecurity: OioidwsCallSecurity;
  /** The system's certificate subject, for logs. */
  subject: string;
}

/** Everything a connector needs, from a parsed config. Throws `invalid-config` for bad credentials. */
export function createOioidws(
  config: OioidwsConfig,
  opts: StsClientOptions & { env?: NodeJS.ProcessEnv } = {},
): Oioidws {
  const credentials: Credentials = loadCredentials(config, opts.env);
  const sts = new StsClient(config, credentials, opts);
  const cache = new TokenCache((key) => sts.issue(key), {
    defaults: { cvr: config.cvr, appliesTo: config.appliesTo },
    refreshBeforeMs: config.refreshBeforeMs,
    ...(opts.clock ? { clock: opts.clock } : {}),
  });
  return {
    sts,
    cache,
    callSecurity: oioidwsCallSecurity(cache, opts.clock ? { clock: opts.clock } : {}),
    subject: credentials.subject,
  };
}
