/**
 * A Clock (src/worker/clock.ts) that moves only when a test says so: `set` jumps to a time
 * without firing anything, `advance` walks forward firing the timers that fall due, in
 * time order (ties in the order they were scheduled), and lets the async work they start
 * run before the next one fires. A timer a fired callback schedules fires too when it
 * falls due within the same advance.
 */
import type { Clock } from '../../src/worker/clock.js';

interface Timer {
  seq: number;
  at: number;
  fn: () => void;
}

/** Lets promise chains and I/O callbacks started by a fired timer progress. */
export async function settle(turns = 5): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise<void>((r) => setImmediate(r));
}

const toMs = (isoOrMs: string | number): number => {
  const ms = typeof isoOrMs === 'number' ? isoOrMs : Date.parse(isoOrMs);
  if (!Number.isFinite(ms)) throw new Error(`ManualClock: ${String(isoOrMs)} is not a time`);
  return ms;
};

export class ManualClock implements Clock {
  #now: number;
  #seq = 0;
  #timers: Timer[] = [];

  constructor(start: string | number = '2026-01-05T08:00:00.000Z') {
    this.#now = toMs(start);
  }

  now(): number {
    return this.#now;
  }

  /** The current time as ISO text, as the store records it. */
  iso(): string {
    return new Date(this.#now).toISOString();
  }

  after(ms: number, fn: () => void): () => void {
    const timer: Timer = { seq: this.#seq++, at: this.#now + Math.max(0, ms), fn };
    this.#timers.push(timer);
    return () => {
      this.#timers = this.#timers.filter((t) => t !== timer);
    };
  }

  /** Jumps to a time (ISO text or epoch ms). Fires nothing: timers now due fire on the next advance. */
  set(isoOrMs: string | number): void {
    this.#now = toMs(isoOrMs);
  }

  /** Moves forward by `ms`, firing due timers in time order and letting their async work run. */
  async advance(ms: number): Promise<void> {
    if (ms < 0) throw new Error('ManualClock: cannot advance backwards');
    const end = this.#now + ms;
    for (;;) {
      const due = this.#timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      this.#timers = this.#timers.filter((t) => t !== due);
      this.#now = Math.max(this.#now, due.at);
      due.fn();
      await settle();
    }
    this.#now = end;
    await settle();
  }

  /** How many timers are scheduled and not yet fired or cancelled. */
  pending(): number {
    return this.#timers.length;
  }
}
