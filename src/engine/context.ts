/**
 * What every command works with: the loaded configuration, the state store, the logger,
 * and the keys derived from configuration and store. Opened once per process.
 */
import type { Logger } from 'pino';
import { type LoadedConfig, loadConfig } from '../config/load.js';
import { createLogger } from '../log/logger.js';
import { type Fingerprinter, normaliseEmpty } from '../plan/diff.js';
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
  // The fingerprint key is derived from the pseudonym key, a secret kept outside the state:
  // a copy of the state database alone cannot be used to guess values from fingerprints.
  const pseudonymKey = loaded.config.privacy.pseudonymKey.reveal();
  const fpKey = hmac(pseudonymKey, 'orgsync/attribute-fingerprint-key/v1');
  return {
    loaded,
    store,
    logger,
    pseudonymize: makePseudonymizer(pseudonymKey),
    // Values are flat (text, number, boolean, null, list of text): JSON.stringify is canonical
    // for them. Empty values are made one before hashing, so every caller compares alike.
    fingerprint: (name, value) =>
      hmac(fpKey, `${name}\u0000${JSON.stringify(normaliseEmpty(value))}`).slice(0, 32),
    close: () => store.close(),
  };
}
