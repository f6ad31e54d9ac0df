/**
 * The connector conformance suite: what every target connector must do, checked through the
 * real engine against a live target. A connector's test file calls it once:
 *
 *   describeConformance('my-system', () => ({ connector, config: () => ({ url }), objects, invalidConfig }));
 *
 * The cases run in order on one target, each on top of the one before: create, re-apply the
 * same change set, update, move, disable, enable, delete, delete twice; then an invalid
 * config, an unreachable target and a change the target cannot apply. After every apply
 * the suite plans again, and that plan must be empty: the connector wrote what it was asked
 * and reads back (or records) exactly that. A case is skipped only when the connector does
 * not declare the capability it needs, and the reason is printed.
 */
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { type LoadedTarget, loadConfig } from '../config/load.js';
import { applyWork } from '../engine/apply.js';
import { type Engine, openEngine } from '../engine/context.js';
import { closeWork, makePlan, openTarget } from '../engine/plan.js';
import { acceptSnapshot, loadSnapshot } from '../engine/snapshot.js';
import { OrgsyncError } from '../errors.js';
import { silentLogger } from '../log/logger.js';
import { registerConnector } from '../registry.js';
import type { TargetConnector, TargetSession } from '../sdk/connector.js';
import { CONNECTOR_ERROR_KINDS, ConnectorError } from '../sdk/errors.js';
import type { Change, ChangeAction, ChangeResult } from '../sdk/types.js';
import type { ConformanceHarness } from './harness.js';
import { edits, initialOrganisation, type Organisation } from './organisation.js';
import { type JsonHrWorkspace, jsonHrWorkspace } from './workspace.js';

export type { ConformanceHarness, HarnessMapping } from './harness.js';

const TARGET = 'conformance';
const AS_OF = '2026-01-06';

interface Synced {
  /** What the plan asked for, values included (kept in memory only). */
  changes: Change[];
  failed: ChangeResult[];
  /** Changes a plan right after the apply still finds. */
  after: Change[];
}

