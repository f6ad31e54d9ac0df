/**
 * Target leases against a real SQLite state file: one run per target across processes,
 * take-over of a holder that stopped renewing (after the lease) or whose process is gone
 * (at once, on the same host), renewal while held, and the loss of a lease reported.
 * Time is a ManualClock, except in the test with a real second process.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log/logger.js';
import { openStateStore } from '../../src/state/open.js';
import type { StateStore } from '../../src/state/store.js';
import { systemClock } from '../../src/worker/clock.js';
import { type LockOptions, lockTargets, PROCESS_HOLDER, pidAlive } from '../../src/worker/locks.js';
import { ManualClock } from '../support/manual-clock.js';

const ROOT = new URL('../../', import.meta.url);
const TTL = 60_000;
const HOST = hostname();

let dir: string;
let dbPath: string;
let store: StateStore;
let clock: ManualClock;
const children: ChildProcess[] = [];

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'orgsync-locks-'));
  dbPath = join(dir, 'state.db');
  store = await openStateStore({ kind: 'sqlite', path: dbPath });
  clock = new ManualClock('2026-03-02T09:00:00.000Z');
});

afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Lock options of one simulated process: its own holder id, host and pid. */
function as(holder: string, extra: Partial<LockOptions> & { host?: string; pid?: number } = {}): LockOptions {
  return {
    store,
    clock,
    logger: silentLogger(),
    ttlMs: TTL,
    holder,
    host: extra.host ?? HOST,
    pid: extra.pid ?? process.pid,
    ...extra,
  };
}

async function startRun(id: string) {
  await store.startRun({ id, command: 'run', startedAt: clock.iso(), asOf: null, sourceFingerprint: null });
}

const lockOf = async (target: string) => (await store.listLocks()).find((l) => l.name === `target:${target}`);

/** A process that only sleeps: a real pid on this host. */
function sleeper(): ChildProcess {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
  children.push(child);
  return child;
}

const exited = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });

