/**
 * `orgsync serve` as operations run it, in a child process: the admin API refuses what it
 * must, a dry run and its apply go through the API, a second process is refused the busy
 * targets, and SIGTERM in the middle of the apply loses nothing: every change that reached
 * a target is recorded, the run is recorded as interrupted, and the next run finishes the
 * job with each object created exactly once.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStateStore } from '../../src/state/open.js';
import { runCli, startCli } from '../support/cli.js';
import { readLedger } from '../support/ledger-target.js';
import { ledgerTargetConfig, makeWorkspace } from '../support/workspace.js';

const OP = 'operator-token-for-the-serve-test';
const READ = 'read-only-token-for-the-serve-test';
const env = { LEDGER_DELAY_MS: '25', OP_TOKEN: OP, READ_TOKEN: READ };

async function waitFor<T>(
  what: string,
  fn: () => T | undefined | Promise<T | undefined>,
  ms = 30_000,
): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('orgsync serve', () => {
  const children: Array<{ kill(s: NodeJS.Signals): boolean }> = [];
  afterAll(() => {
    for (const c of children) c.kill('SIGKILL');
  });

  it('a killed worker leaves its lock behind, and the next run takes it over at once', async () => {
    const ws = await makeWorkspace({ persons: 200, asOf: '2026-11-22' });
    const ledger = join(ws.dir, 'ledger.jsonl');
    const config = ws.writeConfig([ledgerTargetConfig('ledger', ledger, true, { concurrency: 1 })], {
      worker: {
        api: { port: 0, tokens: [{ name: 'ops', role: 'operator', token: { env: 'OP_TOKEN' } }] },
        lock: { ttlSeconds: 3600 }, // an hour: only the dead-process check can free it in time
      },
    });
    const server = startCli(['serve', '--config', config], env);
    children.push(server.child);
    let stderr = '';
    server.child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const url = await waitFor('the admin page', () => /admin page at (http:\/\/[\d.:]+)\//.exec(stderr)?.[1]);
    const post = (path: string) =>
      fetch(`${url}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${OP}`, 'content-type': 'application/json' },
        body: '{}',
      });
    const { planId } = (await (await post('/api/plans')).json()) as { planId: string };
    const { runId } = (await (await post(`/api/plans/${planId}/apply`)).json()) as { runId: string };
    await waitFor('the apply to start', () => (readLedger(ledger).length > 5 ? true : undefined));
    server.child.kill('SIGKILL');
    await server.done;

    const fast = { ...env, LEDGER_DELAY_MS: '0' };
    const rest = await runCli(['run', '--config', config, '--as-of', '2026-11-22'], fast);
    expect(rest.code, rest.stderr).toBe(0);
    const store = await openStateStore({ kind: 'sqlite', path: join(ws.dir, 'state.db') });
    try {
      const dead = await store.getRun(runId);
      expect(dead?.status).toBe('interrupted');
      expect(String(dead?.summary['interrupted'])).toMatch(/lock taken over by run/);
      expect(await store.listLocks()).toEqual([]);
    } finally {
      await store.close();
    }
    const creates = readLedger(ledger).filter((l) => l.action === 'create');
    expect(new Set(creates.map((l) => `${l.type}:${l.key}`)).size).toBe(creates.length);
    const again = await runCli(
      ['plan', '--config', config, '--as-of', '2026-11-22', '--detailed-exitcode'],
      fast,
    );
    expect(again.code, again.stdout).toBe(0);
  });

  it('serves the API, refuses overlap and loses nothing on SIGTERM mid-apply', async () => {
    const ws = await makeWorkspace({ persons: 300, asOf: '2026-11-22' });
    const readable = join(ws.dir, 'readable.jsonl');
    const blind = join(ws.dir, 'blind.jsonl');
    const config = ws.writeConfig(
      [
        // One change at a time, so the apply outlasts a second CLI process starting on a busy machine.
        ledgerTargetConfig('readable', readable, true, { concurrency: 1 }),
        ledgerTargetConfig('blind', blind, false, { concurrency: 1 }),
      ],
      {
        worker: {
          api: {
            port: 0,
            tokens: [
              { name: 'ops', role: 'operator', token: { env: 'OP_TOKEN' } },
              { name: 'viewer', role: 'read', token: { env: 'READ_TOKEN' } },
            ],
          },
        },
      },
    );
    const server = startCli(['serve', '--config', config], env);
    children.push(server.child);
    let stderr = '';
    server.child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const url = await waitFor('the admin page', () => /admin page at (http:\/\/[\d.:]+)\//.exec(stderr)?.[1]);
    const call = (path: string, opts: { token?: string; body?: unknown } = {}) =>
      fetch(`${url}${path}`, {
        method: opts.body === undefined ? 'GET' : 'POST',
        headers: {
          ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
          ...(opts.body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(opts.body === undefined ? {} : { body: JSON.stringify(opts.body) }),
      });

    // Refusals: no token, a wrong one, the read-only role writing, bad input.
    expect((await call('/api/runs')).status).toBe(401);
    expect((await call('/api/runs', { token: `${OP}x` })).status).toBe(401);
    const readWrite = await call('/api/plans', { token: READ, body: {} });
    expect(readWrite.status).toBe(403);
    expect(((await readWrite.json()) as { error: { code: string } }).error.code).toBe(
      'ORGSYNC_API_FORBIDDEN',
    );
    expect((await call('/api/plans', { token: OP, body: { mode: 'sideways' } })).status).toBe(400);
    expect((await call('/healthz')).status).toBe(200);
    expect((await call('/readyz')).status).toBe(200);

    // A dry run, then its apply.
    const dry = await call('/api/plans', { token: OP, body: {} });
    expect(dry.status).toBe(201);
    const { planId } = (await dry.json()) as { planId: string };
    const plan = (await (await call(`/api/plans/${planId}`, { token: READ })).json()) as {
      targets: Array<{ name: string; changes: unknown[] }>;
    };
    const planned = plan.targets.reduce((n, t) => n + t.changes.length, 0);
    expect(planned).toBeGreaterThan(500);
    const applied = await call(`/api/plans/${planId}/apply`, { token: OP, body: {} });
    expect(applied.status).toBe(202);
    const { runId } = (await applied.json()) as { runId: string };

    // While it applies, another process is refused both targets (exit 7) and names the run.
    await waitFor('the apply to start', () => (readLedger(readable).length > 20 ? true : undefined));
    const other = await runCli(['run', '--config', config, '--as-of', '2026-11-22'], env);
    expect(other.code, other.stderr).toBe(7);
    expect(other.stderr).toContain(runId);
    expect((await call(`/api/plans/${planId}/apply`, { token: OP, body: {} })).status).toBe(409);

    // SIGTERM in the middle: the worker finishes what is in flight and exits cleanly.
    server.child.kill('SIGTERM');
    const end = await server.done;
    expect(end.code, stderr).toBe(0);
    const ledgered = readLedger(readable).length + readLedger(blind).length;
    expect(ledgered).toBeLessThan(planned);

    const store = await openStateStore({ kind: 'sqlite', path: join(ws.dir, 'state.db') });
    try {
      const run = await store.getRun(runId);
      expect(run?.status).toBe('interrupted');
      const audit = await store.listAudit({ runId, limit: 100_000 });
      // Everything that reached a target is recorded as applied; nothing is left pending.
      expect(audit.filter((a) => a.status === 'applied')).toHaveLength(ledgered);
      expect(await store.listPending('readable')).toEqual([]);
      expect(await store.listPending('blind')).toEqual([]);
      expect(await store.listLocks()).toEqual([]);
    } finally {
      await store.close();
    }

    // The next run does the rest, once each.
    const fast = { ...env, LEDGER_DELAY_MS: '0' };
    const rest = await runCli(['run', '--config', config, '--as-of', '2026-11-22'], fast);
    expect(rest.code, rest.stderr).toBe(0);
    const again = await runCli(
      ['plan', '--config', config, '--as-of', '2026-11-22', '--detailed-exitcode'],
      env,
    );
    expect(again.code, again.stdout).toBe(0);
    for (const file of [readable, blind]) {
      const creates = readLedger(file).filter((l) => l.action === 'create');
      expect(new Set(creates.map((l) => `${l.type}:${l.key}`)).size).toBe(creates.length);
    }
  });
});
