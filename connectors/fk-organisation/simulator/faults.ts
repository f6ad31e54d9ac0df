/**
 * Injected failures, drawn from a seeded PRNG so a test sees the same sequence on every run:
 * one draw per request that reaches an operation, in arrival order.
 */

export interface FaultOptions {
  /** Share of valid requests answered 40 (nothing applied). */
  rate40?: number;
  /** Share of valid requests answered 44 (nothing applied). */
  rate44?: number;
  /** Share of requests never answered: the connection stays open until the client gives up. */
  timeoutRate?: number;
  /**
   * Share of requests carried out and then never answered: the reply is lost on the way, the
   * client times out and cannot know the write happened (what makes naive clients duplicate).
   */
  lostReplyRate?: number;
  /** PRNG seed (default 1). */
  seed?: number;
}

export type Injected = 'timeout' | 'lost-reply' | 40 | 44 | null;

/** mulberry32: tiny, fast, and good enough to spread faults; the same seed gives the same draws. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function faultInjector(options: FaultOptions | undefined): () => Injected {
  const timeout = options?.timeoutRate ?? 0;
  const r40 = options?.rate40 ?? 0;
  const r44 = options?.rate44 ?? 0;
  const lost = options?.lostReplyRate ?? 0;
  for (const [name, rate] of Object.entries({ timeout, r40, r44, lost })) {
    if (!(rate >= 0 && rate <= 1)) throw new Error(`faults: ${name} must be between 0 and 1, got ${rate}`);
  }
  if (timeout + r40 + r44 + lost > 1) throw new Error('faults: the rates add up to more than 1');
  if (timeout + r40 + r44 + lost === 0) return () => null;
  const next = prng(options?.seed ?? 1);
  return () => {
    const r = next();
    if (r < timeout) return 'timeout';
    if (r < timeout + r40) return 40;
    if (r < timeout + r40 + r44) return 44;
    if (r < timeout + r40 + r44 + lost) return 'lost-reply';
    return null;
  };
}
