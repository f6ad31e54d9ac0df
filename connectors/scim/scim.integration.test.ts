/**
 * The scim target against a real SCIM service provider (SCIMMY and scimmy-routers over an
 * in-memory store, test/support/scim-server.ts), through the real engine: discovery, Users
 * with the enterprise extension and unit Groups through create, update, move, disable and
 * delete; a User made before orgsync adopted; small pages; PUT when PATCH is refused;
 * listing when filters are; capitalised PATCH ops; If-Match and 412; bulk; 429 with
 * Retry-After; bearer tokens and OAuth2 client credentials; a closed port.
 */
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { Writable } from 'node:stream';
import { inspect } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { openEngine } from '../../src/engine/context.js';
import { closeWork, makePlan, openTarget } from '../../src/engine/plan.js';
import { acceptSnapshot, loadSnapshot } from '../../src/engine/snapshot.js';
import { createLogger, silentLogger } from '../../src/log/logger.js';
import { ConnectorError } from '../../src/sdk/errors.js';
import type { Change, ChangeResult } from '../../src/sdk/types.js';
import { edits, initialOrganisation, type Organisation } from '../../src/testing/organisation.js';
import { jsonHrWorkspace } from '../../src/testing/workspace.js';
import { applyRecorded } from '../../test/support/engine.js';
import { freePort } from '../../test/support/ports.js';
import { ENTERPRISE, type ScimServer, type Stored, startScimServer } from '../../test/support/scim-server.js';
import { statusError } from './errors.js';
import { ScimConfig, scimTarget } from './index.js';
import { SCIM_TEST_MAPPING } from './testing.js';

const AS_OF = '2026-01-06';
const TOKEN = 'scim-test-token';
const TOKEN_ENV = 'ORGSYNC_TEST_SCIM_TOKEN';
const SECRET_ENV = 'ORGSYNC_TEST_SCIM_CLIENT_SECRET';
const CLIENT_SECRET = 'client-s3cret';

let server: ScimServer;
const dirs: string[] = [];

