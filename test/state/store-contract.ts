/**
 * The behaviour every StateStore must have, written once and run against each engine.
 *
 * `makeStore` opens a store on the SAME backing every call (one file, one schema), which is
 * what lets the suite test reopening and concurrent migration. Tests therefore share data:
 * each uses its own target, run and source names (`uid()`), never global counts.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OrgsyncError } from '../../src/errors.js';
import type { Change, ChangeResult } from '../../src/sdk/types.js';
import type { StateStore, StoredObject } from '../../src/state/store.js';

export type StoreFactory = () => Promise<StateStore>;

let counter = 0;
const uid = (prefix: string): string => `${prefix}-${process.pid}-${Date.now().toString(36)}-${++counter}`;

/** Values that must never reach the store: the tests look for them in everything it returns. */
const SECRET_VALUES = ['Jensine Hansen', 'jensine@example.dk', '0101901234'];

function change(target: string, key: string, over: Partial<Change> = {}): Change {
  return {
    id: `${target}:person:${key}`,
    action: 'create',
    type: 'person',
    key,
    parentKey: 'u-1',
    attrs: [
      { name: 'displayName', new: SECRET_VALUES[0]!, sensitive: true },
      { name: 'mail', old: 'old@example.dk', new: SECRET_VALUES[1]! },
      { name: 'cpr', new: SECRET_VALUES[2]!, sensitive: true },
    ],
    reason: 'person is new in HR',
    after: [],
    label: SECRET_VALUES[0]!,
    ...over,
  };
}

function object(target: string, key: string, over: Partial<StoredObject> = {}): StoredObject {
  return {
    target,
    type: 'person',
    key,
    targetId: `CN=${key},OU=People`,
    parentKey: 'u-1',
    fingerprints: { displayName: 'fp-1', mail: 'fp-2' },
    disabled: false,
    appliedAt: '2024-05-01T08:00:00.000Z',
    ...over,
  };
}

const applied = (c: Change, over: Partial<ChangeResult> = {}): ChangeResult => ({
  changeId: c.id,
  status: 'applied',
  ...over,
});

function expectNoValues(data: unknown): void {
  const text = JSON.stringify(data);
  for (const v of [...SECRET_VALUES, 'old@example.dk']) expect(text).not.toContain(v);
}

