/**
 * SCIM answers (RFC 7644 section 3.12) as the SDK's error kinds. The kind decides what the
 * executor does: a busy service (429, 503) is tried again after the Retry-After it asked
 * for, a refused value never is.
 */
import { ConnectorError, type ConnectorErrorKind } from '../../src/sdk/errors.js';
import { networkReason } from '../../src/util/http.js';

/** What a SCIM error body may hold. */
interface ScimErrorBody {
  scimType?: unknown;
  detail?: unknown;
}

/**
 * Words a service quotes in its errors that are schema, not data: attribute names of the
 * core and enterprise schemas, PATCH ops. Anything else it quotes may be a refused value.
 */
const SCHEMA_WORDS = new Set(
  [
    'userName name givenName familyName middleName formatted displayName nickName title userType',
    'preferredLanguage locale timezone active emails phoneNumbers addresses ims photos roles',
    'entitlements groups members value type primary display externalId id meta schemas version',
    'employeeNumber costCenter organization division department manager',
    'add replace remove op path Operations PATCH PUT POST DELETE User Group',
  ]
    .join(' ')
    .toLowerCase()
    .split(' '),
);

/** Whether quoted text is a schema word or attribute path (`emails[type eq ...].value`, a URN). */
const isSchemaText = (t: string): boolean =>
  /^urn:[\w.:-]+$/i.test(t) ||
  t
    .replace(/\[[^\]]*\]/g, '')
    .split('.')
    .every((part) => SCHEMA_WORDS.has(part.toLowerCase()));

/**
 * The service's own words, without what may be personal: services quote the value they
 * refused ("userName 'anne@kommune.dk' is taken"). Quoted text that is not a schema word,
 * and e-mail addresses, go.
 */
export function scimDetail(body: unknown): string {
  const detail = (body as ScimErrorBody | null)?.detail;
  if (typeof detail !== 'string' || detail.trim() === '') return '';
  const text = detail
    .replace(/"[^"]*"|'[^']*'/g, (quoted) =>
      isSchemaText(quoted.slice(1, -1)) ? quoted : `${quoted[0]}…${quoted[0]}`,
    )
    .replace(/[^\s'"<>()]+@[^\s'"<>()]+/g, '<e-mail>')
    .replace(/\s+/g, ' ')
    .trim();
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

export const scimTypeOf = (body: unknown): string | undefined => {
  const t = (body as ScimErrorBody | null)?.scimType;
  return typeof t === 'string' ? t : undefined;
};

/** What the operator can do about a status, when there is something. */
const HINT: Record<number, string> = {
  401: 'check auth (the token, or the OAuth2 client and its secret)',
  403: 'grant the SCIM client the right to do this in the service',
  405: 'the service does not take this method; set features.patch or features.bulk to false',
  501: 'the service does not implement this; set features.patch or features.bulk to false',
  413: 'the request is larger than the service takes; lower bulk.maxOperations',
};

function kindOf(status: number, scimType: string | undefined): ConnectorErrorKind {
  if (scimType === 'uniqueness') return 'conflict';
  if (scimType === 'invalidFilter' || scimType === 'tooMany') return 'invalid-config';
  if (status === 401 || status === 403) return 'permission';
  if (status === 404) return 'not-found';
  if (status === 409 || status === 412) return 'conflict';
  if (status === 405 || status === 501) return 'invalid-config';
  if (status === 408 || status === 425 || status === 429 || status >= 500) return 'transient';
  return 'invalid-value';
}

/** The error for a SCIM answer that is not a success: `what` names the operation and the object by key. */
export function statusError(
  what: string,
  status: number,
  body: unknown,
  retryAfterMs?: number,
): ConnectorError {
  const scimType = scimTypeOf(body);
  const detail = scimDetail(body);
  const hint =
    scimType === 'invalidFilter' || scimType === 'tooMany'
      ? 'the service cannot filter as asked; set features.filter: false'
      : HINT[status];
  const message = [`${what}: SCIM ${status}${scimType ? ` ${scimType}` : ''}`, detail, hint]
    .filter(Boolean)
    .join('; ');
  return new ConnectorError(
    kindOf(status, scimType),
    message,
    retryAfterMs === undefined ? {} : { retryAfterMs },
  );
}

/** No answer at all: the service is down, unreachable, or too slow. Worth another try. */
export function transportError(what: string, origin: string, e: unknown, timeoutMs: number): ConnectorError {
  if (e instanceof ConnectorError) return e;
  return new ConnectorError('transient', `${what}: ${origin} ${networkReason(e, timeoutMs)}`, { cause: e });
}
