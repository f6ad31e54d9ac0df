import { describe, expect, it } from 'vitest';
import { describePostgresUrl, splitPostgresUrl } from './postgres-url.js';

describe('describePostgresUrl', () => {
  it('names host, port and database of a normal URL, never user or password', () => {
    expect(describePostgresUrl('postgres://orgsync:pw@db.k.dk:6432/lob')).toBe('db.k.dk:6432/lob');
    expect(describePostgresUrl('postgresql://db.k.dk/lob')).toBe('db.k.dk:5432/lob');
    expect(describePostgresUrl('postgres://orgsync:p%2Fw@db.k.dk/lob?sslmode=verify-full')).toBe(
      'db.k.dk:5432/lob',
    );
    expect(describePostgresUrl('postgres://u@[::1]:5433/x')).toBe('[::1]:5433/x');
    expect(describePostgresUrl('postgres:///lob?host=/var/run/postgresql')).toBe(
      '/var/run/postgresql:5432/lob',
    );
    expect(describePostgresUrl('postgres://u:p@ss@db.k.dk/lob')).toBe('db.k.dk:5432/lob');
  });

  it('never shows the user information of a URL whose password is not percent-encoded', () => {
    // A URL parser ends the host at the '/': host orgsync, port 2024, database Sommer@db...
    const where = describePostgresUrl('postgres://orgsync:2024/Sommer@db.k.dk:5432/lob');
    expect(where).toBe('db.k.dk:5432/lob');
    for (const url of [
      'postgres://orgsync:2024/Sommer@db.k.dk:5432/lob',
      'postgres://orgsync:12?Sommer@db.k.dk/lob',
      'postgres://orgsync:ab#Sommer@db.k.dk/lob',
      'postgres://orgsync:Sommer',
      'postgres:orgsync:Sommer@db.k.dk/lob',
      'not a url Sommer',
    ])
      expect(describePostgresUrl(url)).not.toContain('Sommer');
  });

  it('splits at the last @', () => {
    expect(splitPostgresUrl('postgres://orgsync:2024/Sommer@db.k.dk:5432/lob')).toEqual({
      scheme: 'postgres:',
      userinfo: 'orgsync:2024/Sommer',
      rest: 'db.k.dk:5432/lob',
    });
    expect(splitPostgresUrl('postgres://db.k.dk/lob')).toEqual({
      scheme: 'postgres:',
      userinfo: undefined,
      rest: 'db.k.dk/lob',
    });
    expect(splitPostgresUrl('/var/run/postgresql lob')).toBeNull();
  });
});
