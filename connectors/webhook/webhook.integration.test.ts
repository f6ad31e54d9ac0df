/**
 * The webhook target against a real receiver (./test/receiver.ts) and, for retries, the
 * real executor with a real SQLite state store: signing, idempotency keys, batching, how each
 * answer is handled, check(), recover() and the config's refusals.
 */
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { executeTarget } from '../../src/apply/executor.js';
import type { TargetSession } from '../../src/sdk/connector.js';
import { secretRegistry } from '../../src/sdk/secret.js';
import type { Change, ChangeResult } from '../../src/sdk/types.js';
import { openSqliteStore } from '../../src/state/sqlite.js';
import type { StateStore } from '../../src/state/store.js';
import { captureLog, closedPort, recordingSleep } from '../../test/notify/helpers.js';
import { webhookTarget } from './index.js';
import { type ReferenceReceiver, startReceiver } from './test/receiver.js';

const SECRET = 'whsec-orgsync-test-4f1c9a7e2b';
const TOKEN = 'bearer-tok-8d2e61';
const API_KEY = 'apikey-51c0f7';
const ENV = {
  ORGSYNC_TEST_WEBHOOK_TARGET_SECRET: SECRET,
  ORGSYNC_TEST_WEBHOOK_TARGET_TOKEN: TOKEN,
  ORGSYNC_TEST_WEBHOOK_TARGET_APIKEY: API_KEY,
};
const secretRef = { env: 'ORGSYNC_TEST_WEBHOOK_TARGET_SECRET' };

// Personal data the change sets carry: it must reach the receiver and never a log or a message.
const NAME = 'Anne Ærø-Hansen';
const EMAIL = 'anne@testkommune.dk';

