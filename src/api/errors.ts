/**
 * How the admin API answers when something goes wrong: always JSON of one shape,
 * `{ error: { code, message, hint } }`, so the page and scripts handle every failure the
 * same way. An OrgsyncError answers with its own status (src/errors.ts); fastify's own
 * refusals (malformed JSON, body too large, wrong content type) keep their 4xx status with
 * an orgsync code; anything else is a bug: logged in full, answered with a generic 500
 * that names the request id and never carries a stack.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ERRORS, type ErrorCode, isOrgsyncError, OrgsyncError } from '../errors.js';

export interface ErrorBody {
  error: { code: string; message: string; hint: string };
}

export function errorBody(code: ErrorCode, message: string, hint: string = ERRORS[code].hint): ErrorBody {
  return { error: { code, message, hint } };
}

/** A request the API refuses as invalid (400): the message names the field and the problem. */
export function invalid(message: string): OrgsyncError {
  return new OrgsyncError('ORGSYNC_API_INVALID', message);
}

/**
 * Plain words for fastify's own refusals. Their default messages are terse ("Unsupported
 * Media Type: text/plain"); these say what to send instead.
 */
const FASTIFY_MESSAGES: Record<string, (r: FastifyRequest) => string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: () => 'the request body is too large (the limit is 16 KiB)',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: (r) =>
    `the request body's content type ${JSON.stringify((r.headers['content-type'] ?? '').slice(0, 100))} is not accepted; send application/json`,
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: () => 'the request body does not match its Content-Length header',
  FST_ERR_CTP_INVALID_JSON_BODY: () => 'the request body is not valid JSON',
  FST_ERR_BAD_URL: () => 'the URL is malformed (a bad %-escape?)',
  FST_ERR_MAX_PARAM_LENGTH: () => 'a path segment of the URL is too long',
};

function isFastifyError(e: unknown): e is FastifyError {
  return (
    e instanceof Error &&
    typeof (e as FastifyError).code === 'string' &&
    (e as FastifyError).code.startsWith('FST_') &&
    typeof (e as FastifyError).statusCode === 'number'
  );
}

/** The error handler of the whole API (also used for fastify's framework errors). */
export function handleError(err: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (isOrgsyncError(err)) {
    // 5xx coded errors (the worker is stopping) are expected but worth a line in the log.
    if (err.httpStatus >= 500) request.log.warn({ code: err.code }, err.message);
    return reply.code(err.httpStatus).send(errorBody(err.code, err.message, err.hint));
  }
  if (isFastifyError(err) && err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) {
    const message = FASTIFY_MESSAGES[err.code]?.(request) ?? err.message;
    return reply.code(err.statusCode).send(errorBody('ORGSYNC_API_INVALID', message));
  }
  // A bug: the log gets everything (the request line, never its headers), the client a request id.
  request.log.error({ err, method: request.method, url: request.url }, 'admin API request failed');
  return reply
    .code(500)
    .send(
      errorBody(
        'ORGSYNC_INTERNAL',
        `the worker could not answer this request (request ${request.id}); the details are in its log`,
      ),
    );
}

/** Unknown routes: JSON 404, naming what was asked for. */
export function handleNotFound(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const path = request.url.split('?')[0] ?? request.url;
  return reply
    .code(404)
    .send(
      errorBody(
        'ORGSYNC_API_NOT_FOUND',
        `there is no ${request.method} ${path} in the admin API`,
        'Check the method and path: the API answers under /api (whoami, status, runs, plans, targets).',
      ),
    );
}
