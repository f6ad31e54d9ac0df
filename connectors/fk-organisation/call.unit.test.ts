import { describe, expect, it } from 'vitest';
import { requestHeader, statusError } from './call.js';

describe('FK status codes', () => {
  it('become typed errors naming the operation, the object and FK text, never a bare code', () => {
    const what = 'importer OrganisationEnhed 5e88 (unit 1042)';
    const e40 = statusError(what, { StatusKode: 40, FejlbeskedTekst: 'Ugyldig Virkning' });
    expect(e40.kind).toBe('invalid-value');
    expect(e40.message).toBe(`${what}: FK answered 40 (inconsistent input): Ugyldig Virkning`);
    expect(statusError(what, { StatusKode: '41' }).kind).toBe('permission');
    expect(statusError(what, { StatusKode: 44 }).kind).toBe('not-found');
    expect(statusError(what, { StatusKode: 45 }).kind).toBe('transient');
    expect(statusError(what, { StatusKode: 47 }).kind).toBe('conflict');
    expect(statusError(what, { StatusKode: 49 }).message).toMatch(
      /49 \(object passivated or deleted\): \(no message\)$/,
    );
    expect(statusError(what, { StatusKode: 42 }).message).toMatch(/answered 42: /);
  });

  it('puts a TransactionUUID in the RequestHeader', () => {
    expect(requestHeader('abc')).toContain('<header:TransactionUUID>abc</header:TransactionUUID>');
  });
});
