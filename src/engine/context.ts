/**
 * What every command works with: the loaded configuration, the state store, the logger,
 * and the keys derived from configuration and store. Opened once per process.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { type LoadedConfig, loadConfig } from '../config/load.js';
import { createLogger } from '../log/logger.js';
import type { Fingerprinter } from '../plan/diff.js';
import { openStateStore } from '../state/open.js';
import type { StateStore } from '../state/store.js';
import { hmac } from '../util/hash.js';
import { makePseudonymizer, type Pseudonymizer } from '../util/pseudonym.js';

export interface Engine {
  loaded: LoadedConfig;
  store: StateStore;
  logger: Logger;
  pseudonymize: Pseudonymizer;
  /** Keyed fingerprint of an attribute value: what the state keeps instead of the value. */
  fingerprint: Fingerprinter;
  close(): Promise<void>;
}

export async function openEngine(configPath: string, opts: { logger?: Logger } = {}): Promise<Engine> {
  const loaded = await loadConfig(configPath);
  const logger = opts.logger ?? createLogger();
  const store = await openStateStore(loaded.config.state);
  // The fingerprint key lives with the state it protects: fingerprints are only compared
  // with each other, and without the key they reveal nothing about the values.
  let key = await store.getMeta('fingerprint-key');
  if (key === null) {
    key = randomBytes(32).toString('hex');
    await store.setMeta('fingerprint-key', key);
  }
  const fpKey = key;
  return {
    loaded,
    store,
    logger,
    pseudonymize: makePseudonymizer(loaded.config.privacy.pseudonymKey.reveal()),
    // Values are flat (text, number, boolean, null, list of text): JSON.stringify is canonical for them.
    fingerprint: (name, value) => hmac(fpKey, `${name}\u0000${JSON.stringify(value)}`).slice(0, 32),
    close: () => store.close(),
  };
}
