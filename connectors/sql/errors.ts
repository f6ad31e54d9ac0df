/**
 * PostgreSQL errors (SQLSTATE, appendix A of its manual) and transport failures as the
 * SDK's error kinds. The kind decides what the executor does: only `transient` is retried,
 * so a server that is down or a lock that timed out is tried again, a refused value never.
 *
 * Messages are built from the error's structured fields only: the SQLSTATE, its condition
 * name, and the names of the constraint, column, table, data type and schema. The server's
 * free text (message, detail, where, hint) is never used: it quotes values (`invalid input
 * syntax for type integer: "…"`, `Key (email)=(…)`), and a trigger in the target database
 * can put anything into it (`RAISE EXCEPTION 'person % exists', NEW.email`).
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
  XX001: 'invalid-config', // data_corrupted: needs the DBA, retrying will not help
  XX002: 'invalid-config', // index_corrupted
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
  '55': 'invalid-config', // object not in prerequisite state
};

/**
 * Classes whose refusal is about the statement or the session, never about one row: a
 * missing GRANT, a column that is not there. Trying each row of a refused chunk alone
 * would only repeat the refusal once per row.
 */
const STATEMENT_CLASSES = new Set(['0A', '25', '28', '3D', '3F', '42', '55', 'XX']);

/** Condition names (appendix A) of the SQLSTATEs a target table is likely to return. */
const CONDITIONS: Record<string, string> = {
  '01000': 'warning',
  '08000': 'connection_exception',
  '08001': 'sqlclient_unable_to_establish_sqlconnection',
  '08003': 'connection_does_not_exist',
  '08004': 'sqlserver_rejected_establishment_of_sqlconnection',
  '08006': 'connection_failure',
  '08P01': 'protocol_violation',
  '09000': 'triggered_action_exception',
  '0A000': 'feature_not_supported',
  '21000': 'cardinality_violation',
  '22000': 'data_exception',
  '22001': 'string_data_right_truncation',
  '22003': 'numeric_value_out_of_range',
  '22004': 'null_value_not_allowed',
  '22007': 'invalid_datetime_format',
  '22008': 'datetime_field_overflow',
  '22012': 'division_by_zero',
  '22021': 'character_not_in_repertoire',
  '22023': 'invalid_parameter_value',
  '22026': 'string_data_length_mismatch',
  '2202E': 'array_subscript_error',
  '22P02': 'invalid_text_representation',
  '22P03': 'invalid_binary_representation',
  '22P05': 'untranslatable_character',
  '22030': 'duplicate_json_object_key_value',
  '22032': 'invalid_json_text',
  '23000': 'integrity_constraint_violation',
  '23001': 'restrict_violation',
  '23502': 'not_null_violation',
  '23503': 'foreign_key_violation',
  '23505': 'unique_violation',
  '23514': 'check_violation',
  '23P01': 'exclusion_violation',
  '25000': 'invalid_transaction_state',
  '25006': 'read_only_sql_transaction',
  '25P02': 'in_failed_sql_transaction',
  '27000': 'triggered_data_change_violation',
  '28000': 'invalid_authorization_specification',
  '28P01': 'invalid_password',
  '38000': 'external_routine_exception',
  '39000': 'external_routine_invocation_exception',
  '3D000': 'invalid_catalog_name',
  '3F000': 'invalid_schema_name',
  '40001': 'serialization_failure',
  '40P01': 'deadlock_detected',
  '42000': 'syntax_error_or_access_rule_violation',
  '42501': 'insufficient_privilege',
  '42601': 'syntax_error',
  '42703': 'undefined_column',
  '42704': 'undefined_object',
  '42804': 'datatype_mismatch',
  '42809': 'wrong_object_type',
  '42846': 'cannot_coerce',
  '42883': 'undefined_function',
  '42P01': 'undefined_table',
  '42P10': 'invalid_column_reference',
  '53000': 'insufficient_resources',
  '53100': 'disk_full',
  '53200': 'out_of_memory',
  '53300': 'too_many_connections',
  '54000': 'program_limit_exceeded',
  '54001': 'statement_too_complex',
  '55000': 'object_not_in_prerequisite_state',
  '55006': 'object_in_use',
  '55P03': 'lock_not_available',
  '57000': 'operator_intervention',
  '57014': 'query_canceled',
  '57P01': 'admin_shutdown',
  '57P02': 'crash_shutdown',
  '57P03': 'cannot_connect_now',
  '58000': 'system_error',
  '58030': 'io_error',
  P0000: 'plpgsql_error',
  P0001: 'raise_exception',
  P0002: 'no_data_found',
  P0003: 'too_many_rows',
  P0004: 'assert_failure',
  XX000: 'internal_error',
  XX001: 'data_corrupted',
  XX002: 'index_corrupted',
};

