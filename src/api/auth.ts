/**
 * Who may use the admin API: `Authorization: Bearer <token>`, checked against the tokens
 * in worker.api.tokens. Each token has a role; `operator` can do everything `read` can,
 * and also start runs.
 *
 * The check takes the same time whichever token matches, or none: both sides are hashed
 * (so lengths never differ) and every configured token is compared with timingSafeEqual,
 * without stopping at the first match. The token itself is never logged or echoed.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import { OrgsyncError } from '../errors.js';
import type { ApiConfig, Role } from '../worker/config.js';
import type { Caller } from '../worker/control.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the auth hook on /api routes: the token's name and role. */
    caller: Caller | null;
  }
}

const RANK: Record<Role, number> = { read: 1, operator: 2 };

const sha256 = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

export interface Authenticator {
  /** An onRequest hook that admits callers with at least `role` and sets request.caller. */
  require(role: Role): onRequestAsyncHookHandler;
  /** The caller a token belongs to, or null. Constant time in which token matches. */
  identify(token: string): Caller | null;
}

export function createAuthenticator(config: Pick<ApiConfig, 'tokens'>): Authenticator {
  // Hashed once: the values are not kept in this closure in clear.
  const known = config.tokens.map((t) => ({ name: t.name, role: t.role, digest: sha256(t.token.reveal()) }));

  function identify(token: string): Caller | null {
    const digest = sha256(token);
    let found: Caller | null = null;
    for (const k of known) {
      // No early exit: every token is compared, so timing says nothing about which matched.
      if (timingSafeEqual(digest, k.digest) && found === null) found = { name: k.name, role: k.role };
    }
    return found;
  }

  function authenticate(request: FastifyRequest, reply: FastifyReply): Caller {
    if (known.length === 0) {
      reply.header('www-authenticate', 'Bearer');
      throw new OrgsyncError(
        'ORGSYNC_API_UNAUTHORIZED',
        'the admin API has no tokens configured, so it refuses every request; configure worker.api.tokens',
      );
    }
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer[ ]+(\S+)\s*$/i.exec(header) : null;
    if (!match?.[1]) {
      reply.header('www-authenticate', 'Bearer');
      throw new OrgsyncError(
        'ORGSYNC_API_UNAUTHORIZED',
        header === undefined
          ? 'a token is required: send it as "Authorization: Bearer <token>"'
          : 'the Authorization header is not "Bearer <token>"',
      );
    }
    const caller = identify(match[1]);
    if (!caller) {
      // Worth a line: repeated refusals are someone guessing, or a script with an old token.
      request.log.info({ url: request.url }, 'admin API token refused');
      reply.header('www-authenticate', 'Bearer error="invalid_token"');
      throw new OrgsyncError(
        'ORGSYNC_API_UNAUTHORIZED',
        'the token was refused: it is not one of the tokens configured in worker.api.tokens',
      );
    }
    return caller;
  }

  return {
    identify,
    require(role: Role): onRequestAsyncHookHandler {
      return async (request, reply) => {
        const caller = authenticate(request, reply);
        if (RANK[caller.role] < RANK[role]) {
          request.log.info({ caller: caller.name, url: request.url }, 'admin API request refused: role');
          throw new OrgsyncError(
            'ORGSYNC_API_FORBIDDEN',
            `${caller.name} has the ${caller.role} role; this needs the ${role} role`,
          );
        }
        request.caller = caller;
      };
    },
  };
}
