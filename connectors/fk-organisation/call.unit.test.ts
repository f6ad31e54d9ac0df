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

describe('maskCpr', () => {
  it('masks what looks like a CPR number in FK text, and leaves other numbers', async () => {
    const { maskCpr, statusError } = await import('./call.js');
    expect(maskCpr("The value '0101901234' is not accepted; also 010190-1234")).toBe(
      "The value '[masked]' is not accepted; also [masked]",
    );
    expect(maskCpr('EAN 5798000012345, status 40, unit 1042')).toBe(
      'EAN 5798000012345, status 40, unit 1042',
    );
    const e = statusError('importer Person x', { StatusKode: 40, FejlbeskedTekst: "'1111111118' rejected" });
    expect(e.message).not.toContain('1111111118');
  });
});
