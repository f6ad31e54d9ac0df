import { readFileSync } from 'node:fs';
import { Client } from 'ldapts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ldapClient, type SambaDc, sambaTimings, startSambaDc } from './samba.js';

describe('Samba AD DC harness', () => {
  let dc: SambaDc;
  const timings: Record<string, number | undefined> = {};

  beforeAll(async () => {
    const t0 = performance.now();
    dc = await startSambaDc();
    timings['startSambaDc total'] = Math.round(performance.now() - t0);
    Object.assign(timings, sambaTimings);
  });

  afterAll(async () => {
    await dc?.stop();
    console.log('samba harness timings (ms):', JSON.stringify(timings));
  });

  it('describes the domain', () => {
    expect(dc.url).toBe('ldaps://127.0.0.1:636');
    expect(dc.baseDn).toBe('DC=example,DC=test');
    expect(dc.bindDn).toBe('Administrator@EXAMPLE.TEST');
    expect(dc.caFile).toBe(`${dc.dir}/private/tls/ca.pem`);
    expect(dc.servername).toBe('DC1.example.test');
  });

  it('verifies the certificate: the CA and the host name are both checked', async () => {
    const ca = [readFileSync(dc.caFile)];
    const noName = new Client({ url: dc.url, tlsOptions: { ca } });
    await expect(noName.bind(dc.bindDn, dc.password)).rejects.toThrow(/127\.0\.0\.1/);
    await noName.unbind().catch(() => {});
    const noCa = new Client({ url: dc.url, tlsOptions: { servername: dc.servername } });
    await expect(noCa.bind(dc.bindDn, dc.password)).rejects.toThrow(/unable to verify|self[- ]signed/i);
    await noCa.unbind().catch(() => {});
  });

  it('writes, reads back paged, and keeps its data across kill() and start()', async () => {
    const ou = `OU=orgsync-smoke,${dc.baseDn}`;
    const user = `CN=Smoke Test,${ou}`;
    let client = await ldapClient(dc);
    try {
      await client.add(ou, { objectClass: ['top', 'organizationalUnit'] });
      await client.add(user, {
        objectClass: ['top', 'person', 'organizationalPerson', 'user'],
        sAMAccountName: 'smoke.test',
        employeeID: 'E-0001',
      });
      const read = async (c: Client) => {
        const { searchEntries } = await c.search(ou, {
          scope: 'sub',
          filter: '(&(objectClass=user)(employeeID=E-0001))',
          attributes: ['objectGUID', 'sAMAccountName', 'employeeID', 'userAccountControl'],
          paged: { pageSize: 100 },
          explicitBufferAttributes: ['objectGUID'],
        });
        return searchEntries;
      };
      const before = await read(client);
      expect(before).toHaveLength(1);
      const entry = before[0]!;
      expect(entry.dn).toBe(user);
      expect(entry['sAMAccountName']).toBe('smoke.test');
      const guid = entry['objectGUID'];
      expect(Buffer.isBuffer(guid)).toBe(true);
      expect((guid as Buffer).length).toBe(16);
      const uac = Number(entry['userAccountControl']);
      console.log(`userAccountControl of a new user without password: ${uac}`);
      expect([514, 546]).toContain(uac);
      expect(uac & 0x2).toBe(0x2); // disabled
      await client.unbind();

      await dc.kill();
      await expect(ldapClient(dc)).rejects.toThrow();

      const t0 = performance.now();
      await dc.start();
      timings['restart'] = Math.round(performance.now() - t0);
      client = await ldapClient(dc);
      const after = await read(client);
      expect(after).toHaveLength(1);
      expect(after[0]!.dn).toBe(user);
      expect((after[0]!['objectGUID'] as Buffer).equals(guid as Buffer)).toBe(true);
    } finally {
      await client.unbind().catch(() => {});
    }
  });

  it('gives the next DC of the process a fresh domain of its own', async () => {
    const first = dc;
    await expect(startSambaDc()).rejects.toThrow(/already runs a DC/);
    await first.stop();
    const t0 = performance.now();
    dc = await startSambaDc();
    timings['second DC (copy + start)'] = Math.round(performance.now() - t0);
    expect(dc.dir).not.toBe(first.dir);
    expect(readFileSync(dc.caFile)).toEqual(readFileSync(first.caFile)); // the template's TLS
    const client = await ldapClient(dc);
    try {
      const { searchEntries } = await client.search(dc.baseDn, {
        filter: '(ou=orgsync-smoke)',
        paged: { pageSize: 100 },
      });
      expect(searchEntries).toEqual([]);
    } finally {
      await client.unbind();
    }
  });
});
