/**
 * The worker's admin HTTP server: fastify with the routes of ./routes.ts (/api) and
 * ./web.ts (health, metrics, the page), one error shape everywhere (./errors.ts), bearer
 * tokens (./auth.ts) and a few response headers that keep a browser from misusing what it
 * is sent (sniffing, framing, leaking the URL, caching API answers).
 *
 * Logging: the worker's pino logger, without fastify's line per request (a page polling
 * every few seconds would drown the log); errors of the 5xx kind are logged by the error
 * handler. fastify's request serializer logs method and URL, never headers, so the
 * Authorization header cannot reach the log.
 */
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  LogController,
} from 'fastify';
import type { Logger } from 'pino';
import type { ApiConfig } from '../worker/config.js';
import type { WorkerControl } from '../worker/control.js';
import { createAuthenticator } from './auth.js';
import { handleError, handleNotFound } from './errors.js';
import { registerApiRoutes } from './routes.js';
import { type MetricsSource, registerWebRoutes } from './web.js';

export interface ApiOptions {
  logger: Logger;
  metrics: MetricsSource;
}

const BODY_LIMIT = 16 * 1024;

/** The page loads only its own files: no inline script or style, no framing. */
const PAGE_CSP = "default-src 'self'; frame-ancestors 'none'";
/** Everything else (JSON, CSS, JS, metrics) is never a document that loads anything. */
const OTHER_CSP = "default-src 'none'; frame-ancestors 'none'";

/** The headers every answer carries (see the top of this file). */
function harden(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  reply.header('x-content-type-options', 'nosniff');
  reply.header('referrer-policy', 'no-referrer');
  reply.header('x-frame-options', 'DENY');
  const type = String(reply.getHeader('content-type') ?? '');
  reply.header('content-security-policy', type.startsWith('text/html') ? PAGE_CSP : OTHER_CSP);
  if (request.url.startsWith('/api/') || request.url === '/api') reply.header('cache-control', 'no-store');
  return reply;
}

export async function buildApi(
  control: WorkerControl,
  config: ApiConfig,
  opts: ApiOptions,
): Promise<FastifyInstance> {
  const app = Fastify({
    // Typed as fastify's logger so the instance is a plain FastifyInstance.
    loggerInstance: opts.logger.child({ component: 'api' }) as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: BODY_LIMIT,
    // fastify's own refusals of a bad URL, in the API's error shape. These bypass the
    // onSend hooks, so they get their headers here.
    frameworkErrors: (err, request, reply) => handleError(err, request, harden(request, reply)),
  });

  app.decorateRequest('caller', null);
  app.setErrorHandler(handleError);
  app.setNotFoundHandler(handleNotFound);

  // Bodies are JSON only (anything else is 415). An empty body with Content-Type:
  // application/json counts as none, as `curl -X POST -H 'content-type: ...'` sends.
  const json = app.getDefaultJsonParser('error', 'error');
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body.length === 0) return done(null, undefined);
    return json(request, body as string, done);
  });

  app.addHook('onSend', async (request, reply, payload) => {
    harden(request, reply);
    return payload;
  });

  const auth = createAuthenticator(config);
  registerApiRoutes(app, control, auth);
  await registerWebRoutes(app, control, config, auth, opts);
  return app;
}

/** Builds the API and listens on config.host:config.port (0: any free port). */
export async function startApi(
  control: WorkerControl,
  config: ApiConfig,
  opts: ApiOptions,
): Promise<{ url: string; close(): Promise<void> }> {
  const app = await buildApi(control, config, opts);
  // fastify logs "Server listening at <url>" itself.
  const url = await app.listen({ host: config.host, port: config.port });
  return { url, close: () => app.close() };
}
