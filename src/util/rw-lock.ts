/**
 * A readers-writer lock for async work in one process: many `shared` sections at once, or
 * one `exclusive` section alone. A waiting exclusive section lets no new shared one start,
 * so a steady stream of readers cannot starve it.
 */
export class RwLock {
  #readers = 0;
  /** Settles when the exclusive section that holds or waits for the lock is done. */
  #writer: Promise<void> | null = null;
  #drained: (() => void) | null = null;

  async shared<T>(fn: () => Promise<T>): Promise<T> {
    while (this.#writer) await this.#writer;
    this.#readers++;
    try {
      return await fn();
    } finally {
      this.#readers--;
      if (this.#readers === 0) this.#drained?.();
    }
  }

  async exclusive<T>(fn: () => Promise<T>): Promise<T> {
    while (this.#writer) await this.#writer;
    let release!: () => void;
    this.#writer = new Promise((r) => {
      release = r;
    });
    try {
      while (this.#readers > 0)
        await new Promise<void>((r) => {
          this.#drained = r;
        });
      this.#drained = null;
      return await fn();
    } finally {
      this.#writer = null;
      release();
    }
  }
}
