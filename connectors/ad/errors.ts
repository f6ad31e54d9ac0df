/**
 * LDAP result codes (RFC 4511 section 4.1.9) and transport failures, as the SDK's error
 * kinds. The kind decides whether the executor retries: a busy or unreachable DC is
 * worth another try, a constraint violation never is.
 */
import { ResultCodeError } from 'ldapts';
import { ConnectorError, type ConnectorErrorKind } from '../../src/sdk/errors.js';

const BY_CODE: Record<number, ConnectorErrorKind> = {
  3: 'transient', // timeLimitExceeded
  11: 'transient', // adminLimitExceeded: a DC under load
  51: 'transient', // busy
  52: 'transient', // unavailable
  80: 'transient', // other: Samba and AD use it for temporary database trouble
  8: 'permission', // strongerAuthRequired: no TLS
  13: 'permission', // confidentialityRequired
  50: 'permission', // insufficientAccessRights: the service account lacks a delegation
  49: 'invalid-config', // invalidCredentials: the configured password is wrong or expired
  32: 'not-found', // noSuchObject
  68: 'conflict', // entryAlreadyExists
  66: 'conflict', // notAllowedOnNonLeaf: an OU that still holds objects
  16: 'invalid-value', // noSuchAttribute
  17: 'invalid-value', // undefinedAttributeType: the mapping names an attribute AD lacks
  19: 'invalid-value', // constraintViolation: too long, not unique
  20: 'invalid-value', // attributeOrValueExists
  21: 'invalid-value', // invalidAttributeSyntax
  34: 'invalid-value', // invalidDNSyntax
  53: 'invalid-value', // unwillingToPerform: password policy, a protected object
  64: 'invalid-value', // namingViolation
  65: 'invalid-value', // objectClassViolation
};

/** Socket-level failures from ldapts or Node: the DC went away or never answered. */
const TRANSPORT =
  /ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND|Connection closed|Connection timeout|Socket error|timed out|socket connection not established/i;

/**
 * The DC's diagnostic text names the entry by its DN, and an account's DN holds the
 * person's name: DNs are cut out of it, each value running to the next unescaped comma
 * (quotes included: O'Brien), and so is anything quoted. The caller's `what` names the
 * object by its key. The raw error is never attached as a cause: loggers print causes.
 */
export const withoutDns = (text: string): string =>
  text
    .replace(/\b(?:CN|OU|DC)=(?:\\.|[^,])*(?:,\s*(?:CN|OU|DC)=(?:\\.|[^,])*)*/gi, '<dn>')
    // Quoted text is a value, except where the DC names an attribute: "attribute 'sn'".
    .replace(/(attribute\s+)?('[^']*'|"[^"]*")/gi, (all, attr: string | undefined, quoted: string) =>
      attr && /^['"][A-Za-z][\w-]*['"]$/.test(quoted) ? all : `${attr ?? ''}<value>`,
    );

/** Why the operation failed, as a ConnectorError naming what was done to which object. */
export function adError(e: unknown, what: string): ConnectorError {
  if (e instanceof ConnectorError) return e;
  if (e instanceof ResultCodeError) {
    const kind = BY_CODE[e.code] ?? 'invalid-value';
    return new ConnectorError(kind, `${what}: LDAP ${e.code} ${withoutDns(e.message)}`);
  }
  const message = e instanceof Error ? e.message : String(e);
  if (TRANSPORT.test(message) || (e as { code?: unknown })?.code === 'ECONNREFUSED')
    return new ConnectorError('transient', `${what}: the domain controller did not answer (${message})`);
  if (/certificate|self[- ]signed|CERT_|UNABLE_TO_VERIFY/i.test(message))
    return new ConnectorError(
      'invalid-config',
      `${what}: the DC's certificate is not trusted (${message}); check tls.caFile and tls.serverName`,
    );
  return new ConnectorError('transient', `${what}: ${message}`);
}
