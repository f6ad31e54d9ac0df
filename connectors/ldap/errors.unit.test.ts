import {
  AlreadyExistsError,
  ConstraintViolationError,
  InsufficientAccessError,
  InvalidCredentialsError,
  NoSuchObjectError,
  ObjectClassViolationError,
  SizeLimitExceededError,
  UnavailableError,
  UnknownStatusCodeError,
  UnwillingToPerformError,
} from 'ldapts';
import { describe, expect, it } from 'vitest';
import { ConnectorError } from '../../src/sdk/errors.js';
import { ldapError, resultCode } from './errors.js';

describe('ldap error kinds', () => {
  it.each([
    [new UnavailableError('shutting down'), 'transient'],
    [new InvalidCredentialsError(), 'permission'],
    [new InsufficientAccessError(), 'permission'],
    [new NoSuchObjectError(), 'not-found'],
    [new AlreadyExistsError(), 'conflict'],
    [new ConstraintViolationError(), 'invalid-value'],
    [new ObjectClassViolationError("object class 'inetOrgPerson' requires attribute 'sn'"), 'invalid-value'],
    [Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }), 'transient'],
    [new Error('unable to verify the first certificate'), 'invalid-config'],
  ])('%s -> %s', (e, kind) => {
    const err = ldapError(e, 'create person p-1');
    expect(err).toBeInstanceOf(ConnectorError);
    expect(err.kind).toBe(kind);
    expect(err.message).toMatch(/^create person p-1: /);
  });

  it('reports the result code and its name, never the server text (which quotes DNs and values)', () => {
    const server = new NoSuchObjectError(
      `no such entry cn=Sinéad O'Brien,ou=Løn,dc=kommune,dc=dk; value "Sinéad O'Brien" unknown`,
    );
    const err = ldapError(server, 'update person p-7');
    expect(err.message).toBe('update person p-7: LDAP 32 noSuchObject');
    for (const leak of ['Sinéad', "O'Brien", 'Brien', 'Løn', 'kommune']) {
      expect(err.message).not.toContain(leak);
      expect(JSON.stringify({ ...err, stack: err.stack, message: err.message })).not.toContain(leak);
    }
    // The code stays readable for apply.ts's convergence checks.
    expect(resultCode(err)).toBe(32);
  });

  it('attaches no cause: the raw error holds the unscrubbed diagnostic text', () => {
    const raw = [
      new ConstraintViolationError("attribute 'mail' cannot have value 'anne@kommune.dk'"),
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }),
      new Error('unable to verify the first certificate'),
      new TypeError("Cannot read properties of undefined (reading 'Ærø-Hansen')"),
    ];
    for (const e of raw) expect(ldapError(e, 'create person p-1').cause).toBeUndefined();
  });

  it('does not retry a failure inside the client, nor quote its text', () => {
    const err = ldapError(new TypeError("invalid value 'Ærø-Hansen' for attribute sn"), 'create person p-1');
    expect(err.kind).not.toBe('transient');
    expect(err.kind).toBe('invalid-config');
    expect(err.message).toBe(
      'create person p-1: the LDAP client failed (TypeError), not retried; report it if it persists',
    );
    expect(ldapError('odd', 'x').kind).toBe('invalid-config');
  });

  it.each([
    [new UnknownStatusCodeError(10, 'referral to ldap://provider'), 'LDAP 10 referral', /writable provider/],
    [
      new SizeLimitExceededError('size limit exceeded'),
      'LDAP 4 sizeLimitExceeded',
      /size limit for the bind DN/,
    ],
    [
      new UnwillingToPerformError('shadow context; no update referral'),
      'LDAP 53 unwillingToPerform',
      /read-only/,
    ],
  ])('%s is a configuration problem with advice', (e, name, advice) => {
    const err = ldapError(e, 'create unit 21');
    expect(err.kind).toBe('invalid-config');
    expect(err.message).toContain(`create unit 21: ${name}; `);
    expect(err.message).toMatch(advice);
  });
});