describe('target locks', () => {
  it('gives a target to one process; the other finds it busy, naming the run, until it is released', async () => {
    const a = await lockTargets(['ad', 'fk'], 'run-a', as(`${HOST}:1001:aaaa`));
    expect(a.held).toEqual(['ad', 'fk']);
    expect(a.busy).toEqual([]);
    const since = clock.iso();

    await clock.advance(5_000);
    const b = await lockTargets(['fk', 'csv'], 'run-b', as(`${HOST}:1002:bbbb`));
    expect(b.held).toEqual(['csv']);
    expect(b.busy).toEqual([{ target: 'fk', runId: 'run-a', holder: `${HOST}:1001:aaaa/run-a`, since }]);

    await a.release();
    expect(await lockOf('ad')).toBeUndefined();
    const again = await lockTargets(['fk'], 'run-b2', as(`${HOST}:1002:bbbb`));
    expect(again.held).toEqual(['fk']);
    expect(await lockOf('fk')).toMatchObject({ runId: 'run-b2', holder: `${HOST}:1002:bbbb/run-b2` });

    await b.release();
    await again.release();
    expect(await store.listLocks()).toEqual([]);
    expect(clock.pending()).toBe(0); // released: no renewal left scheduled
  });

  it('keeps two runs of one process (the default holder, as the worker uses) off the same target', async () => {
    // The worker runs schedules and API requests side by side with no holder of its own per run.
    const opts = { store, clock, logger: silentLogger(), ttlMs: TTL };
    const first = await lockTargets(['ad'], 'run-scheduled', opts);
    expect(first.held).toEqual(['ad']);
    const second = await lockTargets(['ad'], 'run-from-api', opts);
    try {
      expect(second.held).toEqual([]);
      expect(second.busy).toMatchObject([
        { target: 'ad', runId: 'run-scheduled', holder: expect.stringContaining(PROCESS_HOLDER) },
      ]);
      expect(await lockOf('ad')).toMatchObject({ runId: 'run-scheduled' });
    } finally {
      await second.release();
      await first.release();
    }
  });

  it('takes over from a holder on another host only once its lease has run out, and closes its run', async () => {
    await startRun('run-dead');
    // The other host's process stops: its renewals run on a clock that never moves again.
    const frozen = new ManualClock(clock.now());
    const dead = await lockTargets(
      ['ad'],
      'run-dead',
      as('elsewhere:4242:dead', { host: 'elsewhere', clock: frozen }),
    );
    expect(dead.held).toEqual(['ad']);

    // Its pid is this process's (alive here), but on another host a pid proves nothing.
    await clock.advance(TTL - 1_000);
    const early = await lockTargets(['ad'], 'run-new', as(`${HOST}:2001:cccc`));
    expect(early.held).toEqual([]);
    expect(early.busy).toMatchObject([
      { target: 'ad', runId: 'run-dead', holder: 'elsewhere:4242:dead/run-dead' },
    ]);
    await early.release();
    expect((await store.getRun('run-dead'))?.status).toBe('running');

    await clock.advance(1_000); // exactly the lease: expired
    const late = await lockTargets(['ad'], 'run-new', as(`${HOST}:2001:cccc`));
    expect(late.held).toEqual(['ad']);
    expect(await lockOf('ad')).toMatchObject({
      runId: 'run-new',
      holder: `${HOST}:2001:cccc/run-new`,
      acquiredAt: clock.iso(),
      expiresAt: new Date(clock.now() + TTL).toISOString(),
    });
    const run = await store.getRun('run-dead');
    expect(run?.status).toBe('interrupted');
    expect(String(run?.summary['interrupted'])).toContain('elsewhere:4242:dead');
    expect(String(run?.summary['interrupted'])).toContain('run-new');
    await late.release();
  });

  it('leaves a finished run as it is when taking over its stale lock', async () => {
    await startRun('run-done');
    await store.finishRun('run-done', 'succeeded', { applied: 3 });
    await store.acquireLock(
      { name: 'target:ad', runId: 'run-done', holder: 'elsewhere:1:x', host: 'elsewhere', pid: 1 },
      { now: clock.iso(), expiresAt: new Date(clock.now() + TTL).toISOString() },
    );
    await clock.advance(TTL);
    const l = await lockTargets(['ad'], 'run-new', as(`${HOST}:2:y`));
    expect(l.held).toEqual(['ad']);
    expect(await store.getRun('run-done')).toMatchObject({ status: 'succeeded', summary: { applied: 3 } });
    await l.release();
  });

  it('takes over at once from a dead process on this host, and marks its run interrupted', async () => {
    const child = sleeper();
    const pid = child.pid!;
    await startRun('run-killed');
    const frozen = new ManualClock(clock.now());
    await lockTargets(['ad'], 'run-killed', as(`${HOST}:${pid}:0dead000`, { pid, clock: frozen }));

    child.kill('SIGKILL');
    await exited(child);
    expect(pidAlive(pid)).toBe(false);

    // No time passes: the lease is still valid, but its process is gone.
    const l = await lockTargets(['ad'], 'run-next', as(`${HOST}:${process.pid}:live0000`));
    expect(l.held).toEqual(['ad']);
    expect(l.busy).toEqual([]);
    const run = await store.getRun('run-killed');
    expect(run?.status).toBe('interrupted');
    expect(String(run?.summary['interrupted'])).toContain(`${HOST}:${pid}:0dead000`);
    await l.release();
  });

  it('does not take over from a live process on this host before its lease has run out', async () => {
    const child = sleeper();
    const pid = child.pid!;
    await startRun('run-alive');
    const frozen = new ManualClock(clock.now());
    await lockTargets(['ad'], 'run-alive', as(`${HOST}:${pid}:a11ve000`, { pid, clock: frozen }));

    await clock.advance(TTL - 1);
    const early = await lockTargets(['ad'], 'run-next', as(`${HOST}:${process.pid}:next0000`));
    expect(early.held).toEqual([]);
    expect(early.busy).toMatchObject([{ runId: 'run-alive' }]);
    expect((await store.getRun('run-alive'))?.status).toBe('running');

    // A live process that stopped renewing (hung) loses it once the lease is over.
    await clock.advance(1);
    const late = await lockTargets(['ad'], 'run-next', as(`${HOST}:${process.pid}:next0000`));
    expect(late.held).toEqual(['ad']);
    expect((await store.getRun('run-alive'))?.status).toBe('interrupted');
    await late.release();
  });

  it('renews a held lease every third of the ttl, so it outlives the ttl', async () => {
    const lost: string[] = [];
    const a = await lockTargets(['ad'], 'run-a', as(`${HOST}:1:aaaa`, { onLost: (t) => lost.push(t) }));
    const acquiredAt = clock.iso();
    expect(clock.pending()).toBe(1);

    for (let i = 1; i <= 5; i++) {
      await clock.advance(TTL / 3);
      expect(await lockOf('ad'), `after renewal ${i}`).toMatchObject({
        runId: 'run-a',
        acquiredAt,
        expiresAt: new Date(clock.now() + TTL).toISOString(),
      });
      expect(clock.pending()).toBe(1); // the next renewal, once
    }
    // 100 s in all, more than the 60 s lease: still held, another process is refused.
    const b = await lockTargets(['ad'], 'run-b', as(`${HOST}:2:bbbb`));
    expect(b.held).toEqual([]);
    expect(b.busy).toMatchObject([{ runId: 'run-a' }]);
    expect(lost).toEqual([]);

    await a.release();
    expect(clock.pending()).toBe(0);
    await clock.advance(TTL);
    expect(await lockOf('ad')).toBeUndefined();
  });

  it('reports a lease taken over by another holder at its next renewal', async () => {
    const lost: string[] = [];
    const a = await lockTargets(['ad', 'fk'], 'run-a', as(`${HOST}:1:aaaa`, { onLost: (t) => lost.push(t) }));
    await clock.advance(TTL / 3);
    expect(lost).toEqual([]);

    // Someone proved (wrongly, or after a stall) that A is dead and took `ad` from it.
    const taken = await store.acquireLock(
      { name: 'target:ad', runId: 'run-b', holder: `${HOST}:2:bbbb`, host: HOST, pid: process.pid },
      { now: clock.iso(), expiresAt: new Date(clock.now() + TTL).toISOString() },
      `${HOST}:1:aaaa/run-a`, // holders are per run
    );
    expect(taken).toMatchObject({ acquired: true, previous: { runId: 'run-a' } });

    await clock.advance(TTL / 3);
    expect(lost).toEqual(['ad']);
    // The renewal gave B's lease no extension and left `fk` with A.
    expect(await lockOf('ad')).toMatchObject({ runId: 'run-b', holder: `${HOST}:2:bbbb` });
    expect(await lockOf('fk')).toMatchObject({
      runId: 'run-a',
      expiresAt: new Date(clock.now() + TTL).toISOString(),
    });

    // A's release must not free what B now holds.
    await a.release();
    expect(await lockOf('ad')).toMatchObject({ runId: 'run-b' });
    expect(await lockOf('fk')).toBeUndefined();
  });

  it('takes over at once the lock of a real process killed with SIGKILL (system clock, 60 s lease)', async () => {
    const url = (p: string) => new URL(p, ROOT).href;
    const script = join(dir, 'hold-lock.mts');
    writeFileSync(
      script,
      [
        `import { openStateStore } from ${JSON.stringify(url('src/state/open.ts'))};`,
        `import { silentLogger } from ${JSON.stringify(url('src/log/logger.ts'))};`,
        `import { systemClock } from ${JSON.stringify(url('src/worker/clock.ts'))};`,
        `import { lockTargets, PROCESS_HOLDER } from ${JSON.stringify(url('src/worker/locks.ts'))};`,
        `const store = await openStateStore({ kind: 'sqlite', path: process.argv[2] });`,
        `await store.startRun({ id: 'run-child', command: 'run', startedAt: new Date().toISOString(), asOf: null, sourceFingerprint: null });`,
        `const l = await lockTargets(['ad'], 'run-child', { store, clock: systemClock, logger: silentLogger(), ttlMs: 60_000 });`,
        `console.log(l.held.includes('ad') ? 'locked ' + PROCESS_HOLDER : 'busy');`,
        `setInterval(() => {}, 1000);`,
      ].join('\n'),
    );
    const child = spawn(process.execPath, ['--import', 'tsx', script, dbPath], {
      cwd: fileURLToPath(ROOT),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let stdout = '';
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const locked = await new Promise<string>((resolve, reject) => {
      child.stdout!.on('data', (d: Buffer) => {
        stdout += d.toString();
        if (stdout.includes('\n')) resolve(stdout.trim());
      });
      child.once('exit', (code) => reject(new Error(`child exited ${code}: ${stderr}`)));
    });
    expect(locked).toMatch(/^locked /);
    const childHolder = locked.slice('locked '.length);
    expect(childHolder).toMatch(new RegExp(`^${HOST.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:${child.pid}:`));
    expect(childHolder).not.toBe(PROCESS_HOLDER);

    // While it lives, this process is refused.
    const refused = await lockTargets(['ad'], 'run-parent', {
      store,
      clock: systemClock,
      logger: silentLogger(),
      ttlMs: TTL,
    });
    expect(refused.busy).toMatchObject([
      { runId: 'run-child', holder: expect.stringContaining(childHolder) },
    ]);
    await refused.release();

    child.kill('SIGKILL');
    await exited(child);

    const started = Date.now();
    const l = await lockTargets(['ad'], 'run-parent', {
      store,
      clock: systemClock,
      logger: silentLogger(),
      ttlMs: TTL,
    });
    try {
      expect(l.held).toEqual(['ad']);
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(await lockOf('ad')).toMatchObject({
        runId: 'run-parent',
        holder: expect.stringContaining(PROCESS_HOLDER),
      });
      const run = await store.getRun('run-child');
      expect(run?.status).toBe('interrupted');
      expect(String(run?.summary['interrupted'])).toContain(childHolder);
    } finally {
      await l.release();
    }
    expect(await store.listLocks()).toEqual([]);
  }, 20_000);
});
