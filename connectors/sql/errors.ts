/**
 * PostgreSQL errors (SQLSTATE, appendix A of its manual) and transport failures as the
 * SDK's error kinds. The kind decides what the executor does: only `transient` is retried,
 * so a server that is down or a lock that timed out is tried again, a refused value never.
 */
import pg from 'pg';
import { ConnectorError, type ConnectorErrorKind } from '../../src/sdk/errors.js';

/** Exact SQLSTATEs whose kind differs from their class's. */
const BY_CODE: Record<string, ConnectorErrorKind> = {
  '57014': 'transient', // query_canceled: the statement timeout
  '57P01': 'transient', // admin_shutdown
  '57P02': 'transient', // crash_shutdown
  '57P03': 'transient', // cannot_connect_now: starting up
  '55P03': 'transient', // lock_not_available
  '25006': 'transient', // read_only_sql_transaction: connected to a standby mid-failover
  '42501': 'permission', // insufficient_privilege: a GRANT is missing
  '23502': 'invalid-value', // not_null_violation
  '23514': 'invalid-value', // check_violation
};

/** By the first two characters of the SQLSTATE. */
const BY_CLASS: Record<string, ConnectorErrorKind> = {
  '08': 'transient', // connection exception
  '40': 'transient', // transaction rollback: serialization failure, deadlock
  '53': 'transient', // insufficient resources: too many connections, disk full
  '54': 'invalid-value', // program limit exceeded: a value too large to index
  '58': 'transient', // system error: I/O
  XX: 'transient', // internal error
  '22': 'invalid-value', // data exception: too long, not a number, out of range
  '23': 'conflict', // integrity constraint: unique, foreign key, exclusion
  '28': 'permission', // invalid authorization: wrong password, no pg_hba.conf entry
  '42': 'invalid-config', // undefined table or column, type mismatch: the schema is not as configured
  '3D': 'invalid-config', // invalid catalog name: no such database
  '3F': 'invalid-config', // invalid schema name
  '0A': 'invalid-config', // feature not supported
};

/** TLS set-up failures: the configuration is wrong, trying again will not help. */
const TLS =
  /certificate|self[- ]signed|CERT_|UNABLE_TO_VERIFY|does not support SSL|wrong version number|altnames/i;

export const isDatabaseError = (e: unknown): e is pg.DatabaseError => e instanceof pg.DatabaseError;

/** The kind of a failure. An error without SQLSTATE is the transport's: the server went away. */
export function kindOf(e: unknown): ConnectorErrorKind {
  if (e instanceof ConnectorError) return e.kind;
  if (isDatabaseError(e) && e.code) return BY_CODE[e.code] ?? BY_CLASS[e.code.slice(0, 2)] ?? 'invalid-value';
  return TLS.test(e instanceof Error ? e.message : String(e)) ? 'invalid-config' : 'transient';
}

/**
 * The server's words without the values they quote. Data exceptions quote the refused
 * value (`invalid input syntax for type integer: "Jensen"`), which may be personal data;
 * the other messages quote only table, column and constraint names, which stay.
 */
export function serverText(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  if (isDatabaseError(e) && e.code?.startsWith('22')) return message.replace(/"(?:[^"]|"")*"/g, '<value>');
  return message;
}

/**
 * Why an operation failed, as a ConnectorError naming what was done to which object.
 * The driver's `detail` is never used: it repeats the row's values (`Key (email)=(...)`).
 * `scrub` removes the connection URL and password, which some driver messages carry.
 */
export function sqlError(e: unknown, what: string, scrub: (s: string) => string = (s) => s): ConnectorError {
  if (e instanceof ConnectorError) return e;
  const kind = kindOf(e);
  const code = isDatabaseError(e) && e.code ? ` (SQLSTATE ${e.code})` : '';
  let text = scrub(serverText(e));
  if (!isDatabaseError(e) && kind === 'transient') text = `the database did not answer (${text})`;
  if (kind === 'invalid-config' && TLS.test(text) && !code)
    text = `${text}; check ssl (caFile, serverName) and whether the server accepts TLS`;
  return new ConnectorError(kind, `${what}: ${text}${code}`);
}
