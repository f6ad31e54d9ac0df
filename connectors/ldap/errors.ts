/**
 * LDAP result codes (RFC 4511 section 4.1.9) and transport failures as the SDK's error kinds.
 * The kind decides what the executor does: a busy or unreachable server is worth another
 * try, a schema violation never is. entryAlreadyExists and notAllowedOnNonLeaf come out as
 * `conflict`; apply.ts turns the first into convergence where the entry is orgsync's own.
 */
import { ResultCodeError } from 'ldapts';
import { ConnectorError, type ConnectorErrorKind } from '../../src/sdk/errors.js';

export const ENTRY_ALREADY_EXISTS = 68;
export const NOT_ALLOWED_ON_NON_LEAF = 66;
export const NO_SUCH_OBJECT = 32;

const BY_CODE: Readonly<Record<number, ConnectorErrorKind>> = {
  3: 'transient', // timeLimitExceeded
  11: 'transient', // adminLimitExceeded
  51: 'transient', // busy
  52: 'transient', // unavailable: a replica in read-only mode, a server shutting down
  80: 'transient', // other: OpenLDAP's code for back-end trouble (a locked database)
  8: 'permission', // strongerAuthRequired: the server wants TLS
  13: 'permission', // confidentialityRequired
  48: 'permission', // inappropriateAuthentication
  49: 'permission', // invalidCredentials: the bind DN or its password is wrong
  50: 'permission', // insufficientAccessRights: the ACLs do not give the bind DN this
  32: 'not-found', // noSuchObject
  68: 'conflict', // entryAlreadyExists
  66: 'conflict', // notAllowedOnNonLeaf: an OU that still holds entries
  16: 'invalid-value', // noSuchAttribute
  17: 'invalid-value', // undefinedAttributeType: the mapping names an attribute the schema lacks
  18: 'invalid-value', // inappropriateMatching
  19: 'invalid-value', // constraintViolation: a second value of a single-valued attribute
  20: 'invalid-value', // attributeOrValueExists
  21: 'invalid-value', // invalidAttributeSyntax: text where a DN or a number belongs
  34: 'invalid-value', // invalidDNSyntax
  53: 'invalid-value', // unwillingToPerform
  64: 'invalid-value', // namingViolation
  65: 'invalid-value', // objectClassViolation: a required attribute (cn, sn) missing
  67: 'invalid-value', // notAllowedOnRDN
  69: 'invalid-value', // objectClassModsProhibited
};

/** Socket-level failures from ldapts or Node: the server went away or never answered. */
const TRANSPORT =
  /ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|Connection closed|Connection timeout|Socket error|timed out|socket connection not established/i;

/**
 * A person's DN holds their name when the naming attribute is `cn`: DNs (`type=value`
 * pairs joined by commas or plus signs) are cut out of the server's diagnostic text. A value
 * runs to the next separator, so words after a DN may go with it: better too much than a name.
 */
export const withoutDn = (text: string): string =>
  text.replace(
    /\b[A-Za-z][\w-]*=(?:\\.|[^,=+'"\n])+(?:\s*[,+]\s*[A-Za-z][\w-]*=(?:\\.|[^,=+'"\n])+)*/g,
    '<dn>',
  );

/** The LDAP result code of a failure, if the server gave one. */
export const resultCode = (e: unknown): number | undefined =>
  e instanceof ResultCodeError ? e.code : undefined;

/** Why an operation failed, as a ConnectorError naming what was done to which object. */
export function ldapError(e: unknown, what: string): ConnectorError {
  if (e instanceof ConnectorError) return e;
  if (e instanceof ResultCodeError) {
    const kind = BY_CODE[e.code] ?? 'invalid-value';
    return new ConnectorError(kind, `${what}: LDAP ${e.code} ${withoutDn(e.message)}`, { cause: e });
  }
  const message = e instanceof Error ? e.message : String(e);
  if (/certificate|self[- ]signed|CERT_|UNABLE_TO_VERIFY|altnames/i.test(message))
    return new ConnectorError(
      'invalid-config',
      `${what}: the server's certificate is not trusted (${message}); check tls.caFile and tls.serverName`,
      { cause: e },
    );
  if (TRANSPORT.test(message) || (e as { code?: unknown })?.code === 'ECONNREFUSED')
    return new ConnectorError('transient', `${what}: the LDAP server did not answer (${message})`, {
      cause: e,
    });
  return new ConnectorError('transient', `${what}: ${message}`, { cause: e });
}
