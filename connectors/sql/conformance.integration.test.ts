/**
 * The conformance suite (src/testing/conformance.ts) against the local PostgreSQL server:
 * the README's sample tables in a schema of their own, dropped afterwards.
 */
import { afterAll } from 'vitest';
import { describeConformance } from '../../src/testing/conformance.js';
import { type ScratchSchema, scratchSchema, sqlHarness } from './testing.js';

let scratch: ScratchSchema | undefined;

afterAll(async () => {
  await scratch?.drop();
});

describeConformance('sql', async () => {
  scratch = await scratchSchema('orgsync_sql_conformance');
  return sqlHarness(scratch);
});
