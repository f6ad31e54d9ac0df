/** The connector conformance suite (src/testing/conformance.ts) against a real slapd. */
import { afterAll, beforeAll } from 'vitest';
import { describeConformance } from '../../src/testing/conformance.js';
import { type Slapd, startSlapd } from '../../test/support/slapd.js';
import { ldapHarness } from './testing.js';

let slapd: Slapd;
beforeAll(async () => {
  slapd = await startSlapd();
});
afterAll(async () => {
  await slapd?.stop();
});

describeConformance('ldap', () => ldapHarness(() => slapd));
