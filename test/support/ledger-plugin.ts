/**
 * The ledger target as a connector module, for tests that run the real CLI in a child
 * process (config `connectorModules`). LEDGER_DELAY_MS slows each change down so that a
 * test can kill the process in the middle of an apply.
 */
import { ledgerTarget } from './ledger-target.js';

export const ledger = ledgerTarget({
  // Read at each change, so an in-process test can slow the target down for one case.
  get delayMs() {
    return Number(process.env['LEDGER_DELAY_MS'] ?? 0);
  },
}).connector;