beforeAll(async () => {
  process.env[TOKEN_ENV] = TOKEN;
  process.env[SECRET_ENV] = CLIENT_SECRET;
  server = await startScimServer();
});
afterAll(async () => {
  await server?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
afterEach(() => server.reset());

const BEARER = { kind: 'bearer', token: TOKEN } as const;

interface Ws {
  org: Organisation;
  /** Writes the HR file and the configuration; returns the configuration's path. */
  config(connector?: Record<string, unknown>, target?: Record<string, unknown>): string;
}

/** A fresh state and organisation: Anne manages the top unit, so Bo and Carl report to her. */
function workspace(): Ws {
  const ws = jsonHrWorkspace('orgsync-scim-');
  dirs.push(ws.dir);
  const org = initialOrganisation();
  org.positions.find((p) => p.key === 'p-anne')!.unitKey = '1';
  return {
    org,
    config(connector = {}, target = {}) {
      ws.writeHr(org);
      return ws.writeConfig([
        {
          name: 'saas',
          connector: 'scim',
          config: {
            url: server.url,
            auth: { type: 'bearer', token: { env: TOKEN_ENV } },
            units: { members: true },
            timeoutMs: 5000,
            ...connector,
          },
          objects: SCIM_TEST_MAPPING,
          onRemove: { unit: 'delete', person: 'disable' },
          safety: { maxRemovals: 100, maxRemovalShare: 1 },
          retry: { attempts: 2, baseDelayMs: 10, maxDelayMs: 3000 },
          ...target,
        },
      ]);
    },
  };
}

/** Plan, apply, plan again (as `orgsync run` does): the target's problems, and what the second plan still finds. */
async function sync(path: string) {
  const engine = await openEngine(path, { logger: silentLogger() });
  try {
    const snap = await loadSnapshot(engine, AS_OF, { acceptShrink: true });
    const first = await makePlan(engine, snap);
    expect(first.work[0]!.plan.error, 'the target could not be planned').toBeUndefined();
    const [outcome] = await applyRecorded(engine, first.work, AS_OF);
    await acceptSnapshot(engine, snap);
    const second = await makePlan(engine, snap);
    await closeWork(second.work);
    expect(second.work[0]!.plan.error, 'the target could not be planned again').toBeUndefined();
    return { problems: outcome!.problems, again: second.work[0]!.changes.length };
  } finally {
    await engine.close();
  }
}

/** Plans (reading the service), runs `between`, then applies the plan: a plan applied later. */
async function planThenApply(path: string, between: () => void | Promise<void>) {
  const engine = await openEngine(path, { logger: silentLogger() });
  try {
    const snap = await loadSnapshot(engine, AS_OF, { acceptShrink: true });
    const { work } = await makePlan(engine, snap);
    await between();
    const results: ChangeResult[] = [];
    const started = Date.now();
    const [outcome] = await applyRecorded(engine, work, AS_OF, (_t, _c, r) => results.push(r));
    return { outcome: outcome!, results, ms: Date.now() - started, changes: work[0]!.changes };
  } finally {
    await engine.close();
  }
}

/** Applies changes through a fresh session that has not read the service (as a resumed run does). */
async function applyFresh(path: string, changes: readonly Change[]): Promise<ChangeResult[]> {
  const engine = await openEngine(path, { logger: silentLogger() });
  const session = await openTarget(engine, engine.loaded.targets[0]!);
  const ctx = { runId: 'fresh', signal: new AbortController().signal };
  try {
    const out: ChangeResult[] = [];
    for (const c of changes) {
      out.push(
        ...(await session.apply([c], ctx).catch((e: unknown): ChangeResult[] => {
          if (!(e instanceof ConnectorError)) throw e;
          return [{ changeId: c.id, status: 'failed', errorKind: e.kind, message: e.message }];
        })),
      );
    }
    return out;
  } finally {
    await session.close?.();
    await engine.close();
  }
}

/** The changes a plan would make, without applying them. */
async function plannedChanges(path: string): Promise<Change[]> {
  const engine = await openEngine(path, { logger: silentLogger() });
  try {
    const { work } = await makePlan(engine, await loadSnapshot(engine, AS_OF, { acceptShrink: true }));
    await closeWork(work);
    return work[0]!.changes;
  } finally {
    await engine.close();
  }
}

async function withSession<T>(path: string, fn: (s: Awaited<ReturnType<typeof openTarget>>) => Promise<T>) {
  const engine = await openEngine(path, { logger: silentLogger() });
  const session = await openTarget(engine, engine.loaded.targets[0]!);
  try {
    return await fn(session);
  } finally {
    await session.close?.();
    await engine.close();
  }
}

const user = (userName: string): Stored => {
  const u = [...server.users.values()].find((x) => x.data['userName'] === userName);
  if (!u) throw new Error(`no User ${userName}`);
  return u;
};
const group = (unitKey: string): Stored | undefined =>
  [...server.groups.values()].find((g) => g.data['externalId'] === `orgsync:${unitKey}`);
const ext = (u: Stored) => u.data[ENTERPRISE] as Record<string, unknown>;
const memberIds = (g: Stored | undefined) =>
  ((g?.data['members'] ?? []) as { value: string }[]).map((m) => m.value).sort();
const requests = (method: string, prefix = '') =>
  server.requests.filter((r) => r.method === method && r.url.startsWith(prefix));
const ops = (r: { body: unknown }) => (r.body as { Operations: { op: string }[] }).Operations;

describe('scim target against a SCIMMY service provider', () => {
  it('takes the README example as it is, and refuses mapping names that are not SCIM paths on open', () => {
    const readme = readFileSync(new URL('./README.md', import.meta.url), 'utf8');
    const example = parse(/```yaml\n([\s\S]*?)```/.exec(readme)![1]!) as {
      targets: {
        config: unknown;
        objects: Record<'unit' | 'person', { attributes: Record<string, string> }>;
      }[];
    };
    process.env['SAAS_SCIM_TOKEN'] = 'readme-token';
    const [target] = example.targets;
    const cfg = ScimConfig.parse(target!.config);
    expect(cfg.units).toEqual({ externalIdPrefix: 'orgsync:', members: true });
    const ctx = (person: Record<string, string>) => ({
      instance: 'readme',
      logger: silentLogger(),
      workDir: tmpdir(),
      attributes: { unit: Object.keys(target!.objects.unit.attributes), person: Object.keys(person) },
    });
    expect(() => scimTarget.open(cfg, ctx(target!.objects.person.attributes))).not.toThrow();
    const refused: [Record<string, string>, string][] = [
      [{ userName: 'x', active: 'x' }, 'active is written by the connector itself'],
      [{ userName: 'x', emails: 'x' }, "emails is multi-valued: name the entry's type"],
      [{ userName: 'x', 'name.givenName.first': 'x' }, 'at most one sub-attribute'],
      [{ displayName: 'x' }, 'map the person attribute userName'],
    ];
    for (const [attributes, message] of refused)
      expect(() => scimTarget.open(cfg, ctx(attributes))).toThrow(message);
    const raw = target!.config as Record<string, unknown>;
    const plain = ScimConfig.safeParse({ ...raw, url: 'http://scim.example.com/v2' });
    expect(plain.success).toBe(false);
    expect(plain.error?.issues[0]?.message).toContain('must be https://');
    expect(ScimConfig.safeParse({ ...raw, url: 'http://scim.example.com/v2', allowHttp: true }).success).toBe(
      true,
    );
  });

  it('reads the service provider configuration, and the configuration overrides it', async () => {
    server.configure({ auth: BEARER, bulk: { maxOperations: 7, maxPayloadSize: 100_000 } });
    const ws = workspace();
    const checked = await withSession(ws.config(), (s) => s.check());
    expect(checked).toEqual({
      ok: true,
      message: `SCIM service at ${new URL(server.url).origin}: PATCH yes, filter yes, bulk yes (7 operations), ETag yes`,
    });
    const forced = await withSession(
      ws.config({ features: { patch: false, bulk: false, etag: false } }),
      (s) => s.check(),
    );
    expect(forced.message).toContain('PATCH no (PUT), filter yes, bulk no, ETag no');
  });

  it('syncs Users with the enterprise extension and unit Groups: create, update, move, disable, delete', async () => {
    server.configure({ auth: BEARER });
    const ws = workspace();
    expect(await sync(ws.config())).toEqual({ problems: [], again: 0 });

    const [anne, bo, carl] = [user('anne'), user('bo'), user('carl')];
    expect(server.users.size).toBe(3);
    expect(bo.data).toMatchObject({
      externalId: expect.stringMatching(/^p-[0-9a-f]{20}$/),
      active: true,
      displayName: "Bo O'Brien, jr.",
      name: { givenName: 'Bo', familyName: "O'Brien, jr." },
      emails: [{ type: 'work', value: 'bo@testkommune.dk', primary: true }],
      title: 'Lærer',
      [ENTERPRISE]: {
        department: 'Skole + Dagtilbud',
        costCenter: '120',
        employeeNumber: 'BO',
        // The manager's SCIM id, not orgsync's key for her.
        manager: { value: anne.id },
      },
    });
    expect(ext(carl)['manager']).toEqual({ value: anne.id });
    expect(ext(anne)['manager']).toBeUndefined();
    expect(server.groups.size).toBe(4);
    expect(group('10')!.data['displayName']).toBe('Borgerservice, Løn & "Personale"');
    expect(memberIds(group('1'))).toEqual([anne.id]);
    expect(memberIds(group('20'))).toEqual([bo.id]);
    expect(memberIds(group('21'))).toEqual([carl.id]);

    edits.update(ws.org);
    expect(await sync(ws.config())).toEqual({ problems: [], again: 0 });
    expect(user('bo').data).toMatchObject({
      name: { familyName: "O'Brien-Ærø" },
      emails: [{ type: 'work', value: 'bo.obrien@testkommune.dk' }],
      title: 'Overlærer',
      [ENTERPRISE]: { department: 'Skoler og Dagtilbud' },
    });
    expect(user('bo').id).toBe(bo.id);
    expect(group('20')!.data['displayName']).toBe('Skoler og Dagtilbud');

    edits.move(ws.org);
    expect(await sync(ws.config())).toEqual({ problems: [], again: 0 });
    expect(memberIds(group('21'))).toEqual([]);
    expect(memberIds(group('10'))).toEqual([carl.id]);
    expect(ext(user('carl'))['department']).toBe('Borgerservice, Løn & "Personale"');

    edits.leave(ws.org);
    expect(await sync(ws.config())).toEqual({ problems: [], again: 0 });
    expect(user('bo').data['active']).toBe(false);

    edits.rejoin(ws.org);
    expect(await sync(ws.config())).toEqual({ problems: [], again: 0 });
    expect(user('bo').data['active']).toBe(true);

    edits.remove(ws.org);
    expect(await sync(ws.config({}, { onRemove: 'delete' }))).toEqual({ problems: [], again: 0 });
    expect([...server.users.values()].map((u) => u.data['userName']).sort()).toEqual(['anne', 'bo']);
    expect(group('21')).toBeUndefined();
  });

  it('adopts a User made before orgsync by its userName, and never one that is someone else’s', async () => {
    server.configure({ auth: BEARER });
    const made = server.add('Users', { userName: 'bo', name: { givenName: 'Old' }, nickName: 'Bobby' });
    server.add('Users', { userName: 'carl', externalId: 'hr-system-4711' });
    const ws = workspace();
    const { problems } = await sync(ws.config());
    expect(user('bo').id).toBe(made.id);
    expect(user('bo').data).toMatchObject({
      externalId: expect.stringMatching(/^p-/),
      name: { givenName: 'Bo' },
      nickName: 'Bobby', // what orgsync does not map is left alone
    });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({
      changeId: expect.stringMatching(/^saas:person:p-/),
      errorKind: 'conflict',
    });
    expect(problems[0]!.message).toContain('belongs to something else');
    expect(problems[0]!.message).not.toMatch(/carl/i);
    expect(user('carl').data['externalId']).toBe('hr-system-4711');

    // With correlation by externalId only, the same User is a duplicate the service refuses.
    server.reset();
    server.add('Users', { userName: 'bo' });
    const strict = workspace();
    const { problems: refused } = await sync(strict.config({ users: { correlateBy: ['externalId'] } }));
    expect(refused.map((p) => p.errorKind)).toEqual(['conflict']);
    expect(refused[0]!.message).toContain('409');
  });

  it('reads page by page when the service sends fewer resources than asked for', async () => {
    server.configure({ auth: BEARER, maxPageSize: 2 });
    for (let i = 0; i < 5; i++) server.add('Users', { userName: `someone-else-${i}` });
    const ws = workspace();
    expect(await sync(ws.config({ pageSize: 3 }))).toEqual({ problems: [], again: 0 });
    const pages = requests('GET', '/Users?startIndex=').map((r) => /startIndex=(\d+)/.exec(r.url)![1]);
    // 8 Users in pages of 2, for each of the two reads of the second sync's plans at least.
    expect(pages).toEqual(expect.arrayContaining(['1', '3', '5', '7']));
    expect(server.users.size).toBe(8);
    // Users that are not orgsync's are neither touched nor disabled.
    for (let i = 0; i < 5; i++) expect(user(`someone-else-${i}`).version).toBe(1);

    // A service that ignores startIndex sends the first page again: the read stops, it does not loop.
    server.configure({ auth: BEARER, maxPageSize: 2, ignoreStartIndex: true });
    const engine = await openEngine(ws.config({ pageSize: 3 }), { logger: silentLogger() });
    try {
      const { work } = await makePlan(engine, await loadSnapshot(engine, AS_OF, { acceptShrink: true }));
      await closeWork(work);
      expect(work[0]!.plan.error).toContain('it ignores startIndex');
    } finally {
      await engine.close();
    }
  });

  it('writes with PUT when the service has no PATCH, keeping what orgsync does not map', async () => {
    server.configure({ auth: BEARER, patch: false });
    const ws = workspace();
    expect(await sync(ws.config())).toEqual({ problems: [], again: 0 });
    server.modify('Users', user('bo').id, (d) => {
      d['nickName'] = 'Bobby';
    });
    edits.update(ws.org);
    expect(await sync(ws.config())).toEqual({ problems: [], again: 0 });
    expect(requests('PATCH')).toEqual([]);
    expect(requests('PUT', '/Users/').length).toBeGreaterThan(0);
    expect(user('bo').data).toMatchObject({
      nickName: 'Bobby',
      title: 'Overlærer',
      name: { familyName: "O'Brien-Ærø" },
    });
    expect(memberIds(group('20'))).toEqual([user('bo').id]);
  });

  it('falls back to PUT when the service refuses PATCH that its configuration offers', async () => {
    server.configure({ auth: BEARER, patch: false, advertise: { patch: true } });
    const ws = workspace();
    expect(await sync(ws.config())).toEqual({ problems: [], again: 0 });
    // PATCH was refused (405): the writes in flight then, and every write after, went as PUT.
    const refused = requests('PATCH');
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.length).toBeLessThanOrEqual(4); // the target's concurrency
    for (const r of refused) expect(r.status).toBe(405);
    expect(requests('PUT').length).toBeGreaterThan(0);
    expect(memberIds(group('20'))).toEqual([user('bo').id]);
  });

  it('lists instead of filtering when the service cannot filter, even when it says it can', async () => {
    server.configure({ auth: BEARER, filter: false });
    const ws = workspace();
    const path = ws.config();
    const creates = await plannedChanges(path);
    expect(await sync(path)).toEqual({ problems: [], again: 0 });
    // A fresh session that has not read the service finds each object by listing.
    server.requests.length = 0;
    const again = await applyFresh(path, creates);
    expect(again.filter((r) => r.status !== 'applied')).toEqual([]);
    expect(server.requests.filter((r) => r.url.includes('filter='))).toEqual([]);
    expect(server.users.size).toBe(3);

    server.configure({ auth: BEARER, filter: false, advertise: { filter: true } });
    const lied = await applyFresh(path, creates.slice(0, 1));
    expect(lied[0]).toMatchObject({ status: 'failed', errorKind: 'invalid-config' });
    expect(lied[0]!.message).toContain('features.filter: false');
    const told = await applyFresh(ws.config({ features: { filter: false } }), creates);
    expect(told.filter((r) => r.status !== 'applied')).toEqual([]);
  });

  it('capitalises PATCH ops for a service that takes only Add, Replace, Remove', async () => {
    server.configure({ auth: BEARER, opCase: 'capitalised' });
    const ws = workspace();
    const refused = await sync(ws.config());
    expect(refused.problems.length).toBeGreaterThan(0);
    const failed = refused.problems.filter((p) => p.status === 'failed');
    expect(failed.length).toBeGreaterThan(0);
    for (const p of failed)
      expect(p).toMatchObject({
        errorKind: 'invalid-value',
        message: expect.stringContaining('invalidSyntax'),
      });

    server.reset();
    const fixed = workspace();
    expect(await sync(fixed.config({ patchOpCase: 'capitalised' }))).toEqual({ problems: [], again: 0 });
    edits.update(fixed.org);
    expect(await sync(fixed.config({ patchOpCase: 'capitalised' }))).toEqual({ problems: [], again: 0 });
    const sent = requests('PATCH').flatMap(ops);
    expect(sent.length).toBeGreaterThan(0);
    for (const o of sent) expect(['Add', 'Replace', 'Remove']).toContain(o.op);
  });

  it.each([
    ['PATCH', true],
    ['PUT', false],
  ])(
    'reports a User changed after the plan was made as a conflict (%s with If-Match)',
    async (_how, patch) => {
      server.configure({ auth: BEARER, patch });
      const ws = workspace();
      expect(await sync(ws.config())).toEqual({ problems: [], again: 0 });
      edits.update(ws.org);
      const bo = user('bo').id;
      const { outcome } = await planThenApply(ws.config(), () =>
        server.modify('Users', bo, (d) => {
          d['nickName'] = 'changed meanwhile';
        }),
      );
      expect(outcome.problems).toHaveLength(1);
      expect(outcome.problems[0]).toMatchObject({ errorKind: 'conflict' });
      expect(outcome.problems[0]!.message).toContain('changed in the service after orgsync read it');
      expect(user('bo').data).toMatchObject({ nickName: 'changed meanwhile', title: 'Lærer' });
      if (patch) expect(requests('PATCH', '/Users/').some((r) => r.status === 412 && r.ifMatch)).toBe(true);
      // The next run reads the User as it is now and converges.
      expect(await sync(ws.config())).toEqual({ problems: [], again: 0 });
      expect(user('bo').data).toMatchObject({ nickName: 'changed meanwhile', title: 'Overlærer' });
    },
  );

  it('gathers changes into /Bulk requests within the service’s limits, new Users joining by bulkId', async () => {
    server.configure({ auth: BEARER, bulk: { maxOperations: 3, maxPayloadSize: 1_048_576 } });
    const ws = workspace();
    expect(await sync(ws.config({}, { concurrency: 8 }))).toEqual({ problems: [], again: 0 });
    const bulks = requests('POST', '/Bulk');
    expect(bulks.length).toBeGreaterThan(1);
    expect(requests('POST', '/Users')).toEqual([]);
    for (const b of bulks) expect(ops(b).length).toBeLessThanOrEqual(3);
    const all = bulks.flatMap(
      (b) => ops(b) as unknown as { method: string; bulkId?: string; data?: unknown }[],
    );
    expect(all.filter((o) => o.method === 'POST').length).toBe(7);
    expect(all.some((o) => o.method === 'PATCH' && JSON.stringify(o.data).includes('bulkId:'))).toBe(true);
    expect(memberIds(group('21'))).toEqual([user('carl').id]);
    expect(ext(user('carl'))['manager']).toEqual({ value: user('anne').id });

    server.reset();
    const off = workspace();
    expect(await sync(off.config({ features: { bulk: false } }))).toEqual({ problems: [], again: 0 });
    expect(requests('POST', '/Bulk')).toEqual([]);
  });

  it('waits as long as a 429 Retry-After asks, when reading and when writing', async () => {
    server.configure({ auth: BEARER });
    const ws = workspace();
    server.throttle(1, 1);
    const started = Date.now();
    expect(await sync(ws.config())).toEqual({ problems: [], again: 0 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(server.requests[0]!.status).toBe(429);

    edits.update(ws.org);
    const { outcome, results, ms } = await planThenApply(ws.config({}, { concurrency: 1 }), () =>
      server.throttle(1, 1),
    );
    expect(outcome.problems).toEqual([]);
    expect(results.map((r) => r.attempts)).toContain(2);
    expect(ms).toBeGreaterThanOrEqual(950);
  });

  it('gets OAuth2 tokens by client credentials, renews a refused one, and logs neither token nor values', async () => {
    server.configure({
      auth: { kind: 'oauth2', clientId: 'orgsync', clientSecret: CLIENT_SECRET, ttlSeconds: 3600 },
    });
    const ws = workspace();
    const oauth = (clientAuth: 'basic' | 'body') => ({
      auth: {
        type: 'oauth2',
        tokenUrl: server.tokenUrl,
        clientId: 'orgsync',
        clientSecret: { env: SECRET_ENV },
        clientAuth,
      },
    });
    const path = ws.config(oauth('basic'));
    const lines: string[] = [];
    const logger = createLogger({
      level: 'debug',
      destination: new Writable({
        write(chunk, _enc, done) {
          lines.push(String(chunk));
          done();
        },
      }),
    });
    const engine = await openEngine(path, { logger });
    try {
      const snap = await loadSnapshot(engine, AS_OF, { acceptShrink: true });
      const { work } = await makePlan(engine, snap);
      expect(server.tokensIssued).toBe(1);
      server.revokeTokens(); // the token expires early: the next request is answered 401
      const [outcome] = await applyRecorded(engine, work, AS_OF);
      expect(outcome!.problems).toEqual([]);
      expect(server.tokensIssued).toBe(2);
    } finally {
      await engine.close();
    }
    const log = lines.join('');
    expect(log).toContain('SCIM request');
    for (const secret of [CLIENT_SECRET, 'anne@testkommune.dk', 'Ærø-Hansen', ...server.users.keys()])
      expect(log).not.toContain(secret);

    expect(await sync(ws.config(oauth('body')))).toEqual({ problems: [], again: 0 });

    process.env['ORGSYNC_TEST_SCIM_WRONG'] = 'wrong';
    const wrong = ws.config({
      ...oauth('basic'),
      auth: { ...oauth('basic').auth, clientSecret: { env: 'ORGSYNC_TEST_SCIM_WRONG' } },
    });
    const checked = await withSession(wrong, (s) => s.check());
    expect(checked.ok).toBe(false);
    expect(checked.message).toContain('invalid_client');
    expect(checked.message).not.toContain('wrong');
  });

  it('refuses a wrong bearer token as a permission problem', async () => {
    server.configure({ auth: { kind: 'bearer', token: 'another-token' } });
    const ws = workspace();
    const path = ws.config();
    const checked = await withSession(path, (s) => s.check());
    expect(checked.ok).toBe(false);
    expect(checked.message).toContain('401');
    expect(checked.message).not.toContain(TOKEN);
    server.configure({ auth: BEARER });
    const creates = await plannedChanges(path);
    server.configure({ auth: { kind: 'bearer', token: 'another-token' } });
    const [r] = await applyFresh(path, creates.slice(0, 1));
    expect(r).toMatchObject({ status: 'failed', errorKind: 'permission' });
  });

  it('reports a closed port as not ok, and its changes as transient', async () => {
    server.configure({ auth: BEARER });
    const ws = workspace();
    const creates = await plannedChanges(ws.config());
    const closed = ws.config({ url: `http://127.0.0.1:${await freePort()}/scim/v2`, timeoutMs: 2000 });
    const checked = await withSession(closed, (s) => s.check());
    expect(checked.ok).toBe(false);
    expect(checked.message).toContain('ECONNREFUSED');
    const [r] = await applyFresh(closed, creates.slice(0, 1));
    expect(r).toMatchObject({ status: 'failed', errorKind: 'transient' });
  });

  it('fills a typed entry’s sub-attributes in that one entry, and converges', async () => {
    server.configure({ auth: BEARER });
    const ws = workspace();
    const school = ws.org.units.find((u) => u.key === '20')!;
    delete school.costCentre; // Bo's unit: what the entries below take from it is empty at first
    const objects = {
      ...SCIM_TEST_MAPPING,
      person: {
        attributes: {
          ...SCIM_TEST_MAPPING.person.attributes,
          'addresses.work.streetAddress': '${unit.name}',
          'addresses.work.locality': '${unit.costCentre}', // the README's example
          'addresses.home.locality': '${unit.costCentre}',
          'addresses.home.postalCode': '${unit.costCentre}',
          'phoneNumbers.work': '${unit.costCentre}',
          'phoneNumbers.work.display': '${unit.costCentre}',
        },
      },
    };
    expect(await sync(ws.config({}, { objects }))).toEqual({ problems: [], again: 0 });
    expect(user('bo').data['addresses']).toEqual([
      { type: 'work', streetAddress: 'Skole + Dagtilbud', primary: true },
    ]);
    expect(user('bo').data['phoneNumbers']).toBeUndefined();

    // Empty sub-attributes get values: each goes into the one entry of its type.
    school.costCentre = '120';
    expect(await sync(ws.config({}, { objects }))).toEqual({ problems: [], again: 0 });
    const addresses = user('bo').data['addresses'] as Record<string, unknown>[];
    expect(addresses).toHaveLength(2);
    expect(addresses).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'work', streetAddress: 'Skole + Dagtilbud', locality: '120' }),
        expect.objectContaining({ type: 'home', locality: '120', postalCode: '120' }),
      ]),
    );
    expect(user('bo').data['phoneNumbers']).toEqual([
      expect.objectContaining({ type: 'work', value: '120', display: '120' }),
    ]);
    // The next run finds nothing to do: no second entry of a type was made.
    expect(await sync(ws.config({}, { objects }))).toEqual({ problems: [], again: 0 });
    expect(user('bo').data['addresses']).toHaveLength(2);
  });

  it('never activates a User an administrator deactivated, adopted or found again by a create', async () => {
    server.configure({ auth: BEARER });
    // Suspended before orgsync came: adopted by its userName, and left inactive.
    server.add('Users', { userName: 'bo', active: false });
    const ws = workspace();
    const path = ws.config();
    const creates = await plannedChanges(path);
    expect(await sync(path)).toEqual({ problems: [], again: 0 });
    expect(user('bo').data).toMatchObject({ externalId: expect.stringMatching(/^p-/), active: false });
    expect(user('anne').data['active']).toBe(true);

    // A create applied later (a plan made before, a resumed run) finds the User: an
    // administrator's deactivation stays.
    const results = await applyFresh(path, creates);
    expect(results.filter((r) => r.status !== 'applied')).toEqual([]);
    expect(user('bo').data['active']).toBe(false);

    // orgsync's own deactivation is orgsync's to undo.
    server.modify('Users', user('bo').id, (d) => {
      d['active'] = true;
    });
    edits.leave(ws.org);
    expect(await sync(ws.config())).toEqual({ problems: [], again: 0 });
    expect(user('bo').data['active']).toBe(false);
    const again = await applyFresh(path, creates);
    expect(again.filter((r) => r.status !== 'applied')).toEqual([]);
    expect(user('bo').data['active']).toBe(true);
  });

  it('matches /Bulk answers by what they name, whatever their order', async () => {
    server.configure({
      auth: BEARER,
      bulk: { maxOperations: 5, maxPayloadSize: 1_048_576 },
      bulkReversed: true,
    });
    const ws = workspace();
    expect(await sync(ws.config({}, { concurrency: 8 }))).toEqual({ problems: [], again: 0 });
    expect(requests('POST', '/Bulk').length).toBeGreaterThan(0);
    expect(requests('POST', '/Users')).toEqual([]);
    expect(memberIds(group('1'))).toEqual([user('anne').id]);
    expect(memberIds(group('20'))).toEqual([user('bo').id]);
    expect(memberIds(group('21'))).toEqual([user('carl').id]);
    edits.update(ws.org);
    expect(await sync(ws.config({}, { concurrency: 8 }))).toEqual({ problems: [], again: 0 });
    expect(user('bo').data['title']).toBe('Overlærer');
    expect(requests('PUT')).toEqual([]);
  });

  it.each([405, 413, 501] as const)(
    'sends the changes one by one when the service refuses /Bulk itself (%i), and keeps PATCH',
    async (refusal) => {
      server.configure({
        auth: BEARER,
        bulk: { maxOperations: 3, maxPayloadSize: 1_048_576 },
        bulkRefusal: refusal,
      });
      const ws = workspace();
      expect(await sync(ws.config({}, { concurrency: 8 }))).toEqual({ problems: [], again: 0 });
      expect(requests('POST', '/Bulk').every((r) => r.status === refusal)).toBe(true);
      expect(requests('POST', '/Bulk').length).toBeGreaterThan(0);
      expect(server.users.size).toBe(3);
      expect(memberIds(group('21'))).toEqual([user('carl').id]);
      edits.update(ws.org);
      expect(await sync(ws.config({}, { concurrency: 8 }))).toEqual({ problems: [], again: 0 });
      expect(user('bo').data['title']).toBe('Overlærer');
      // The refusal was the bulk request's, not PATCH's: PATCH stays.
      expect(requests('PATCH', '/Users/').length).toBeGreaterThan(0);
      expect(requests('PUT')).toEqual([]);
    },
  );

  it('leaves HR values that read like bulk references as they are', async () => {
    server.configure({ auth: BEARER, bulk: { maxOperations: 10, maxPayloadSize: 1_048_576 } });
    const ws = workspace();
    ws.org.positions.find((p) => p.key === 'p-bo')!.title = 'Lead bulkId:new';
    expect(await sync(ws.config({}, { concurrency: 8 }))).toEqual({ problems: [], again: 0 });
    expect(requests('POST', '/Bulk').length).toBeGreaterThan(0);
    expect(user('bo').data['title']).toBe('Lead bulkId:new');
    expect(memberIds(group('20'))).toEqual([user('bo').id]);
  });

  it('reports repeated unit names a service refuses, and takes a displayName that tells them apart', async () => {
    server.configure({ auth: BEARER, uniqueGroupNames: true });
    const ws = workspace();
    ws.org.units.find((u) => u.key === '21')!.name = 'Skole + Dagtilbud'; // as unit 20
    const { problems } = await sync(ws.config());
    const refused = problems.find((p) => p.changeId.includes(':unit:'));
    expect(refused).toMatchObject({ errorKind: 'conflict' });
    expect(refused!.message).toContain('409');
    expect(refused!.message).toContain('"${unit.name} (${unit.key})"');

    server.reset();
    const fixed = workspace();
    fixed.org.units.find((u) => u.key === '21')!.name = 'Skole + Dagtilbud';
    const objects = {
      ...SCIM_TEST_MAPPING,
      unit: { attributes: { displayName: '${unit.name} (${unit.key})' } },
    };
    expect(await sync(fixed.config({}, { objects }))).toEqual({ problems: [], again: 0 });
    expect(group('21')!.data['displayName']).toBe('Skole + Dagtilbud (21)');
  });

  it.each(['single', 'never'] as const)(
    'reads each person’s unit when the service leaves Group members out of listings (members: %s)',
    async (groupMembers) => {
      server.configure({ auth: BEARER, groupMembers });
      const ws = workspace();
      expect(await sync(ws.config())).toEqual({ problems: [], again: 0 });
      expect(requests('GET', '/Groups/').length).toBeGreaterThan(0); // read one by one
      edits.move(ws.org);
      expect(await sync(ws.config())).toEqual({ problems: [], again: 0 });
      expect(memberIds(group('21'))).toEqual([]);
      expect(memberIds(group('10'))).toEqual([user('carl').id]);
    },
  );

  it('names attributes from the service’s error detail, never its values', () => {
    const cases: [string, string[], string | null][] = [
      ['User jeha01 already exists', ['jeha01'], null],
      ['displayName Jens Ærø-Hansen exceeds 20 characters', ['Jens', 'Ærø'], 'displayName'],
      ["userName 'anne@kommune.dk' is taken", ['anne', 'kommune'], 'userName'],
      ["Value 'O'Brien, jr.' of name.familyName is invalid", ['Brien', 'jr'], 'name.familyName'],
      [
        `Attribute ${ENTERPRISE}:employeeNumber value 0101701111 is not allowed`,
        ['0101701111'],
        `${ENTERPRISE}:employeeNumber`,
      ],
    ];
    for (const [detail, values, named] of cases) {
      const e = statusError('update person p-0123456789abcdef0123', 400, {
        scimType: 'invalidValue',
        detail,
      });
      expect(e.message).toMatch(/^update person p-0123456789abcdef0123: SCIM 400 invalidValue/);
      for (const v of values) expect(e.message).not.toContain(v);
      if (named) expect(e.message).toContain(`names ${named}`);
      expect(e.kind).toBe('invalid-value');
    }
  });

  it('keeps no network error, whose message holds the URL and its filter, as the cause', async () => {
    server.configure({ auth: BEARER, drop: /filter=/ });
    const ws = workspace();
    const path = ws.config();
    const creates = await plannedChanges(path);
    const engine = await openEngine(path, { logger: silentLogger() });
    const session = await openTarget(engine, engine.loaded.targets[0]!);
    try {
      const person = creates.find((c) => c.type === 'person')!;
      const e = await session.apply([person], { runId: 'drop', signal: new AbortController().signal }).then(
        () => null,
        (err: unknown) => err,
      );
      expect(e).toBeInstanceOf(ConnectorError);
      expect(e).toMatchObject({ kind: 'transient' });
      expect((e as Error).cause).toBeUndefined();
      expect(requests('GET', '/Users?filter=').length).toBeGreaterThan(0);
      const shown = inspect(e, { depth: 10 });
      expect(shown).not.toContain('/Users?');
      expect(shown).not.toMatch(/externalId(%20| )eq/);
    } finally {
      await session.close?.();
      await engine.close();
    }
  });
});