export function describeConformance(
  name: string,
  factory: () => ConformanceHarness | Promise<ConformanceHarness>,
): void {
  describe(`conformance: ${name}`, () => {
    let h: ConformanceHarness;
    let ws: JsonHrWorkspace;
    let config: unknown;
    const org: Organisation = initialOrganisation();

    const writeWorkspace = (onRemove: 'disable' | 'delete', connectorConfig = config) => {
      ws.writeHr(org);
      return ws.writeConfig([
        {
          name: TARGET,
          connector: h.connector.name,
          config: connectorConfig,
          objects: h.objects,
          onRemove: removalFor(h.connector, onRemove),
          // The organisation is tiny: any removal is a large share of it.
          safety: { maxRemovals: 1000, maxRemovalShare: 1 },
          retry: { attempts: 2, baseDelayMs: 10, maxDelayMs: 100 },
          ...h.target,
        },
      ]);
    };

    const withEngine = async <T>(
      onRemove: 'disable' | 'delete',
      fn: (e: Engine) => Promise<T>,
      connectorConfig = config,
    ) => {
      const engine = await openEngine(writeWorkspace(onRemove, connectorConfig), { logger: silentLogger() });
      try {
        return await fn(engine);
      } finally {
        await engine.close();
      }
    };

    /** Plan, apply, accept, plan again: as `orgsync run` does. */
    const sync = (onRemove: 'disable' | 'delete' = 'disable') =>
      withEngine(onRemove, async (engine): Promise<Synced> => {
        const snap = await loadSnapshot(engine, AS_OF, { acceptShrink: true });
        const first = await makePlan(engine, snap);
        const work = first.work[0]!;
        expect(work.plan.error, 'the target could not be planned').toBeUndefined();
        const failed: ChangeResult[] = [];
        const runId = randomUUID();
        await engine.store.startRun({
          id: runId,
          command: 'test',
          startedAt: new Date().toISOString(),
          asOf: AS_OF,
          sourceFingerprint: null,
        });
        try {
          await applyWork(engine, first.work, {
            runId,
            signal: new AbortController().signal,
            onResult: (_t, _c, r) => {
              if (r.status !== 'applied') failed.push(r);
            },
          });
        } finally {
          await closeWork(first.work);
        }
        await acceptSnapshot(engine, snap);
        const second = await makePlan(engine, snap);
        await closeWork(second.work);
        expect(second.work[0]!.plan.error, 'the target could not be planned again').toBeUndefined();
        return { changes: work.changes, failed, after: second.work[0]!.changes };
      });

    /** A fresh session of the target (the one the engine opens), closed after `fn`. */
    const withSession = <T>(
      onRemove: 'disable' | 'delete',
      fn: (session: TargetSession, mappings: LoadedTarget['mappings']) => Promise<T>,
      connectorConfig = config,
    ) =>
      withEngine(
        onRemove,
        async (engine) => {
          const target = engine.loaded.targets[0]!;
          const session = await openTarget(engine, target);
          try {
            return await fn(session, target.mappings);
          } finally {
            await session.close?.();
          }
        },
        connectorConfig,
      );

    /** One apply() of the given changes, a thrown ConnectorError recorded as each one's failure. */
    const applyOnce = (session: TargetSession, change: Change) =>
      session
        .apply([change], { runId: randomUUID(), signal: new AbortController().signal })
        .catch((e: unknown) => [errorResult(change, e)]);

    /** Hands a change set to a fresh session of the target, as a resumed run would. */
    const applyAgain = (changes: readonly Change[], onRemove: 'disable' | 'delete') =>
      withSession(onRemove, async (session) => {
        const ctx = { runId: randomUUID(), signal: new AbortController().signal };
        if (h.connector.batch === 'all') return session.apply(changes, ctx);
        const results: ChangeResult[] = [];
        for (const c of changes) results.push(...(await session.apply([c], ctx)));
        return results;
      });

    const expectClean = (s: Synced, actions: ChangeAction[], mustHave: ChangeAction | null) => {
      expect(s.failed.map(describeFailure), 'changes the target did not apply').toEqual([]);
      if (mustHave) expect(s.changes.map((c) => c.action)).toContain(mustHave);
      for (const c of s.changes)
        expect(actions, `unexpected ${c.action} of ${c.type} ${c.key}`).toContain(c.action);
      expect(describeChanges(s.after), 'a plan right after the apply must be empty').toEqual([]);
    };

    const expectAllApplied = (results: readonly ChangeResult[], count: number) => {
      expect(results).toHaveLength(count);
      expect(results.filter((r) => r.status !== 'applied').map(describeFailure)).toEqual([]);
    };

    const caps = () => h.connector.capabilities;
    /** Skips the running case with the reason, printed so that a reader of the log sees it. */
    const skipUnless = (ctx: TestContext, ok: boolean, reason: string) => {
      if (ok) return;
      process.stdout.write(`conformance ${name}: ${ctx.task.name} skipped: ${reason}\n`);
      ctx.skip(reason);
    };

    let created: Change[] = [];
    let deleted: Change[] = [];

    beforeAll(async () => {
      h = await factory();
      registerConnector(h.connector as TargetConnector<unknown>);
      ws = jsonHrWorkspace('orgsync-conformance-');
      config = await h.config();
      await h.reset?.();
    });
    afterAll(() => {
      if (ws) rmSync(ws.dir, { recursive: true, force: true });
    });

    it('check() reaches the target', async () => {
      const result = await withSession('disable', (session) => session.check());
      expect(result.ok, result.message).toBe(true);
    });

    it('create: the organisation is created and the next plan is empty', async (ctx) => {
      skipUnless(ctx, caps().create, 'the connector does not declare create');
      const s = await sync();
      expectClean(s, ['create'], 'create');
      created = s.changes;
    });

    it('re-applying the same change set converges (idempotency)', async (ctx) => {
      skipUnless(ctx, created.length > 0, 'nothing was created');
      expectAllApplied(await applyAgain(created, 'disable'), created.length);
      const s = await sync();
      expect(describeChanges(s.changes), 'a plan after the re-apply must be empty').toEqual([]);
    });

    it('update: changed names and values are updated', async (ctx) => {
      skipUnless(ctx, caps().update, 'the connector does not declare update');
      edits.update(org);
      expectClean(await sync(), ['update'], 'update');
    });

    it('move or replace: a unit and a person move to another unit', async (ctx) => {
      skipUnless(ctx, caps().move || caps().replace, 'the connector declares neither move nor replace');
      edits.move(org);
      expectClean(await sync(), ['move', 'replace', 'update'], caps().move ? 'move' : 'replace');
    });

    it('disable: a person who left is disabled', async (ctx) => {
      skipUnless(ctx, caps().disable, 'the connector does not declare disable');
      edits.leave(org);
      expectClean(await sync('disable'), ['disable', 'update'], 'disable');
    });

    it('enable: a person who comes back is enabled again', async (ctx) => {
      skipUnless(ctx, caps().disable && caps().update, 'the connector does not declare disable and update');
      edits.rejoin(org);
      const s = await sync('disable');
      // A target that moved the leaver aside (AD's disabledOu) moves them back.
      expectClean(s, ['update', 'move', 'replace'], null);
      expect(s.changes.some((c) => c.enable || c.action === 'replace')).toBe(true);
    });

    it('delete: a person and an empty unit are deleted', async (ctx) => {
      skipUnless(ctx, caps().delete, 'the connector does not declare delete');
      edits.remove(org);
      const s = await sync('delete');
      expectClean(s, ['delete', 'update'], 'delete');
      deleted = s.changes.filter((c) => c.action === 'delete');
    });

    it('delete twice: deleting what is gone is applied, not failed', async (ctx) => {
      skipUnless(ctx, deleted.length > 0, 'nothing was deleted');
      expectAllApplied(await applyAgain(deleted, 'delete'), deleted.length);
      const s = await sync('delete');
      expect(describeChanges(s.changes)).toEqual([]);
    });

    it('an invalid config is refused before any connection is made', async () => {
      const sockets = await countingSockets(async () => {
        const parsed = h.connector.configSchema.safeParse(h.invalidConfig);
        if (!parsed.success) {
          // Refused by the schema: the loader names the place in the configuration file.
          const err = await loadConfig(writeWorkspace('disable', h.invalidConfig)).catch((e: unknown) => e);
          expect(err).toBeInstanceOf(OrgsyncError);
          expect((err as OrgsyncError).code).toBe('ORGSYNC_CONFIG_INVALID');
          expect((err as Error).message).toContain('targets[0].config');
          return;
        }
        // Valid in shape but not usable: open() refuses it, or check() reports it.
        const refused = await (async () => {
          const session = await h.connector.open(parsed.data, {
            instance: TARGET,
            logger: silentLogger(),
            workDir: join(ws.dir, 'work'),
          });
          const r = await session.check();
          await session.close?.();
          return !r.ok;
        })().catch((e: unknown) => e instanceof ConnectorError && e.kind === 'invalid-config');
        expect(refused, 'invalidConfig was neither refused by the schema, open() nor check()').toBe(true);
      });
      expect(sockets, 'connections opened for an invalid config').toBe(0);
    });

    it('an unreachable target: check() says so, and a change fails as transient', async (ctx) => {
      skipUnless(
        ctx,
        h.unreachableConfig !== undefined,
        'the harness gives no unreachableConfig (a target with no network)',
      );
      const unreachable = await h.unreachableConfig!();
      const results = await withSession(
        'disable',
        async (session, mappings) => {
          const checked = await session.check();
          // A change the target took before, so that only the network can fail it.
          const applied = await applyOnce(session, created[0] ?? probeChange(mappings));
          return { checked, applied };
        },
        unreachable,
      );
      expect(results.checked.ok).toBe(false);
      expect(results.applied[0]?.status).toBe('failed');
      expect(results.applied[0]?.errorKind).toBe('transient');
    });

    it('a change the target cannot apply fails with a typed error and no personal data', async () => {
      const results = await withSession('disable', (session, mappings) =>
        applyOnce(session, { ...probeChange(mappings), action: 'update' }),
      );
      expect(results).toHaveLength(1);
      const r = results[0]!;
      // An update of an object the target never held: refused (typed), or made (an upsert).
      if (r.status === 'failed') {
        expect(CONNECTOR_ERROR_KINDS).toContain(r.errorKind);
        expect(r.message ?? '').not.toContain(PROBE_VALUE);
      } else expect(r.status).toBe('applied');
    });
  });
}