let receiver: ReferenceReceiver;
let dir: string;
let store: StateStore;
beforeAll(async () => {
  Object.assign(process.env, ENV);
  receiver = await startReceiver(SECRET);
  dir = mkdtempSync(join(tmpdir(), 'orgsync-webhook-'));
  store = await openSqliteStore(join(dir, 'state.db'));
  await store.migrate();
  await store.startRun({
    id: 'run-1',
    command: 'test',
    startedAt: new Date().toISOString(),
    asOf: null,
    sourceFingerprint: null,
  });
});
afterAll(async () => {
  await receiver.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => receiver.reset());

const sessions: TargetSession[] = [];
afterEach(async () => {
  await Promise.all(sessions.splice(0).map((s) => s.close?.()));
});

function open(config: Record<string, unknown> = {}) {
  const log = captureLog();
  const parsed = webhookTarget.configSchema.parse({
    url: `${receiver.url}/orgsync/in`,
    secret: secretRef,
    ...config,
  });
  const session = webhookTarget.open(parsed, {
    instance: 'hr-system',
    logger: log.logger,
    workDir: dir,
  }) as TargetSession;
  sessions.push(session);
  return { session, log };
}

const applyCtx = (runId = 'run-1') => ({ runId, signal: new AbortController().signal });

/** Runs changes through the real executor, as the engine does for a batch 'all' target. */
async function execute(
  session: TargetSession,
  changes: readonly Change[],
  attempts = 3,
  maxDelayMs = 30_000,
) {
  const { delays, sleep } = recordingSleep();
  const results = await executeTarget({
    runId: 'run-1',
    target: 'hr-system',
    session,
    batch: webhookTarget.batch,
    changes,
    store,
    concurrency: 1,
    retry: { attempts, baseDelayMs: 5, maxDelayMs },
    objectAfter: (c) => ({
      target: 'hr-system',
      type: c.type,
      key: c.key,
      targetId: null,
      parentKey: c.parentKey,
      fingerprints: {},
      disabled: false,
      appliedAt: new Date().toISOString(),
    }),
    pendingForm: (c) => ({ ...c, attrs: c.attrs.map((a) => ({ name: a.name, new: null })) }),
    signal: new AbortController().signal,
    sleep,
  });
  return { results, delays };
}

const unit = (key: string, parentKey: string | null, after: string[] = []): Change => ({
  id: `hr-system:unit:${key}`,
  action: 'create',
  type: 'unit',
  key,
  parentKey,
  attrs: [{ name: 'name', new: `Enhed ${key}` }],
  reason: `unit ${key} is new in HR`,
  after,
});

const anne = (unitKey: string): Change => ({
  id: 'hr-system:person:p-anne',
  action: 'create',
  type: 'person',
  key: 'p-anne',
  parentKey: unitKey,
  attrs: [
    { name: 'displayName', new: NAME, sensitive: true },
    { name: 'email', new: EMAIL },
    { name: 'manager', new: true },
    { name: 'roles', new: ['leder', 'admin'] },
    { name: 'fte', new: 0.8 },
    { name: 'phone', new: null },
  ],
  reason: 'person p-anne is new in HR',
  after: [`hr-system:unit:${unitKey}`],
});

const bodyOf = (i: number) => JSON.parse(receiver.seen[i]!.body.toString('utf8'));
const keyOf = (i: number) => receiver.seen[i]!.headers['idempotency-key'];
const statuses = (results: readonly ChangeResult[]) => results.map((r) => `${r.changeId} ${r.status}`);

describe('webhook target', () => {
  it('POSTs a change set signed over the timestamp and the exact bytes', async () => {
    const { session, log } = open();
    const results = await session.apply([unit('1', null), anne('1')], applyCtx());

    expect(results.map((r) => r.status)).toEqual(['applied', 'applied']);
    expect(receiver.seen).toHaveLength(1);
    const req = receiver.seen[0]!;
    expect(req.method).toBe('POST');
    expect(req.path).toBe('/orgsync/in');
    expect(req.headers['content-type']).toBe('application/json');
    const ts = String(req.headers['x-orgsync-timestamp']);
    expect(Math.abs(Number(ts) - Date.now() / 1000)).toBeLessThan(5);
    const mac = createHmac('sha256', SECRET).update(`${ts}.`).update(req.body).digest('hex');
    expect(req.headers['x-orgsync-signature']).toBe(`sha256=${mac}`);
    // The timestamp is covered: the body alone does not verify, nor one byte changed.
    expect(req.headers['x-orgsync-signature']).not.toBe(
      `sha256=${createHmac('sha256', SECRET).update(req.body).digest('hex')}`,
    );
    expect(req.headers['idempotency-key']).toMatch(/^orgsync-[0-9a-f]{48}$/);

    expect(bodyOf(0)).toEqual({
      version: 1,
      kind: 'changes',
      target: 'hr-system',
      runId: 'run-1',
      changes: [
        {
          id: 'hr-system:unit:1',
          action: 'create',
          type: 'unit',
          key: '1',
          parentKey: null,
          attrs: { name: 'Enhed 1' },
          reason: 'unit 1 is new in HR',
        },
        {
          id: 'hr-system:person:p-anne',
          action: 'create',
          type: 'person',
          key: 'p-anne',
          parentKey: '1',
          // Values as they are, types kept: the receiver is the target system.
          attrs: {
            displayName: NAME,
            email: EMAIL,
            manager: true,
            roles: ['leder', 'admin'],
            fte: 0.8,
            phone: null,
          },
          sensitive: ['displayName'],
          reason: 'person p-anne is new in HR',
        },
      ],
    });
    expect(receiver.objects.get('person:p-anne')?.attrs['displayName']).toBe(NAME);
    expect(log.entries().find((e) => e.msg === 'change set delivered')).toMatchObject({
      url: receiver.url,
      changes: 2,
      idempotencyKey: req.headers['idempotency-key'],
    });
    for (const leak of [NAME, EMAIL, SECRET, '/orgsync/in']) expect(log.text()).not.toContain(leak);
  });

  it('sends move, update with enable, disable and delete as the receiver needs them', async () => {
    const { session } = open();
    await session.apply([unit('1', null), unit('2', null), anne('1')], applyCtx());
    const moved: Change = {
      id: 'hr-system:person:p-anne',
      action: 'move',
      type: 'person',
      key: 'p-anne',
      parentKey: '2',
      oldParentKey: '1',
      attrs: [{ name: 'email', old: 'gone@x.dk', new: 'anne.h@testkommune.dk' }],
      reason: 'moved',
      after: [],
    };
    const removal = (action: 'disable' | 'delete', type: 'unit' | 'person', key: string): Change => ({
      id: `hr-system:${type}:${key}`,
      action,
      type,
      key,
      parentKey: null,
      attrs: [],
      reason: `${type} ${key} left HR`,
      after: [],
    });
    await session.apply([moved], applyCtx('run-2'));
    await session.apply([removal('disable', 'person', 'p-anne')], applyCtx('run-3'));
    const enabled = {
      ...moved,
      action: 'update' as const,
      parentKey: '2',
      oldParentKey: undefined,
      attrs: [],
      enable: true,
    };
    await session.apply([enabled, removal('delete', 'unit', '1')], applyCtx('run-4'));

    expect(bodyOf(1).changes[0]).toEqual({
      id: 'hr-system:person:p-anne',
      action: 'move',
      type: 'person',
      key: 'p-anne',
      parentKey: '2',
      oldParentKey: '1',
      attrs: { email: 'anne.h@testkommune.dk' }, // never the old value
      reason: 'moved',
    });
    expect(bodyOf(2).changes[0]).toMatchObject({ action: 'disable', attrs: {} });
    expect(bodyOf(3).changes.map((c: { action: string; enable?: boolean }) => [c.action, c.enable])).toEqual([
      ['update', true],
      ['delete', undefined],
    ]);
    expect(receiver.objects.get('person:p-anne')).toMatchObject({ parentKey: '2', disabled: false });
    expect(receiver.objects.has('unit:1')).toBe(false);
  });

  it('cuts the change set into batches of batchSize, sent in plan order', async () => {
    const { session } = open({ batchSize: 2 });
    const changes = [unit('1', null), unit('2', '1'), unit('3', '1'), unit('4', '3'), unit('5', null)];
    const results = await session.apply(changes, applyCtx());

    expect(results.every((r) => r.status === 'applied')).toBe(true);
    expect(receiver.seen.map((_, i) => bodyOf(i).changes.map((c: { key: string }) => c.key))).toEqual([
      ['1', '2'],
      ['3', '4'],
      ['5'],
    ]);
    expect(new Set(receiver.seen.map((_, i) => keyOf(i))).size).toBe(3);
  });

  it('retries a 503 through the executor with the same bytes and key, stored once', async () => {
    const { session } = open();
    receiver.script({ status: 503, body: 'upstream busy' });
    const { results, delays } = await execute(session, [unit('1', null), anne('1')]);

    expect(results.map((r) => [r.status, r.attempts])).toEqual([
      ['applied', 2],
      ['applied', 2],
    ]);
    expect(receiver.seen.map((r) => r.status)).toEqual([503, 200]);
    expect(delays).toHaveLength(1);
    expect(keyOf(1)).toBe(keyOf(0));
    expect(receiver.seen[1]!.body.equals(receiver.seen[0]!.body)).toBe(true);
  });

  it('keeps the key on a re-apply of the same run; another run gets another key', async () => {
    const { session } = open();
    const changes = [unit('1', null), anne('1')];
    await session.apply(changes, applyCtx('run-7'));
    const again = await open().session.apply(changes, applyCtx('run-7')); // a fresh session: no state kept
    const otherRun = await session.apply(changes, applyCtx('run-8'));

    expect([...again, ...otherRun].every((r) => r.status === 'applied')).toBe(true);
    expect(keyOf(1)).toBe(keyOf(0));
    expect(receiver.seen.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(bodyOf(1)).toEqual(bodyOf(0)); // the duplicate, answered without storing again
    expect(keyOf(2)).not.toBe(keyOf(0));
    expect(receiver.objects.size).toBe(2);
  });

  it('honours Retry-After on a 429 (the executor waits it out)', async () => {
    const { session } = open();
    receiver.script({ status: 429, headers: { 'retry-after': '7' } });
    const { results, delays } = await execute(session, [unit('1', null)]);

    expect(results[0]).toMatchObject({ status: 'applied', attempts: 2 });
    expect(delays).toEqual([7000]);
  });

  it('after a later batch fails transiently: earlier ones stay stored, the rest is resent in order', async () => {
    const { session } = open({ batchSize: 2 });
    const changes = [unit('1', null), unit('2', '1'), unit('3', '1'), unit('4', '3'), unit('5', null)];
    receiver.script(null, { status: 429, headers: { 'retry-after': '1' } });
    const { results, delays } = await execute(session, changes);

    // The failed results carry the receiver's Retry-After, and the executor waits it out.
    expect(delays).toEqual([1000]);
    expect(results.map((r) => [r.changeId.slice(-1), r.status, r.attempts])).toEqual([
      ['1', 'applied', 1],
      ['2', 'applied', 1],
      ['3', 'applied', 2],
      ['4', 'applied', 2],
      ['5', 'applied', 2],
    ]);
    expect(receiver.seen.map((r) => r.status)).toEqual([200, 429, 200, 200]);
    // The retry re-forms exactly the batch that failed: same bytes, same key.
    expect(keyOf(2)).toBe(keyOf(1));
    expect(receiver.seen[2]!.body.equals(receiver.seen[1]!.body)).toBe(true);
  });

  it('a 400 is final: the batch fails with a clear, clean message, dependants are skipped, others sent', async () => {
    const { session, log } = open({ batchSize: 1, showReceiverText: true });
    receiver.script({
      status: 400,
      body: JSON.stringify({ detail: `displayName '${NAME}' too long for ${EMAIL}\u0007 (CPR 010170-1111)` }),
    });
    const { results } = await execute(session, [anne('1'), { ...unit('9', null), after: [] }]);
    // p-anne is refused; unit 9 does not wait for it and is sent.
    const refused = results[0]!;
    expect(refused).toMatchObject({ status: 'failed', errorKind: 'invalid-value', attempts: 1 });
    expect(refused.message).toBe(
      `POST ${receiver.url} with person p-anne: answered 400 Bad Request: ` +
        `"displayName '[value]' too long for [value] (CPR [number])"; ` +
        'the receiver refused a value; check the mapping of what it names',
    );
    expect(results[1]).toMatchObject({ status: 'applied' });
    for (const leak of [NAME, EMAIL, SECRET]) expect(log.text()).not.toContain(leak);

    receiver.reset();
    receiver.script({ status: 422, body: 'unit 1: name required' });
    const second = await session.apply([unit('1', null), anne('1'), unit('8', null)], applyCtx('run-9'));
    expect(statuses(second)).toEqual([
      'hr-system:unit:1 failed',
      'hr-system:person:p-anne skipped',
      'hr-system:unit:8 applied',
    ]);
    expect(second[1]!.message).toBe('not sent: hr-system:unit:1 it waits for was failed');
  });

  it("by default quotes none of the receiver's text, which may name objects outside the batch", async () => {
    const { session, log } = open();
    // Jens is not in the batch: nothing here could know to mask his name.
    receiver.script({ status: 409, body: JSON.stringify({ detail: 'e-mail taken by Jens Kristian Olsen' }) });
    const [result] = await session.apply([anne('1')], applyCtx());

    expect(result).toMatchObject({ status: 'failed', errorKind: 'conflict' });
    expect(result!.message).toBe(
      `POST ${receiver.url} with person p-anne: answered 409 Conflict; ` +
        'the receiver holds something that conflicts with the change',
    );
    // The log gets the status and the kind, never the receiver's words.
    expect(log.entries().find((e) => e.msg === 'change set not delivered')).toMatchObject({
      status: 409,
      kind: 'conflict',
      changes: 1,
    });
    expect(log.text()).not.toContain('Olsen');
    expect(log.text()).not.toContain('taken by');
  });

  it("with showReceiverText, the receiver's words go into the message but never into the log", async () => {
    const { session, log } = open({ showReceiverText: true });
    receiver.script({
      status: 422,
      body: JSON.stringify({ detail: 'nickname field unknown to this portal' }),
    });
    const [result] = await session.apply([unit('1', null)], applyCtx());

    expect(result!.message).toContain('"nickname field unknown to this portal"');
    expect(log.text()).not.toContain('nickname');
    expect(log.entries().find((e) => e.msg === 'change set not delivered')).toMatchObject({
      status: 422,
      kind: 'invalid-value',
    });
  });

  it('with showReceiverText, a JSON answer without a message field is not quoted raw (escaped echoes)', async () => {
    const { session } = open({ showReceiverText: true });
    // What Django's JsonResponse writes by default: non-ASCII escaped.
    const body = '{"errors": [{"field": "displayName", "value": "Anne \\u00c6r\\u00f8-Hansen"}]}';
    receiver.script({ status: 400, body });
    const [result] = await session.apply([anne('1')], applyCtx());

    expect(result!.message).toBe(
      `POST ${receiver.url} with person p-anne: answered 400 Bad Request; ` +
        'the receiver refused a value; check the mapping of what it names',
    );
    for (const leak of ['\\u00c6', 'Hansen', 'displayName']) expect(result!.message).not.toContain(leak);
  });

  it('a refused change does not hold back the others of its batch: the batch is split until it is found', async () => {
    const { session } = open();
    const changes = Array.from({ length: 20 }, (_, i) => unit(String(i + 1), null));
    receiver.refuse((c) => c.key === '13', 'name not allowed');
    const results = await session.apply(changes, applyCtx('run-split'));

    expect(results.filter((r) => r.status === 'applied')).toHaveLength(19);
    expect(results[12]).toMatchObject({
      changeId: 'hr-system:unit:13',
      status: 'failed',
      errorKind: 'invalid-value',
      message: `POST ${receiver.url} with unit 13: answered 422 Unprocessable Entity; the receiver refused a value; check the mapping of what it names`,
    });
    expect(receiver.objects.size).toBe(19);
    expect(receiver.objects.has('unit:13')).toBe(false);
    // Bounded: the batch, then two halves per level down to the one change (log2(20) levels).
    expect(receiver.seen.length).toBeLessThanOrEqual(1 + 2 * Math.ceil(Math.log2(20)));
    // In plan order: what was stored arrived in the order planned.
    const stored = receiver.seen.flatMap((r, i) =>
      r.status === 200 ? bodyOf(i).changes.map((c: { key: string }) => Number(c.key)) : [],
    );
    expect(stored).toEqual([...stored].sort((a, b) => a - b));

    // The same call again sends the same parts under the same keys (stored ones are duplicates).
    const keys = receiver.seen.map((_, i) => keyOf(i));
    receiver.seen.length = 0;
    await open().session.apply(changes, applyCtx('run-split'));
    expect(receiver.seen.map((_, i) => keyOf(i))).toEqual(keys);
  });

  it('splitting skips what waits for the refused change, and stops when a refusal is of every change', async () => {
    const { session } = open({ batchSize: 4 });
    receiver.refuse((c) => c.key === '2');
    const first = await session.apply(
      [unit('1', null), unit('2', null), unit('3', '2', ['hr-system:unit:2']), unit('4', null)],
      applyCtx(),
    );
    expect(statuses(first)).toEqual([
      'hr-system:unit:1 applied',
      'hr-system:unit:2 failed',
      'hr-system:unit:3 skipped',
      'hr-system:unit:4 applied',
    ]);
    expect(first[2]!.message).toBe('not sent: hr-system:unit:2 it waits for was failed');

    // A receiver that refuses every change: the first batch is split as far as the bound
    // allows, then the call stops splitting (one POST per batch from then on).
    receiver.reset();
    receiver.refuse(() => true);
    const all = Array.from({ length: 12 }, (_, i) => unit(String(i + 1), null));
    const refused = await session.apply(all, applyCtx());
    expect(refused.every((r) => r.status === 'failed' && r.errorKind === 'invalid-value')).toBe(true);
    expect(receiver.seen).toHaveLength(7 + 1 + 1);
    expect(refused[11]!.message).toContain('with unit 9 and 3 more changes: answered 422');
  });

  it('a 401 stops the delivery: nothing more is sent, the rest is skipped for the next run', async () => {
    const { session } = open({ batchSize: 1 });
    receiver.script({ status: 401, body: '{"error":"bad signature"}' });
    const results = await session.apply([unit('1', null), unit('2', null), unit('3', null)], applyCtx());

    expect(results.map((r) => [r.status, r.errorKind])).toEqual([
      ['failed', 'permission'],
      ['skipped', undefined],
      ['skipped', undefined],
    ]);
    // The receiver's own words are not quoted unless showReceiverText is set.
    expect(results[0]!.message).toBe(
      `POST ${receiver.url} with unit 1: answered 401 Unauthorized; ` +
        "check secret, bearerToken and headers against the receiver's",
    );
    expect(results[1]!.message).toBe('not sent: the receiver refused the batch with unit 1 (permission)');
    expect(receiver.seen).toHaveLength(1);
  });

  it('a receiver that cannot be reached: check() is not ok, changes fail transient after the retries', async () => {
    const port = await closedPort();
    const { session, log } = open({ url: `http://127.0.0.1:${port}/in?code=tok-77aa` });

    const checked = await session.check();
    expect(checked.ok).toBe(false);
    expect(checked.message).toBe(`ping http://127.0.0.1:${port}: cannot be reached (ECONNREFUSED)`);

    const { results } = await execute(session, [unit('1', null), anne('1')], 2);
    expect(results.map((r) => [r.status, r.errorKind, r.attempts])).toEqual([
      ['failed', 'transient', 2],
      ['failed', 'transient', 2],
    ]);
    expect(results[0]!.message).toBe(
      `POST http://127.0.0.1:${port} with unit 1 and 1 more change: cannot be reached (ECONNREFUSED)`,
    );
    for (const leak of ['tok-77aa', 'code=']) {
      expect(log.text()).not.toContain(leak);
      expect(JSON.stringify(results)).not.toContain(leak);
    }
  });

  it('a receiver that does not answer in time is transient', async () => {
    const { session } = open({ timeoutMs: 150 });
    receiver.script({ status: 0 });
    await expect(session.apply([unit('1', null)], applyCtx())).rejects.toMatchObject({
      kind: 'transient',
      message: `POST ${receiver.url} with unit 1: no answer within 150 ms`,
    });
  });

  it('check() sends a signed ping that stores nothing, and reports a key the receiver refuses', async () => {
    const { session } = open();
    expect(await session.check()).toEqual({
      ok: true,
      message: `the receiver at ${receiver.url} accepted a signed ping`,
    });
    expect(bodyOf(0)).toMatchObject({ version: 1, kind: 'ping', target: 'hr-system' });
    expect(receiver.objects.size).toBe(0);

    process.env['ORGSYNC_TEST_WEBHOOK_TARGET_OTHER'] = 'a-different-key-0123456789';
    const wrong = open({ secret: { env: 'ORGSYNC_TEST_WEBHOOK_TARGET_OTHER' } }).session;
    const checked = await wrong.check();
    expect(checked.ok).toBe(false);
    expect(checked.message).toBe(
      `ping ${receiver.url}: answered 401 Unauthorized: "bad signature"; it refused the signature or the token: ` +
        "check secret, bearerToken and headers against the receiver's",
    );
  });

  it('sends the bearer token and configured headers, secret ones revealed only on the wire', async () => {
    const { session, log } = open({
      bearerToken: { env: 'ORGSYNC_TEST_WEBHOOK_TARGET_TOKEN' },
      headers: { 'X-Api-Key': { env: 'ORGSYNC_TEST_WEBHOOK_TARGET_APIKEY' }, 'X-Tenant': 'kommune-101' },
      showReceiverText: true,
    });
    receiver.script({ status: 403, body: `token ${TOKEN} / key ${API_KEY} not allowed here` });
    const [result] = await session.apply([unit('1', null)], applyCtx());

    const headers = receiver.seen[0]!.headers;
    expect(headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(headers['x-api-key']).toBe(API_KEY);
    expect(headers['x-tenant']).toBe('kommune-101');
    expect(result).toMatchObject({ status: 'failed', errorKind: 'permission' });
    expect(result!.message).toContain('"token [value] / key [value] not allowed here"');
    for (const leak of [TOKEN, API_KEY, SECRET]) expect(log.text()).not.toContain(leak);
  });

  it('recover(): a change whose outcome a crash lost counts as not arrived, to be sent again', async () => {
    const { session } = open();
    const reached = await session.recover!([{ runId: 'run-0', change: unit('1', null) }]);
    expect([...reached]).toEqual([['hr-system:unit:1', false]]);
    expect(receiver.seen).toHaveLength(0);
  });

  it('refuses configs that would leak or break signing, before any request', () => {
    const refuse = (config: Record<string, unknown>) => {
      const r = webhookTarget.configSchema.safeParse({ secret: secretRef, ...config });
      expect(r.success, JSON.stringify(config)).toBe(false);
      return r.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    };
    expect(refuse({ url: 'https://user:pw@hooks.example.org/in' })).toContain(
      'must not hold credentials: use bearerToken, or a header whose value is a secret',
    );
    expect(refuse({ url: 'http://hooks.example.org/in' })).toContain('url: must be https://');
    expect(refuse({ url: 'ftp://hooks.example.org/in' })).toContain('must be an http:// or https:// URL');
    expect(refuse({ url: 'https://hooks.example.org/in', headers: { 'Idempotency-Key': 'x' } })).toContain(
      'is set by orgsync itself',
    );
    expect(refuse({ url: 'https://hooks.example.org/in', headers: { 'X-A': 'a\r\nb' } })).toContain(
      'must be one line',
    );
    process.env['ORGSYNC_TEST_WEBHOOK_TARGET_SHORT'] = 'short';
    expect(
      refuse({ url: 'https://hooks.example.org/in', secret: { env: 'ORGSYNC_TEST_WEBHOOK_TARGET_SHORT' } }),
    ).toContain('secret: must be at least 16 characters long');
    expect(
      refuse({
        url: 'https://hooks.example.org/in',
        bearerToken: { env: 'ORGSYNC_TEST_WEBHOOK_TARGET_TOKEN' },
        headers: { Authorization: 'Basic eA==' },
      }),
    ).toContain('set bearerToken or an Authorization header, not both');

    const ok = webhookTarget.configSchema.parse({
      url: 'http://hooks.internal:8080/in',
      allowHttp: true,
      secret: secretRef,
    });
    expect(ok).toMatchObject({ timeoutMs: 15_000, batchSize: 100, headers: {} });
    expect(JSON.stringify(ok)).not.toContain(SECRET);
    // `orgsync connectors --json` renders the schema, secrets marked.
    const schema = JSON.stringify(
      z.toJSONSchema(webhookTarget.configSchema, {
        io: 'input',
        unrepresentable: 'any',
        metadata: secretRegistry,
      }),
    );
    expect(schema).toContain('"secret":true');
  });
});
