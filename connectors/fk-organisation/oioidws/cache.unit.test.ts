import { createSecretKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConnectorError } from '../../../src/sdk/errors.js';
import { TokenCache } from './cache.js';
import { OioidwsConfig } from './config.js';
import { ORGANISATION_AUDIENCE } from './ns.js';
import type { TokenKey } from './sts-client.js';
import { OioidwsToken } from './token.js';

const HOUR = 3600_000;
const KEY = createSecretKey(Buffer.alloc(16));
const defaults = { cvr: '29189846', appliesTo: ORGANISATION_AUDIENCE };

function harness(opts: { lifetimeMs?: number; refreshBeforeMs?: number } = {}) {
  let now = Date.parse('2026-11-23T08:00:00Z');
  let n = 0;
  let failWith: Error | undefined;
  const pending: Array<() => void> = [];
  let hold = false;
  const issued: TokenKey[] = [];
  const cache = new TokenCache(
    async (key) => {
      issued.push(key);
      if (hold) await new Promise<void>((r) => pending.push(r));
      if (failWith) throw failWith;
      n++;
      return new OioidwsToken({
        assertionXml: `<a n="${n}"/>`,
        assertionId: `_${n}`,
        ...key,
        receivedAt: new Date(now),
        expiresAt: new Date(now + (opts.lifetimeMs ?? 8 * HOUR)),
        key: KEY,
      });
    },
    { defaults, clock: () => new Date(now), refreshBeforeMs: opts.refreshBeforeMs ?? 5 * 60_000 },
  );
  return {
    cache,
    issued,
    advance: (ms: number) => {
      now += ms;
    },
    fail: (e: Error | undefined) => {
      failWith = e;
    },
    hold: (on: boolean) => {
      hold = on;
      if (!on) for (const r of pending.splice(0)) r();
    },
  };
}

describe('TokenCache', () => {
  it('makes one request for concurrent callers, and one per (CVR, service)', async () => {
    const h = harness();
    h.hold(true);
    const waiting = Array.from({ length: 10 }, () => h.cache.token());
    const other = h.cache.token({ cvr: '55133018' });
    await Promise.resolve();
    expect(h.issued).toHaveLength(2);
    h.hold(false);
    const tokens = await Promise.all(waiting);
    expect(new Set(tokens).size).toBe(1);
    expect((await other).cvr).toBe('55133018');
    expect(h.issued).toEqual([defaults, { ...defaults, cvr: '55133018' }]);
  });

  it('refreshes refreshBeforeMs before expiry, or halfway through a short life', async () => {
    const h = harness();
    const first = await h.cache.token();
    h.advance(8 * HOUR - 5 * 60_000 - 1);
    expect(await h.cache.token()).toBe(first);
    h.advance(2);
    const second = await h.cache.token();
    expect(second).not.toBe(first);

    const short = harness({ lifetimeMs: 4 * 60_000 });
    const t = await short.cache.token();
    expect(short.cache.refreshAt(t)).toBe(t.expiresAt.getTime() - 2 * 60_000);
  });

  it('does not cache a failure, and uses the token in hand while an early refresh fails', async () => {
    const h = harness();
    h.fail(new ConnectorError('transient', 'STS down'));
    await expect(h.cache.token()).rejects.toThrow('STS down');
    h.fail(undefined);
    const token = await h.cache.token();
    expect(h.issued).toHaveLength(2);

    h.advance(8 * HOUR - 4 * 60_000);
    h.fail(new ConnectorError('transient', 'STS down'));
    expect(await h.cache.token()).toBe(token);
    h.advance(3 * 60_000 + 1); // under a minute left: not good enough for a call
    await expect(h.cache.token()).rejects.toThrow('STS down');
  });

  it('forgets on invalidate', async () => {
    const h = harness();
    const first = await h.cache.token();
    h.cache.invalidate();
    expect(await h.cache.token()).not.toBe(first);
  });
});

describe('OioidwsConfig', () => {
  const base = {
    stsUrl: 'https://n2adgangsstyring.stoettesystemerne.dk/runtime/services/kombittrust/14/certificatemixed',
    cvr: '29189846',
    certificate: { certFile: '/etc/orgsync/fk.pem', keyFile: '/etc/orgsync/fk.pem' },
  };

  it('has defaults', () => {
    expect(OioidwsConfig.parse(base)).toMatchObject({
      appliesTo: ORGANISATION_AUDIENCE,
      refreshBeforeMs: 300_000,
      timeoutMs: 30_000,
    });
  });

  it('wants one source each for certificate and key, a CVR, and https', () => {
    const issues = (v: object) =>
      OioidwsConfig.safeParse({ ...base, ...v }).error?.issues.map(
        (i) => `${i.path.join('.')}: ${i.message}`,
      );
    expect(issues({ certificate: { certFile: 'a', certEnv: 'B', keyEnv: 'K' } })).toEqual([
      'certificate: certificate: give exactly one of certFile or certEnv',
    ]);
    expect(issues({ certificate: { certFile: 'a' } })).toEqual([
      'certificate: certificate key: give exactly one of keyFile or keyEnv',
    ]);
    expect(issues({ cvr: '1234' })).toEqual(['cvr: must be a CVR number (8 digits)']);
    expect(issues({ stsUrl: 'http://sts.example.dk/x' })).toEqual([
      'stsUrl: must be https:// (or http:// on this machine)',
    ]);
    expect(
      issues({ stsUrl: 'http://127.0.0.1:8080/runtime/services/kombittrust/14/certificatemixed' }),
    ).toBeUndefined();
  });
});
