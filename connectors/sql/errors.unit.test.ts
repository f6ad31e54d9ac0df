/**
 * The SQL target's error kinds and messages for failures a test server cannot easily be
 * made to produce (pg's own SASL refusal, a reset socket, a corrupted page). The server's
 * own refusals are tested against PostgreSQL in sql.integration.test.ts.
 */
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { kindOf, refusesEveryRow, sqlError } from './errors.js';

function dbError(code: string, message: string, fields: Partial<pg.DatabaseError> = {}): pg.DatabaseError {
  const e = new pg.DatabaseError(message, message.length, 'error');
  return Object.assign(e, { code, severity: 'ERROR', ...fields });
}

const netError = (code: string, message: string) => Object.assign(new Error(message), { code });

describe('sql target errors', () => {
  it('builds messages from the structured fields, never from the server text', () => {
    const raised = dbError('P0001', 'person anne@kommune.dk exists', {
      where: 'PL/pgSQL function f() line 1 at RAISE anne@kommune.dk',
      detail: 'anne@kommune.dk',
      hint: 'anne@kommune.dk',
    });
    const m = sqlError(raised, 'create person p1 refused by lob.person').message;
    expect(m).toBe(
      'create person p1 refused by lob.person: a trigger or function in the database raised an error (raise_exception, SQLSTATE P0001)',
    );
    const typed = dbError('22P02', 'invalid input syntax for type integer: "Jens "JJ" Hansen"');
    expect(sqlError(typed, 'x').message).not.toMatch(/Jens|JJ|Hansen/);
    const notNull = dbError('23502', 'null value in column "surname" … Failing row contains (Anne)', {
      schema: 'lob',
      table: 'person',
      column: 'surname',
      detail: 'Failing row contains (p1, Anne, Hansen)',
    });
    expect(sqlError(notNull, 'create person p1').message).toBe(
      'create person p1: a NOT NULL column would be empty (not_null_violation, SQLSTATE 23502; column surname; table lob.person)',
    );
    expect(sqlError(dbError('2F000', 'who knows Anne'), 'x').message).toBe('x: refused (SQLSTATE 2F000)');
  });

  it('retries only what the network failed', () => {
    expect(kindOf(netError('ECONNRESET', 'read ECONNRESET'))).toBe('transient');
    expect(kindOf(new Error('Connection terminated unexpectedly'))).toBe('transient');
    expect(kindOf(new AggregateError([netError('ECONNREFUSED', 'connect ECONNREFUSED ::1:5432')], ''))).toBe(
      'transient',
    );
    // pg's own refusal when the server asks for a password and none is configured.
    const noPassword = new Error('SASL: SCRAM-SERVER-FIRST-MESSAGE: client password must be a string');
    expect(kindOf(noPassword)).toBe('invalid-config');
    expect(sqlError(noPassword, 'connect to db:5432/lob').message).toMatch(
      /^connect to db:5432\/lob: the server asks for a password and none is configured/,
    );
    expect(sqlError(noPassword, 'x').message).not.toMatch(/did not answer/);
    expect(kindOf(new Error('SASL: SCRAM-SERVER-FINAL-MESSAGE: server signature does not match'))).toBe(
      'permission',
    );
    expect(kindOf(new TypeError('Invalid URL'))).toBe('invalid-config');
    expect(kindOf(dbError('XX001', 'invalid page in block 7'))).toBe('invalid-config');
    expect(kindOf(dbError('XX002', 'index corrupted'))).toBe('invalid-config');
    expect(kindOf(dbError('57014', 'canceling statement due to statement timeout'))).toBe('transient');
  });

  it('tells refusals of the statement from refusals of a row', () => {
    for (const code of ['42501', '42703', '0A000', '3F000', '28000', '55000', '57014'])
      expect(refusesEveryRow(dbError(code, '')), code).toBe(true);
    for (const code of ['23502', '23505', '22P02', '22001', 'P0001'])
      expect(refusesEveryRow(dbError(code, '')), code).toBe(false);
  });
});
