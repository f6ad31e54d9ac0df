/**
 * Time, injected: the scheduler, blackout windows and lock leases read it through this,
 * so tests drive them with a clock they advance by hand (test/support/manual-clock.ts).
 */
export interface Clock {
  now(): number;
  /** Calls `fn` after `ms`; the returned function cancels it. */
  after(ms: number, fn: () => void): () => void;
}

/** setTimeout's longest delay; longer waits are taken in steps. */
const MAX_DELAY = 2 ** 31 - 1;

export const systemClock: Clock = {
  now: () => Date.now(),
  after(ms, fn) {
    let timer: NodeJS.Timeout;
    const arm = (left: number) => {
      timer = setTimeout(() => (left > MAX_DELAY ? arm(left - MAX_DELAY) : fn()), Math.min(left, MAX_DELAY));
    };
    arm(Math.max(0, ms));
    return () => clearTimeout(timer);
  },
};
