/**
 * One run per target, across processes and restarts: before a run writes to a target it
 * takes the lease `target:<name>` in the state store, renews it while it works, and gives
 * it back when done.
 *
 * A process that dies stops renewing; its lease is taken over once expired. On the same
 * host the claimant need not wait: it asks the kernel whether the holder's pid still lives
 * (the holder id is host:pid:random, so a reused pid of a new process is not mistaken for
 * the dead one — it would be holding its own, different id). The dead holder's run is
 * marked interrupted, so the list of runs does not show it running for ever.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { LockRecord, StateStore } from '../state/store.js';
import type { Clock } from './clock.js';

/** This process's holder id; fixed for its life. */
export const PROCESS_HOLDER = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;

export const targetLockName = (target: string) => `target:${target}`;
export const lockTarget = (lockName: string) => lockName.replace(/^target:/, '');

/** Whether a pid on this host is alive (EPERM: alive, owned by another user). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface BusyTarget {
  target: string;
  /** The run holding it, who, and since when: what the operator's message names. */
  runId: string;
  holder: string;
  since: string;
}

export interface LockOptions {
  store: StateStore;
  clock: Clock;
  logger: Logger;
  ttlMs: number;
  /** Default PROCESS_HOLDER; tests give each simulated process its own. */
  holder?: string;
  host?: string;
  pid?: number;
  /** Called when a held lease was lost (taken over after this process stalled): stop writing. */
  onLost?: (target: string) => void;
}

export interface HeldLocks {
  held: string[];
  busy: BusyTarget[];
  release(): Promise<void>;
}

/** Takes the locks of the named targets that are free; the others are reported busy, not waited on. */
export async function lockTargets(
  targets: readonly string[],
  runId: string,
  o: LockOptions,
): Promise<HeldLocks> {
  // One holder per run, not per process: two runs of one worker (a schedule and an API
  // apply) must not both count as the holder. The pid check uses the separate pid field.
  const holder = `${o.holder ?? PROCESS_HOLDER}/${runId}`;
  const host = o.host ?? hostname();
  const pid = o.pid ?? process.pid;
  const at = () => ({
    now: new Date(o.clock.now()).toISOString(),
    expiresAt: new Date(o.clock.now() + o.ttlMs).toISOString(),
  });
  const held: string[] = [];
  const busy: BusyTarget[] = [];
  const releaseAll = () => Promise.all(held.map((t) => o.store.releaseLock(targetLockName(t), holder)));
  try {
    for (const target of targets) {
      const claim = { name: targetLockName(target), runId, holder, host, pid };
      let r = await o.store.acquireLock(claim, at());
      if (!r.acquired && r.held.host === host && !pidAlive(r.held.pid)) {
        r = await o.store.acquireLock(claim, at(), r.held.holder);
      }
      if (r.acquired) {
        held.push(target);
        if (r.previous) await closeDeadRun(o, r.previous, runId);
      } else {
        busy.push({ target, runId: r.held.runId, holder: r.held.holder, since: r.held.acquiredAt });
      }
    }
  } catch (e) {
    await releaseAll().catch(() => {}); // none left behind to wait out their lease
    throw e;
  }

  // Renew at a third of the lease, so two missed renewals still leave it held.
  let stopped = false;
  let cancel = () => {};
  const renewing = new Set(held);
  const renew = async () => {
    for (const target of renewing) {
      const ok = await o.store
        .renewLock(targetLockName(target), holder, at().expiresAt)
        .catch((e: unknown) => {
          o.logger.warn({ target, err: e instanceof Error ? e.message : String(e) }, 'lock renewal failed');
          return true; // a store hiccup is not a lost lease; the next renewal tries again
        });
      if (!ok && !stopped) {
        renewing.delete(target); // lost once, reported once
        o.logger.error({ target, runId }, 'the target lock was taken over by another run: stopping writes');
        o.onLost?.(target);
      }
    }
    if (!stopped) cancel = o.clock.after(o.ttlMs / 3, () => void renew());
  };
  if (held.length > 0) cancel = o.clock.after(o.ttlMs / 3, () => void renew());

  return {
    held,
    busy,
    async release() {
      stopped = true;
      cancel();
      await releaseAll();
    },
  };
}

async function closeDeadRun(o: LockOptions, previous: LockRecord, by: string) {
  o.logger.warn(
    { lock: previous.name, deadRun: previous.runId, holder: previous.holder },
    'took over the lock of a run whose process is gone',
  );
  const run = await o.store.getRun(previous.runId);
  if (run?.status === 'running') {
    await o.store.finishRun(previous.runId, 'interrupted', {
      ...run.summary,
      interrupted: `its process (${previous.holder}) stopped; lock taken over by run ${by}`,
    });
  }
}