export function describeStoreContract(name: string, makeStore: StoreFactory): void {
  describe(`StateStore contract: ${name}`, () => {
    let store: StateStore;
    let runId: string;
    let target: string;

    beforeEach(async () => {
      store = await makeStore();
      await store.migrate();
      runId = uid('run');
      target = uid('target');
      await store.startRun({
        id: runId,
        command: 'apply',
        startedAt: new Date().toISOString(),
        asOf: '2024-05-01',
        sourceFingerprint: null,
      });
    });

    afterEach(async () => {
      await store.close();
    });

    describe('migrate', () => {
      it('can run again on the same store and from several stores at once', async () => {
        await store.migrate();
        const others = await Promise.all([makeStore(), makeStore()]);
        try {
          await Promise.all(others.map((s) => s.migrate()));
          await store.setMeta(uid('m'), 'still works');
        } finally {
          await Promise.all(others.map((s) => s.close()));
        }
      });
    });

    describe('objects via recordResult', () => {
      it('writes, updates and removes the object row of applied changes', async () => {
        const c = change(target, 'p-1');
        await store.recordResult(runId, target, c, applied(c), object(target, 'p-1'));
        expect(await store.loadObjects(target)).toEqual([object(target, 'p-1')]);

        const u = change(target, 'p-1', { action: 'update', attrs: [{ name: 'mail', new: 'x' }] });
        const updated = object(target, 'p-1', {
          targetId: null,
          parentKey: null,
          fingerprints: { mail: 'fp-3' },
          disabled: true,
          appliedAt: '2024-05-02T09:30:00.000Z',
        });
        await store.recordResult(runId, target, u, applied(u), updated);
        expect(await store.loadObjects(target)).toEqual([updated]);

        const d = change(target, 'p-1', { action: 'delete', attrs: [] });
        await store.recordResult(runId, target, d, applied(d), null);
        expect(await store.loadObjects(target)).toEqual([]);
      });

      it('records durable ids learnt on read, for rows it holds only', async () => {
        const c = change(target, 'p-1');
        await store.recordResult(runId, target, c, applied(c), object(target, 'p-1', { targetId: null }));
        await store.setTargetIds(target, [
          { type: 'person', key: 'p-1', targetId: 'guid-1' },
          { type: 'person', key: 'p-unknown', targetId: 'guid-2' },
        ]);
        const rows = await store.loadObjects(target);
        expect(rows.map((r) => [r.key, r.targetId])).toEqual([['p-1', 'guid-1']]);
        await store.setTargetIds(target, []);
      });

      it('keeps targets apart and lists a target in type, key order', async () => {
        const other = uid('target');
        for (const [t, type, key] of [
          [target, 'unit', 'u-2'],
          [target, 'person', 'p-2'],
          [other, 'person', 'p-9'],
          [target, 'person', 'p-1'],
          [target, 'position', 'x-1'],
        ] as const) {
          const c = change(t, key, { id: `${t}:${type}:${key}`, type });
          await store.recordResult(runId, t, c, applied(c), object(t, key, { type }));
        }
        const keys = (await store.loadObjects(target)).map((o) => `${o.type}:${o.key}`);
        expect(keys).toEqual(['person:p-1', 'person:p-2', 'position:x-1', 'unit:u-2']);
        expect((await store.loadObjects(other)).map((o) => o.key)).toEqual(['p-9']);
        expect(await store.loadObjects(uid('nothing'))).toEqual([]);
      });

      it('leaves the object row untouched when the change failed or was skipped', async () => {
        const c = change(target, 'p-1');
        await store.recordResult(runId, target, c, applied(c), object(target, 'p-1'));
        const u = change(target, 'p-1', { action: 'update' });
        await store.addPending(runId, target, [u]);
        await store.recordResult(
          runId,
          target,
          u,
          { changeId: u.id, status: 'failed', errorKind: 'conflict', message: 'entry changed', attempts: 3 },
          object(target, 'p-1', { disabled: true, fingerprints: {} }),
        );
        await store.recordResult(runId, target, u, { changeId: u.id, status: 'skipped' }, null);
        expect(await store.loadObjects(target)).toEqual([object(target, 'p-1')]);
        // The result is known either way: the change is no longer pending.
        expect(await store.listPending(target)).toEqual([]);
        const audit = await store.listAudit({ runId, target });
        expect(audit.map((a) => a.status)).toEqual(['skipped', 'failed', 'applied']);
        expect(audit[1]?.message).toBe('entry changed');
      });

      it('leaves the object row untouched when an applied change passes no object', async () => {
        const c = change(target, 'p-1');
        await store.recordResult(runId, target, c, applied(c), object(target, 'p-1'));
        const u = change(target, 'p-1', { action: 'update' });
        await store.recordResult(runId, target, u, applied(u), undefined);
        expect(await store.loadObjects(target)).toEqual([object(target, 'p-1')]);
      });

      it('refuses a result for another change and writes nothing', async () => {
        const c = change(target, 'p-1');
        await store.addPending(runId, target, [c]);
        const err = await store
          .recordResult(runId, target, c, { changeId: 'other', status: 'applied' }, object(target, 'p-1'))
          .catch((e: unknown) => e);
        expect(err).toBeInstanceOf(OrgsyncError);
        const mismatch = await store
          .recordResult(runId, target, c, applied(c), object(target, 'p-2'))
          .catch((e: unknown) => e);
        expect(mismatch).toBeInstanceOf(OrgsyncError);
        expect(await store.loadObjects(target)).toEqual([]);
        expect(await store.listAudit({ target })).toEqual([]);
        expect(await store.listPending(target)).toHaveLength(1);
      });

      it('records a batch of results in one transaction: all of them or none', async () => {
        const a = change(target, 'p-1');
        const b = change(target, 'p-2');
        await store.addPending(runId, target, [a, b]);
        await store.recordResults(runId, target, [
          { change: a, result: applied(a), object: object(target, 'p-1') },
          {
            change: b,
            result: { changeId: b.id, status: 'failed', errorKind: 'invalid-value' },
            object: undefined,
          },
        ]);
        expect((await store.loadObjects(target)).map((o) => o.key)).toEqual(['p-1']);
        expect(await store.listAudit({ target })).toHaveLength(2);
        expect(await store.listPending(target)).toEqual([]);
        // One bad item (a result for another change) rolls back the items before it.
        const c = change(target, 'p-3');
        const err = await store
          .recordResults(runId, target, [
            { change: c, result: applied(c), object: object(target, 'p-3') },
            { change: c, result: { changeId: 'other', status: 'applied' }, object: object(target, 'p-3') },
          ])
          .catch((e: unknown) => e);
        expect(err).toBeInstanceOf(OrgsyncError);
        expect((await store.loadObjects(target)).map((o) => o.key)).toEqual(['p-1']);
        expect(await store.listAudit({ target })).toHaveLength(2);
      });
    });

    describe('audit', () => {
      it('records one row per result, newest first, with attribute names only', async () => {
        const a = change(target, 'p-1');
        const b = change(target, 'p-2', { action: 'update', attrs: [{ name: 'title', new: 'Chef' }] });
        await store.recordResult(runId, target, a, applied(a), object(target, 'p-1'));
        await store.recordResult(
          runId,
          target,
          b,
          { changeId: b.id, status: 'failed', message: 'refused' },
          undefined,
        );
        const rows = await store.listAudit({ runId });
        expect(rows).toHaveLength(2);
        expect(rows[1]).toMatchObject({
          runId,
          target,
          changeId: a.id,
          action: 'create',
          type: 'person',
          key: 'p-1',
          status: 'applied',
          attributes: ['displayName', 'mail', 'cpr'],
          message: null,
        });
        expect(rows[0]).toMatchObject({
          changeId: b.id,
          status: 'failed',
          attributes: ['title'],
          message: 'refused',
        });
        for (const r of rows) expect(new Date(r.at).toISOString()).toBe(r.at);
        expectNoValues(rows);
      });

      it('filters by run and target and honours the limit', async () => {
        const otherRun = uid('run');
        const otherTarget = uid('target');
        await store.startRun({
          id: otherRun,
          command: 'apply',
          startedAt: new Date().toISOString(),
          asOf: null,
          sourceFingerprint: null,
        });
        for (const [r, t, key] of [
          [runId, target, 'p-1'],
          [runId, otherTarget, 'p-2'],
          [otherRun, target, 'p-3'],
          [otherRun, target, 'p-4'],
        ] as const) {
          const c = change(t, key);
          await store.recordResult(r, t, c, applied(c), undefined);
        }
        expect((await store.listAudit({ runId })).map((a) => a.key)).toEqual(['p-2', 'p-1']);
        expect((await store.listAudit({ target })).map((a) => a.key)).toEqual(['p-4', 'p-3', 'p-1']);
        expect((await store.listAudit({ runId: otherRun, target })).map((a) => a.key)).toEqual([
          'p-4',
          'p-3',
        ]);
        expect((await store.listAudit({ target, limit: 2 })).map((a) => a.key)).toEqual(['p-4', 'p-3']);
        const all = await store.listAudit({ limit: 3 });
        expect(all.map((a) => a.key)).toEqual(['p-4', 'p-3', 'p-2']);
      });
    });

    describe('pending', () => {
      it('adds, lists and clears pending changes per target', async () => {
        const a = change(target, 'p-1');
        const b = change(target, 'p-2');
        const other = uid('target');
        await store.addPending(runId, target, [a, b]);
        await store.addPending(runId, other, [change(other, 'p-3')]);
        const listed = await store.listPending(target);
        expect(listed.map((p) => p.change.id)).toEqual([a.id, b.id]);
        expect(listed[0]).toMatchObject({ runId, target });
        expect(new Date(listed[0]!.at).toISOString()).toBe(listed[0]!.at);

        await store.clearPending(target, [a.id, 'no-such-change']);
        expect((await store.listPending(target)).map((p) => p.change.id)).toEqual([b.id]);
        expect(await store.listPending(other)).toHaveLength(1);
        await store.clearPending(target, []);
        expect(await store.listPending(target)).toHaveLength(1);
      });

      it('stores the change without attribute values or label', async () => {
        const c = change(target, 'p-1', { targetId: 'CN=p-1', enable: true, after: [`${target}:unit:u-1`] });
        await store.addPending(runId, target, [c]);
        const [p] = await store.listPending(target);
        expect(p?.change).toEqual({
          id: c.id,
          action: 'create',
          type: 'person',
          key: 'p-1',
          targetId: 'CN=p-1',
          parentKey: 'u-1',
          attrs: [
            { name: 'displayName', new: null, sensitive: true },
            { name: 'mail', new: null },
            { name: 'cpr', new: null, sensitive: true },
          ],
          enable: true,
          reason: 'person is new in HR',
          after: [`${target}:unit:u-1`],
        });
        expectNoValues(p);
      });

      it('keeps the fingerprints the engine gives in place of values', async () => {
        const c = change(target, 'p-1');
        const withFp = { ...c, attrs: c.attrs.map((a, i) => ({ ...a, fingerprint: `fp-${i}` })) };
        await store.addPending(runId, target, [withFp]);
        const [p] = await store.listPending(target);
        expect(p?.change.attrs.map((a) => [a.name, a.new, a.fingerprint])).toEqual([
          ['displayName', null, 'fp-0'],
          ['mail', null, 'fp-1'],
          ['cpr', null, 'fp-2'],
        ]);
        expectNoValues(p);
      });

      it('replaces a change pending from an earlier run', async () => {
        const c = change(target, 'p-1');
        await store.addPending(runId, target, [c]);
        const later = uid('run');
        await store.addPending(later, target, [c, { ...c, reason: 'retried' }]);
        const listed = await store.listPending(target);
        expect(listed).toHaveLength(1);
        expect(listed[0]).toMatchObject({ runId: later, change: { reason: 'retried' } });
      });

      it('is cleared by recordResult for that change only', async () => {
        const a = change(target, 'p-1');
        const b = change(target, 'p-2');
        await store.addPending(runId, target, [a, b]);
        await store.recordResult(runId, target, a, applied(a), object(target, 'p-1'));
        expect((await store.listPending(target)).map((p) => p.change.id)).toEqual([b.id]);
      });
    });

    describe('runs', () => {
      it('starts, finishes and reads back a run', async () => {
        const id = uid('run');
        await store.startRun({
          id,
          command: 'plan',
          startedAt: '2024-05-01T10:00:00+02:00',
          asOf: '2024-05-01',
          sourceFingerprint: 'sha-1',
        });
        expect(await store.getRun(id)).toEqual({
          id,
          command: 'plan',
          startedAt: '2024-05-01T08:00:00.000Z',
          finishedAt: null,
          status: 'running',
          asOf: '2024-05-01',
          sourceFingerprint: 'sha-1',
          summary: {},
        });
        const summary = { targets: { ad: { applied: 3, failed: 1 } }, changes: 4 };
        await store.finishRun(id, 'partial', summary);
        const run = await store.getRun(id);
        expect(run).toMatchObject({ status: 'partial', summary });
        expect(run?.finishedAt).toBe(new Date(run?.finishedAt ?? 0).toISOString());
        expect(await store.getRun(uid('missing'))).toBeNull();
      });

      it('refuses to finish a run that never started', async () => {
        await expect(store.finishRun(uid('missing'), 'failed', {})).rejects.toBeInstanceOf(OrgsyncError);
      });

      it('lists the newest runs first', async () => {
        // Far-future start times so other tests' runs (started now) sort after these.
        const ids = [uid('run'), uid('run'), uid('run')];
        for (const [i, id] of ids.entries()) {
          await store.startRun({
            id,
            command: 'apply',
            startedAt: `2999-01-0${i + 1}T00:00:00.000Z`,
            asOf: null,
            sourceFingerprint: null,
          });
        }
        expect((await store.listRuns(2)).map((r) => r.id)).toEqual([ids[2], ids[1]]);
        const all = (await store.listRuns(1000)).map((r) => r.id);
        expect(all.slice(0, 3)).toEqual([ids[2], ids[1], ids[0]]);
        expect(all).toContain(runId);
      });
    });

    describe('baselines and meta', () => {
      it('gets and sets a baseline per source', async () => {
        const source = uid('source');
        expect(await store.getBaseline(source)).toBeNull();
        const first = {
          source,
          units: 120,
          persons: 4000,
          positions: 4600,
          fingerprint: 'sha-a',
          acceptedAt: '2024-05-01T08:00:00.000Z',
        };
        await store.setBaseline(first);
        expect(await store.getBaseline(source)).toEqual(first);
        const second = {
          ...first,
          persons: 3990,
          fingerprint: 'sha-b',
          acceptedAt: '2024-05-02T08:00:00.000Z',
        };
        await store.setBaseline(second);
        expect(await store.getBaseline(source)).toEqual(second);
      });

      it('gets and sets meta values', async () => {
        const name = uid('meta');
        expect(await store.getMeta(name)).toBeNull();
        await store.setMeta(name, 'one');
        await store.setMeta(name, 'two');
        expect(await store.getMeta(name)).toBe('two');
      });
    });

    describe('replaceObjects', () => {
      it('makes the stored objects of one target exactly the given ones, leaving other targets', async () => {
        const other = uid('target');
        await store.replaceObjects(other, [object(other, 'p-9')]);
        await store.replaceObjects(target, [object(target, 'p-1'), object(target, 'p-2')]);
        await store.replaceObjects(target, [
          object(target, 'p-2', { disabled: true }),
          object(target, 'p-3'),
        ]);
        expect((await store.loadObjects(target)).map((o) => [o.key, o.disabled])).toEqual([
          ['p-2', true],
          ['p-3', false],
        ]);
        expect(await store.loadObjects(other)).toEqual([object(other, 'p-9')]);
      });
    });

    describe('locks', () => {
      const T0 = '2026-01-01T10:00:00.000Z';
      const at = (secs: number) => new Date(Date.parse(T0) + secs * 1000).toISOString();
      const claim = (name: string, holder: string) => ({
        name,
        runId: `run-${holder}`,
        holder,
        host: 'h',
        pid: 1,
      });

      it('gives a free lock to one claimant and refuses the next until it expires', async () => {
        const name = uid('lock');
        expect(await store.acquireLock(claim(name, 'a'), { now: T0, expiresAt: at(60) })).toEqual({
          acquired: true,
          previous: null,
        });
        const refused = await store.acquireLock(claim(name, 'b'), { now: at(30), expiresAt: at(90) });
        expect(refused).toMatchObject({
          acquired: false,
          held: { holder: 'a', runId: 'run-a', expiresAt: at(60) },
        });
        // Expired: taken over, and the dead holder's lock is handed back for its run to be closed.
        const taken = await store.acquireLock(claim(name, 'b'), { now: at(61), expiresAt: at(121) });
        expect(taken).toMatchObject({ acquired: true, previous: { holder: 'a', runId: 'run-a' } });
        expect(await store.renewLock(name, 'a', at(200))).toBe(false);
        expect(await store.renewLock(name, 'b', at(200))).toBe(true);
        expect((await store.listLocks()).find((l) => l.name === name)).toMatchObject({
          holder: 'b',
          acquiredAt: at(61),
          expiresAt: at(200),
        });
      });

      it('takes over at once from a holder proved dead, and not from another', async () => {
        const name = uid('lock');
        await store.acquireLock(claim(name, 'a'), { now: T0, expiresAt: at(60) });
        expect(await store.acquireLock(claim(name, 'b'), { now: T0, expiresAt: at(60) }, 'x')).toMatchObject({
          acquired: false,
        });
        expect(await store.acquireLock(claim(name, 'b'), { now: T0, expiresAt: at(60) }, 'a')).toMatchObject({
          acquired: true,
          previous: { holder: 'a' },
        });
      });

      it('of many claimants at once exactly one wins, and release frees only its own', async () => {
        const name = uid('lock');
        const others = await Promise.all([makeStore(), makeStore(), makeStore()]);
        try {
          const results = await Promise.all(
            [store, ...others].map((s, i) =>
              s.acquireLock(claim(name, `h${i}`), { now: T0, expiresAt: at(60) }),
            ),
          );
          expect(results.filter((r) => r.acquired)).toHaveLength(1);
        } finally {
          await Promise.all(others.map((s) => s.close()));
        }
        const holder = (await store.listLocks()).find((l) => l.name === name)!.holder;
        await store.releaseLock(name, 'not-the-holder');
        expect((await store.listLocks()).some((l) => l.name === name)).toBe(true);
        await store.releaseLock(name, holder);
        expect((await store.listLocks()).some((l) => l.name === name)).toBe(false);
      });
    });

    describe('reopening', () => {
      it('sees everything written before close', async () => {
        const c = change(target, 'p-1');
        const pending = change(target, 'p-2');
        await store.recordResult(runId, target, c, applied(c), object(target, 'p-1'));
        await store.addPending(runId, target, [pending]);
        await store.finishRun(runId, 'succeeded', { ok: true });
        const name = uid('meta');
        await store.setMeta(name, 'kept');
        await store.close();

        store = await makeStore();
        await store.migrate();
        expect(await store.loadObjects(target)).toEqual([object(target, 'p-1')]);
        expect((await store.listPending(target)).map((p) => p.change.id)).toEqual([pending.id]);
        expect(await store.getRun(runId)).toMatchObject({ status: 'succeeded', summary: { ok: true } });
        expect(await store.listAudit({ runId })).toHaveLength(1);
        expect(await store.getMeta(name)).toBe('kept');
      });
    });
  });
}
