import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { executeTarget } from '../../src/apply/executor.js';
import { diffTarget } from '../../src/plan/diff.js';
import type { Change, DesiredObject } from '../../src/sdk/types.js';
import { openSqliteStore } from '../../src/state/sqlite.js';
import type { StateStore } from '../../src/state/store.js';
import { ledgerTarget, readLedger } from '../support/ledger-target.js';
import { CAN_ALL_BUT_REPLACE } from './fixtures.js';

/** A tree: root r, 3 branches b0..b2, each with 4 leaves, each leaf with a person. */
function desiredTree(): Map<string, DesiredObject> {
  const m = new Map<string, DesiredObject>();
  const put = (type: DesiredObject['type'], key: string, parentKey: string | null) =>
    m.set(`${type}:${key}`, {
      type,
      key,
      parentKey,
      attrs: { name: `n-${key}` },
      sensitive: [],
      dependsOn: [],
    });
  put('unit', 'r', null);
  for (let b = 0; b < 3; b++) {
    put('unit', `b${b}`, 'r');
    for (let l = 0; l < 4; l++) {
      put('unit', `b${b}l${l}`, `b${b}`);
      put('person', `p${b}${l}`, `b${b}l${l}`);
    }
  }
  return m;
}
const depthOf = (_t: string, k: string) => (k === 'r' ? 1 : k.length === 2 ? 2 : 3);

describe('executeTarget', () => {
  let dir: string;
  let store: StateStore;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'orgsync-exec-'));
    store = await openSqliteStore(join(dir, 'state.db'));
    await store.migrate();
    await store.startRun({
      id: 'run1',
      command: 'test',
      startedAt: new Date().toISOString(),
      asOf: null,
      sourceFingerprint: null,
    });
  });
  afterEach(async () => store.close());

  const plan = () =>
    diffTarget(desiredTree(), new Map(), {
      target: 't',
      capabilities: CAN_ALL_BUT_REPLACE,
      onRemove: { unit: 'delete', person: 'delete', position: 'delete' },
      fingerprint: (n, v) => `${n}:${String(v)}`,
      depthOf,
    });

  const run = async (changes: Change[], faults: Parameters<typeof ledgerTarget>[0]) => {
    const { connector } = ledgerTarget(faults);
    const file = join(dir, 'ledger.jsonl');
    const session = await connector.open({ file, canRead: true }, {} as never);
    const results = await executeTarget({
      runId: 'run1',
      target: 't',
      session,
      batch: 1,
      changes,
      store,
      concurrency: 4,
      retry: { attempts: 4, baseDelayMs: 1, maxDelayMs: 5 },
      objectAfter: (c, r) => ({
        target: 't',
        type: c.type,
        key: c.key,
        targetId: r.targetId ?? null,
        parentKey: c.parentKey,
        fingerprints: {},
        disabled: false,
        appliedAt: new Date().toISOString(),
      }),
      pendingForm: (c) => c,
      signal: new AbortController().signal,
    });
    return { results, ledger: readLedger(file) };
  };

  it('applies concurrently yet never a child before its parent', async () => {
    const changes = plan();
    const { results, ledger } = await run(changes, { delayMs: 2 });
    expect(results.every((r) => r.status === 'applied')).toBe(true);
    const position = new Map(ledger.map((l, i) => [`${l.type}:${l.key}`, i]));
    for (const c of changes) {
      if (c.parentKey !== null)
        expect(position.get(`unit:${c.parentKey}`)!).toBeLessThan(position.get(`${c.type}:${c.key}`)!);
    }
    expect(ledger).toHaveLength(changes.length);
    expect(await store.loadObjects('t')).toHaveLength(changes.length);
    expect(await store.listPending('t')).toEqual([]);
    expect((await store.listAudit({ runId: 'run1' })).length).toBe(changes.length);
  });

  it('waits for a dependency even when it comes later in the list', async () => {
    const changes = plan().reverse();
    const { results, ledger } = await run(changes, {});
    expect(results.every((r) => r.status === 'applied')).toBe(true);
    const position = new Map(ledger.map((l, i) => [`${l.type}:${l.key}`, i]));
    for (const c of changes) {
      if (c.parentKey !== null)
        expect(position.get(`unit:${c.parentKey}`)!).toBeLessThan(position.get(`${c.type}:${c.key}`)!);
    }
  });

  it('retries transient errors with backoff and reports the attempts', async () => {
    const { results } = await run(plan(), { transient: { 't:unit:b1': 2 } });
    const r = results.find((x) => x.changeId === 't:unit:b1')!;
    expect(r).toMatchObject({ status: 'applied', attempts: 3 });
  });

  it('gives up after the attempt limit, and a failed parent skips its descendants only', async () => {
    const { results, ledger } = await run(plan(), {
      transient: { 't:unit:b0': 99 },
      permanent: { 't:unit:b2l1': 'invalid-value' },
    });
    const by = new Map(results.map((r) => [r.changeId, r]));
    expect(by.get('t:unit:b0')).toMatchObject({ status: 'failed', errorKind: 'transient', attempts: 4 });
    expect(by.get('t:unit:b0l3')).toMatchObject({ status: 'skipped' });
    expect(by.get('t:person:p03')!.message).toMatch(/t:unit:b0l3 it waits for was skipped/);
    expect(by.get('t:unit:b2l1')).toMatchObject({
      status: 'failed',
      errorKind: 'invalid-value',
      attempts: 1,
    });
    expect(by.get('t:person:p21')!.status).toBe('skipped');
    expect(by.get('t:person:p20')!.status).toBe('applied');
    expect(by.get('t:unit:b1l2')!.status).toBe('applied');
    expect(ledger.some((l) => l.key === 'b0' || l.key === 'p03')).toBe(false);
    // failed and skipped changes leave no object row, so the next plan tries them again
    const keys = new Set((await store.loadObjects('t')).map((o) => o.key));
    expect(keys.has('b0')).toBe(false);
    expect(keys.has('b1')).toBe(true);
  });
});
