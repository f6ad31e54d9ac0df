/** Helpers for tests that drive the Worker in-process. */
import type { Worker } from '../../src/worker/worker.js';

/** Waits (in real time) until the worker has no run in progress: runs do real I/O even under a ManualClock. */
export async function idle(worker: Worker, timeoutMs = 12_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while ((await worker.status()).running.length > 0) {
    if (Date.now() > until) throw new Error('the worker did not become idle');
    await new Promise((r) => setTimeout(r, 20));
  }
}