/** What a condition means here, where a few words help more than its name. */
const MEANING: Record<string, string> = {
  '22001': 'a value is too long for its column',
  '22003': 'a number is out of range for its column',
  '22007': 'a value is not a date or time the column accepts',
  '22008': 'a date or time is out of range',
  '22P02': "a value is not of the column's type",
  '23502': 'a NOT NULL column would be empty',
  '23503': 'a foreign key does not hold',
  '23505': 'a unique column would hold a value twice',
  '23514': 'a CHECK constraint refuses the row',
  '23P01': 'an exclusion constraint refuses the row',
  '25006': 'the server is a read-only standby',
  '28000': 'the role does not exist, or pg_hba.conf has no entry for it',
  '28P01': 'wrong password',
  '3D000': 'no such database',
  '3F000': 'no such schema',
  '40001': 'serialization failure',
  '40P01': 'deadlock',
  '42501': 'a GRANT is missing',
  '42703': 'no such column',
  '42P01': 'no such table',
  '53300': 'too many connections',
  '55000': 'an object is not in the state the statement needs',
  '55P03': 'a lock was not granted in time',
  '57014': 'statement timeout',
  P0001: 'a trigger or function in the database raised an error',
  XX001: 'the data is corrupted: call the DBA',
  XX002: 'an index is corrupted: call the DBA',
};

/** Failures of the network: the server went away or never answered. Retried. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
]);
const NETWORK_TEXT =
  /Connection terminated|connection timeout|timeout exceeded when trying to connect|Query read timeout|encountered a connection error and is not queryable/i;

/** TLS set-up failures: the configuration is wrong, trying again will not help. */
const TLS =
  /certificate|self[- ]signed|CERT_|UNABLE_TO_VERIFY|does not support SSL|wrong version number|altnames/i;

/** pg's own refusal when the server asks for a password and none is configured. */
const NO_PASSWORD = /client password must be a string/i;
/** pg's other refusals during authentication (SASL/SCRAM): the server did not prove it knows the password. */
const CLIENT_AUTH = /SASL|SCRAM/;

export const isDatabaseError = (e: unknown): e is pg.DatabaseError =>
  e instanceof pg.DatabaseError && typeof e.code === 'string' && e.code.length === 5;

const codeOf = (e: unknown): string | undefined =>
  e !== null && typeof e === 'object' && typeof (e as { code?: unknown }).code === 'string'
    ? (e as { code: string }).code
    : undefined;

/** A failure of the network: by its errno code (also on an AggregateError's parts) or pg's words for it. */
function isNetworkError(e: unknown): boolean {
  const code = codeOf(e);
  if (code && NETWORK_CODES.has(code)) return true;
  if (e instanceof AggregateError && e.errors.some(isNetworkError)) return true;
  return e instanceof Error && NETWORK_TEXT.test(e.message);
}

/** The kind of a failure. Without SQLSTATE, only the network's failures are transient. */
export function kindOf(e: unknown): ConnectorErrorKind {
  if (e instanceof ConnectorError) return e.kind;
  if (isDatabaseError(e)) return BY_CODE[e.code!] ?? BY_CLASS[e.code!.slice(0, 2)] ?? 'invalid-value';
  if (isNetworkError(e)) return 'transient';
  const text = e instanceof Error ? e.message : String(e);
  if (NO_PASSWORD.test(text)) return 'invalid-config';
  if (CLIENT_AUTH.test(text)) return 'permission';
  // TLS, a URL pg cannot read, anything else: retrying the same would fail the same way.
  return 'invalid-config';
}

/** A refusal that is about the statement (a missing GRANT, column or table), not about one row. */
export function refusesEveryRow(e: unknown): boolean {
  if (kindOf(e) === 'transient') return true;
  return isDatabaseError(e) && STATEMENT_CLASSES.has(e.code!.slice(0, 2));
}

/**
 * The database's refusal in words of its structured fields only:
 * `a NOT NULL column would be empty (not_null_violation, SQLSTATE 23502; column surname, table lob.person)`.
 */
export function databaseReason(e: pg.DatabaseError): string {
  const code = e.code!;
  const condition = CONDITIONS[code];
  const fields = [
    e.constraint ? `constraint ${e.constraint}` : '',
    e.column ? `column ${e.column}` : '',
    e.table ? `table ${e.schema ? `${e.schema}.` : ''}${e.table}` : e.schema ? `schema ${e.schema}` : '',
    e.dataType ? `type ${e.dataType}` : '',
  ].filter((f) => f !== '');
  const inner = [condition ? `${condition}, SQLSTATE ${code}` : `SQLSTATE ${code}`, ...fields].join('; ');
  return `${MEANING[code] ?? condition ?? 'refused'} (${inner})`;
}

/**
 * Why an operation failed, as a ConnectorError naming what was done to which object.
 * A database error is described by its structured fields (see databaseReason); a failure
 * without SQLSTATE (the network, TLS, pg itself) by its message, from which `scrub`
 * removes the connection URL and password that some driver messages carry.
 */
export function sqlError(e: unknown, what: string, scrub: (s: string) => string = (s) => s): ConnectorError {
  if (e instanceof ConnectorError) return e;
  const kind = kindOf(e);
  if (isDatabaseError(e)) return new ConnectorError(kind, `${what}: ${databaseReason(e)}`);
  const raw = e instanceof Error ? e.message || codeOf(e) || e.name : String(e);
  let text = scrub(raw);
  if (kind === 'transient') text = `the database did not answer (${text})`;
  else if (TLS.test(text))
    text = `${text}; check ssl (caFile, serverName) and whether the server accepts TLS`;
  else if (NO_PASSWORD.test(text))
    text = `the server asks for a password and none is configured: set password (or put it in the URL) (${text})`;
  return new ConnectorError(kind, `${what}: ${text}`);
}
