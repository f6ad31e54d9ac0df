/**
 * Tokens cached per (CVR, service). Concurrent callers share one STS request (single
 * flight); a token is replaced `refreshBeforeMs` before it expires (or halfway through its
 * life, when that is sooner), so no call goes out with a token about to lapse. When an early
 * refresh fails, the token in hand is used until shortly before it expires; after that the
 * failure is the caller's. A failed request is never cached: the next caller tries again.
 */
import type { TokenKey } from './sts-client.js';
import type { OioidwsToken } from './token.js';

export type IssueToken = (key: TokenKey) => Promise<OioidwsToken>;

export interface TokenCacheOptions {
  /** The key `token()` uses when given none (the config's CVR and appliesTo). */
  defaults: TokenKey;
  /** Default 5 minutes. */
  refreshBeforeMs?: number;
  /** Default: the system clock. */
  clock?: () => Date;
  /** A token is not used when it has less than this left (default 60 s): the call would outlive it. */
  minRemainingMs?: number;
}

interface Entry {
  token?: OioidwsToken;
  inflight?: Promise<OioidwsToken>;
}

export class TokenCache {
  readonly #issue: IssueToken;
  readonly #opts: Required<Omit<TokenCacheOptions, 'clock'>> & { clock: () => Date };
  readonly #entries = new Map<string, Entry>();
  /** STS requests made (for tests and metrics). */
  issued = 0;

  constructor(issue: IssueToken, opts: TokenCacheOptions) {
    this.#issue = issue;
    this.#opts = {
      defaults: opts.defaults,
      refreshBeforeMs: opts.refreshBeforeMs ?? 5 * 60_000,
      clock: opts.clock ?? (() => new Date()),
      minRemainingMs: opts.minRemainingMs ?? 60_000,
    };
  }

  /** When `token` is due to be replaced. */
  refreshAt(token: OioidwsToken): number {
    const expires = token.expiresAt.getTime();
    const life = expires - token.receivedAt.getTime();
    return expires - Math.min(this.#opts.refreshBeforeMs, Math.max(0, life) / 2);
  }

  /** A valid token for `key` (default: the configured CVR and service). */
  async token(key: Partial<TokenKey> = {}): Promise<OioidwsToken> {
    const k: TokenKey = { ...this.#opts.defaults, ...key };
    const id = `${k.cvr}\u0000${k.appliesTo}`;
    let entry = this.#entries.get(id);
    if (!entry) {
      entry = {};
      this.#entries.set(id, entry);
    }
    const now = this.#opts.clock().getTime();
    if (entry.token && now < this.refreshAt(entry.token)) return entry.token;
    const e = entry;
    if (!e.inflight) {
      this.issued++;
      e.inflight = this.#issue(k)
        .then((t) => {
          e.token = t;
          return t;
        })
        .finally(() => {
          e.inflight = undefined;
        });
    }
    try {
      return await e.inflight;
    } catch (err) {
      const held = e.token;
      if (held && this.#opts.clock().getTime() < held.expiresAt.getTime() - this.#opts.minRemainingMs)
        return held;
      throw err;
    }
  }

  /** Forgets the token for `key` (all when none): the next call asks the STS. */
  invalidate(key?: Partial<TokenKey>): void {
    if (!key) {
      this.#entries.clear();
      return;
    }
    const k: TokenKey = { ...this.#opts.defaults, ...key };
    this.#entries.delete(`${k.cvr}\u0000${k.appliesTo}`);
  }
}