/** The removal policy a case asks for, or what the connector can do instead (a config must load). */
function removalFor(
  c: TargetConnector<unknown>,
  wanted: 'disable' | 'delete',
): 'disable' | 'delete' | 'ignore' {
  if (c.capabilities[wanted]) return wanted;
  if (c.capabilities.delete) return 'delete';
  return c.capabilities.disable ? 'disable' : 'ignore';
}

const PROBE_VALUE = 'Probe Ærø-Value';

/** A change for an object the target does not hold, setting every mapped attribute of its type. */
function probeChange(mappings: LoadedTarget['mappings']): Change {
  const type = (['person', 'unit', 'position'] as const).find((t) => mappings[t])!;
  return {
    id: `${TARGET}:${type}:conformance-probe`,
    action: 'create',
    type,
    key: 'conformance-probe',
    targetId: null,
    parentKey: null,
    attrs: mappings[type]!.attributes.map(([n]) => ({ name: n, new: PROBE_VALUE })),
    reason: 'conformance probe',
    after: [],
  };
}

/** A thrown error as the executor records it: a ConnectorError keeps its kind; anything else is untyped. */
function errorResult(change: Change, e: unknown): ChangeResult {
  if (!(e instanceof ConnectorError)) throw e;
  return { changeId: change.id, status: 'failed', errorKind: e.kind, message: e.message };
}

const describeFailure = (r: ChangeResult) =>
  `${r.changeId}: ${r.status} ${r.errorKind ?? ''} ${r.message ?? ''}`;

/** Changes as short lines, so a failing expectation shows what was left to do. */
const describeChanges = (changes: readonly Change[]) =>
  changes.map((c) => `${c.action} ${c.type} ${c.key}: ${c.attrs.map((a) => a.name).join(', ') || c.reason}`);

/** Runs fn while counting the TCP/TLS connections anything in this process starts. */
async function countingSockets(fn: () => Promise<void>): Promise<number> {
  const original = Socket.prototype.connect;
  let count = 0;
  Socket.prototype.connect = function (this: Socket, ...args: unknown[]) {
    count++;
    return (original as (...a: unknown[]) => Socket).apply(this, args);
  } as typeof Socket.prototype.connect;
  try {
    await fn();
  } finally {
    Socket.prototype.connect = original;
  }
  return count;
}
