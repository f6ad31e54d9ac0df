import {
  AlreadyExistsError,
  BusyError,
  ConstraintViolationError,
  InsufficientAccessError,
  InvalidCredentialsError,
  NoSuchObjectError,
} from 'ldapts';
import { describe, expect, it } from 'vitest';
import { adError, withoutDns } from './errors.js';

describe('AD errors as SDK kinds', () => {
  it('retries what is worth retrying, and nothing else', () => {
    const kind = (e: unknown) => adError(e, 'person p-1').kind;
    expect(kind(new BusyError('busy'))).toBe('transient');
    expect(kind(new Error('connect ECONNREFUSED 127.0.0.1:636'))).toBe('transient');
    expect(kind(new Error('Connection closed before message response was received.'))).toBe('transient');
    expect(kind(new ConstraintViolationError('too long'))).toBe('invalid-value');
    expect(kind(new NoSuchObjectError('gone'))).toBe('not-found');
    expect(kind(new AlreadyExistsError('there'))).toBe('conflict');
    expect(kind(new InsufficientAccessError('no'))).toBe('permission');
    expect(kind(new InvalidCredentialsError('wrong password'))).toBe('invalid-config');
    expect(kind(new Error('unable to verify the first certificate'))).toBe('invalid-config');
  });

  it('names the operation and the object, and cuts DNs (they hold names) out of the DC text', () => {
    const e = adError(
      new ConstraintViolationError(
        "objectclass_attrs: attribute 'sn' on entry 'CN=Hansen\\, Jens,OU=\\23Skole,DC=example,DC=test' contains at least one invalid value",
      ),
      'create person p-1',
    );
    expect(e.message).toMatch(/^create person p-1: LDAP 19 /);
    expect(e.message).not.toMatch(/Hansen|Jens|Skole/);
    expect(e.message).toContain("attribute 'sn'");
    expect(withoutDns('no DN here')).toBe('no DN here');
    // A quote inside a name does not end the DN, and quoted values go too.
    expect(withoutDns("Cannot rename CN=Sinéad O'Brien,OU=Løn,DC=x, entry 'Bo' exists")).toBe(
      'Cannot rename <dn>, entry <value> exists',
    );
    expect(e).not.toHaveProperty('cause');
  });
});
