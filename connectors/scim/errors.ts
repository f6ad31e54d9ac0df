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
 * Attribute names of the core and enterprise schemas (RFC 7643 sections 4 and 8): what an
 * error message may name, because it names no one.
 */
const ATTRIBUTES = new Map(
  [
    'userName name givenName familyName middleName honorificPrefix honorificSuffix formatted',
    'displayName nickName profileUrl title userType preferredLanguage locale timezone active',
    'password emails phoneNumbers ims photos addresses streetAddress locality region postalCode',
    'country entitlements roles x509Certificates groups members externalId',
    'employeeNumber costCenter organization division department manager',
  ]
    .join(' ')
    .split(' ')
    .map((name) => [name.toLowerCase(), name]),
);

/** How many attribute names a message repeats at most. */
const MAX_NAMED = 5;

/**
 * What may be said of the service's own words (`detail`): only the attribute names it
 * mentions. Services write the value they refused into the detail, quoted or not
 * ("User jeha01 already exists", "displayName Jens Ærø-Hansen exceeds 20 characters"),
 * so the text itself is never repeated: a schema attribute name, or an extension
 * attribute's URN, is recognised and named; everything else is left out.
 */
export function scimDetail(body: unknown): string {
  const detail = (body as ScimErrorBody | null)?.detail;
  if (typeof detail !== 'string') return '';
  const named: string[] = [];
  for (const token of detail.match(/urn:[\w.:-]*[\w]|[A-Za-z][\w$]*(?:\.[A-Za-z][\w$]*)*/g) ?? []) {
    const parts = token.split('.');
    const name = /^urn:/i.test(token)
      ? /^urn:.*:(scim|schemas?):/i.test(token)
        ? token
        : undefined
      : parts.every((p) => ATTRIBUTES.has(p.toLowerCase()))
        ? parts.map((p) => ATTRIBUTES.get(p.toLowerCase())!).join('.')
        : undefined;
    if (name !== undefined && !named.includes(name)) named.push(name);
    if (named.length === MAX_NAMED) break;
  }
  return named.length === 0 ? '' : `the service's message names ${named.join(', ')}`;
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

/**
 * No answer at all: the service is down, unreachable, or too slow. Worth another try. The
 * network error is not kept as the cause: its message holds the whole URL, filters with
 * userNames included, and loggers print causes. Its code is in the message.
 */
export function transportError(what: string, origin: string, e: unknown, timeoutMs: number): ConnectorError {
  if (e instanceof ConnectorError) return e;
  return new ConnectorError('transient', `${what}: ${origin} ${networkReason(e, timeoutMs)}`);
}
