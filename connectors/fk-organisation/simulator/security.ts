/**
 * The simulator's OIOIDWS, switched on by `startFkSimulator({ security })`: the simulated STS
 * (sts.ts), served by the simulator's own HTTP server at STS_PATH, and the token check
 * (token-check.ts) installed as its auth hook, trusting that STS's certificate.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { ORGANISATION_AUDIENCE } from '../oioidws/ns.js';
import type { TestCertificate } from './certs.js';
import type { AuthResult } from './server.js';
import { createSimulatedSts, type SimulatedSts, type StsClientRegistration } from './sts.js';
import { tokenCheck } from './token-check.js';

export interface FkSecurityOptions {
  /** Certificates the STS knows, each registered for a CVR. */
  clients: StsClientRegistration[];
  /** The CVRs the service serves (default: every client's). */
  cvrs?: string[];
  /** Lifetime of issued tokens (default 8 hours). */
  tokenLifetimeMs?: number;
  /** The clock of the STS and the token check (default: the simulator's). */
  clock?: () => Date;
  /** The services the STS issues tokens for (default: FK Organisation's entity ID). */
  audiences?: string[];
  /** The entity ID this service accepts tokens for (default: FK Organisation's). */
  audience?: string;
  /** The STS's signing certificate and key; default: made at start (a few hundred ms). */
  stsSigner?: TestCertificate;
  /** Allowed clock difference for the service's checks (default 60 s). */
  clockSkewMs?: number;
}

export interface SimulatorSecurity {
  sts: SimulatedSts;
  auth: (headers: IncomingHttpHeaders, envelopeXml: string) => AuthResult;
}

export async function simulatorSecurity(
  opts: FkSecurityOptions,
  simulatorClock: () => Date,
): Promise<SimulatorSecurity> {
  const clock = opts.clock ?? simulatorClock;
  const sts = await createSimulatedSts({
    clients: opts.clients,
    clock,
    audiences: opts.audiences ?? [ORGANISATION_AUDIENCE],
    ...(opts.stsSigner ? { signer: opts.stsSigner } : {}),
    ...(opts.tokenLifetimeMs === undefined ? {} : { tokenLifetimeMs: opts.tokenLifetimeMs }),
  });
  const auth = tokenCheck({
    stsCertificatePem: sts.certificatePem,
    cvrs: opts.cvrs ?? [...new Set(opts.clients.map((c) => c.cvr))],
    audience: opts.audience ?? ORGANISATION_AUDIENCE,
    clock,
    ...(opts.clockSkewMs === undefined ? {} : { clockSkewMs: opts.clockSkewMs }),
  });
  return { sts, auth };
}
