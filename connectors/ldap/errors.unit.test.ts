import {
  AlreadyExistsError,
  ConstraintViolationError,
  InsufficientAccessError,
  InvalidCredentialsError,
  NoSuchObjectError,
  ObjectClassViolationError,
  UnavailableError,
} from 'ldapts';
import { describe, expect, it } from 'vitest';
import { ConnectorError } from '../../src/sdk/errors.js';
import { ldapError, withoutDn } from './errors.js';

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

  it('cuts DNs (which may hold a name) out of the server text', () => {
    expect(withoutDn('no such entry cn=Jens Hansen\\2C Jr.,ou=Skole,dc=x, try again')).toBe(
      'no such entry <dn>, try again',
    );
    expect(withoutDn("object class 'inetOrgPerson' requires attribute 'sn'")).toBe(
      "object class 'inetOrgPerson' requires attribute 'sn'",
    );
  });
});
