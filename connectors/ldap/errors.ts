/**
 * LDAP result codes (RFC 4511 section 4.1.9) and transport failures as the SDK's error kinds.
 * The kind decides what the executor does: a busy or unreachable server is worth another
 * try, a schema violation never is. entryAlreadyExists and notAllowedOnNonLeaf come out as
 * `conflict`; apply.ts turns the first into convergence where the entry is orgsync's own.
 *
 * Messages are structural: the operation and the object (by type and key), the result code
 * and its standard name, and what to do. The server's diagnostic text is never used, nor
 * attached as a cause: servers quote DNs and attribute values in it in forms no scrubbing
 * can be sure to catch (`cn=Sinéad O'Brien,...`, `value "Ærø" invalid`), and a DN of a
 * person named by `cn` is their name.
 */
import { ResultCodeError } from 'ldapts';
import { ConnectorError, type ConnectorErrorKind } from '../../src/sdk/errors.js';

export const ENTRY_ALREADY_EXISTS = 68;
export const NOT_ALLOWED_ON_NON_LEAF = 66;
export const NO_SUCH_OBJECT = 32;

interface CodeRule {
  kind: ConnectorErrorKind;
  /** What to do, when the code alone says it. */
  hint?: string;
}

const BY_CODE: Readonly<Record<number, CodeRule>> = {
  3: { kind: 'transient' }, // timeLimitExceeded
  11: { kind: 'transient' }, // adminLimitExceeded
  51: { kind: 'transient' }, // busy
  52: { kind: 'transient' }, // unavailable: a replica in read-only mode, a server shutting down
  80: { kind: 'transient' }, // other: OpenLDAP's code for back-end trouble (a locked database)
  4: {
    kind: 'invalid-config',
    hint: "the server's size limit for the bind DN is below the number of entries under baseDn; raise it for the bind DN (olcLimits, olcSizeLimit)",
  },
  10: {
    kind: 'invalid-config',
    hint: 'the server referred the request elsewhere (a read-only replica or a DN outside its databases); point url at the writable provider and check baseDn',
  },
  53: {
    kind: 'invalid-config',
    hint: 'the server is unwilling to perform it (a read-only database or replica, or an operation it does not allow there); point url at the writable provider and check the database is not read-only',
  },
  8: { kind: 'permission', hint: 'the server wants TLS: use ldaps:// or tls.startTls' }, // strongerAuthRequired
  13: { kind: 'permission', hint: 'the server wants TLS: use ldaps:// or tls.startTls' }, // confidentialityRequired
  48: { kind: 'permission' }, // inappropriateAuthentication
  49: { kind: 'permission', hint: 'check bind.dn and bind.password' }, // invalidCredentials
  50: { kind: 'permission', hint: "the server's ACLs do not give the bind DN this right" }, // insufficientAccessRights
  32: { kind: 'not-found' }, // noSuchObject
  68: { kind: 'conflict' }, // entryAlreadyExists
  66: { kind: 'conflict' }, // notAllowedOnNonLeaf: an OU that still holds entries
  16: { kind: 'invalid-value' }, // noSuchAttribute
  17: { kind: 'invalid-value', hint: 'the mapping names an attribute the schema lacks' }, // undefinedAttributeType
  18: { kind: 'invalid-value' }, // inappropriateMatching
  19: {
    kind: 'invalid-value',
    hint: 'a value the schema does not allow (a second value of a single-valued attribute?)',
  }, // constraintViolation
  20: { kind: 'invalid-value' }, // attributeOrValueExists
  21: { kind: 'invalid-value', hint: 'a value of the wrong syntax (text where a DN or a number belongs?)' }, // invalidAttributeSyntax
  34: { kind: 'invalid-value' }, // invalidDNSyntax
  64: { kind: 'invalid-value' }, // namingViolation
  65: {
    kind: 'invalid-value',
    hint: 'the object class requires an attribute the change lacks, or does not allow one it has',
  }, // objectClassViolation
  67: { kind: 'invalid-value' }, // notAllowedOnRDN
  69: { kind: 'invalid-value' }, // objectClassModsProhibited
};

/** RFC 4511 section 4.1.9 (and RFC 3909, 4370 extensions OpenLDAP uses): the standard names. */
export const RESULT_NAMES: Readonly<Record<number, string>> = {
  1: 'operationsError',
  2: 'protocolError',
  3: 'timeLimitExceeded',
  4: 'sizeLimitExceeded',
  7: 'authMethodNotSupported',
  8: 'strongerAuthRequired',
  10: 'referral',
  11: 'adminLimitExceeded',
  12: 'unavailableCriticalExtension',
  13: 'confidentialityRequired',
  14: 'saslBindInProgress',
  16: 'noSuchAttribute',
  17: 'undefinedAttributeType',
  18: 'inappropriateMatching',
  19: 'constraintViolation',
  20: 'attributeOrValueExists',
  21: 'invalidAttributeSyntax',
  32: 'noSuchObject',
  33: 'aliasProblem',
  34: 'invalidDNSyntax',
  35: 'isLeaf',
  36: 'aliasDereferencingProblem',
  48: 'inappropriateAuthentication',
  49: 'invalidCredentials',
  50: 'insufficientAccessRights',
  51: 'busy',
  52: 'unavailable',
  53: 'unwillingToPerform',
  54: 'loopDetect',
  64: 'namingViolation',
  65: 'objectClassViolation',
  66: 'notAllowedOnNonLeaf',
  67: 'notAllowedOnRDN',
  68: 'entryAlreadyExists',
  69: 'objectClassModsProhibited',
  71: 'affectsMultipleDSAs',
  80: 'other',
  112: 'tlsNotSupported',
  118: 'canceled',
  122: 'assertionFailed',
};

/** Socket-level failures from ldapts or Node: the server went away or never answered. */
const TRANSPORT =
  /ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|Connection closed|Connection timeout|Socket error|timed out|socket connection not established/i;

const CERTIFICATE = /certificate|self[- ]signed|CERT_|UNABLE_TO_VERIFY|altnames/i;

/** Node's error codes (`ECONNREFUSED`, `CERT_HAS_EXPIRED`): names, never values. */
const nodeCode = (e: unknown): string | undefined => {
  const code = (e as { code?: unknown })?.code;
  return typeof code === 'string' && /^[A-Z][A-Z0-9_]*$/.test(code) ? code : undefined;
};

/**
 * A failure reported by the LDAP server, as a ConnectorError that keeps the result code for
 * apply.ts (`resultCode()`), never the server's text.
 */
export class LdapResultError extends ConnectorError {
  readonly resultCode: number;
  constructor(kind: ConnectorErrorKind, message: string, resultCode: number) {
    super(kind, message);
    this.name = 'LdapResultError';
    this.resultCode = resultCode;
  }
}

/** The LDAP result code of a failure, if the server gave one. */
export const resultCode = (e: unknown): number | undefined =>
  e instanceof ResultCodeError ? e.code : e instanceof LdapResultError ? e.resultCode : undefined;

/** "LDAP 65 objectClassViolation": what a server's answer is called, never what it said. */
export const describeCode = (code: number): string =>
  `LDAP ${code} ${RESULT_NAMES[code] ?? 'unknown result code'}`;

/**
 * Why an operation failed, as a ConnectorError naming what was done to which object. No
 * cause is attached: pino prints causes, and the cause's message is the server's own text.
 */
export function ldapError(e: unknown, what: string): ConnectorError {
  if (e instanceof ConnectorError) return e;
  if (e instanceof ResultCodeError) {
    const rule = BY_CODE[e.code] ?? { kind: 'invalid-value' };
    const hint = rule.hint ? `; ${rule.hint}` : '';
    return new LdapResultError(rule.kind, `${what}: ${describeCode(e.code)}${hint}`, e.code);
  }
  const message = e instanceof Error ? e.message : String(e);
  const code = nodeCode(e);
  // Node's TLS and socket messages name hosts, ports and certificate names, never entries.
  if (CERTIFICATE.test(message) || code?.startsWith('CERT_') || code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE')
    return new ConnectorError(
      'invalid-config',
      `${what}: the server's certificate is not trusted (${message}); check tls.caFile and tls.serverName`,
    );
  if (TRANSPORT.test(message) || code === 'ECONNREFUSED')
    return new ConnectorError('transient', `${what}: the LDAP server did not answer (${message})`);
  // Neither the server's answer nor the network: a failure inside the client (a bug, a value
  // it cannot encode). Trying again does the same, and its text may hold what it choked on.
  const name = e instanceof Error && /^[A-Za-z]\w*$/.test(e.name) ? e.name : typeof e;
  return new ConnectorError(
    'invalid-config',
    `${what}: the LDAP client failed (${code ? `${name} ${code}` : name}), not retried; report it if it persists`,
  );
}
