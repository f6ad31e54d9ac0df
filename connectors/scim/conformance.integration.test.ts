/**
 * The connector conformance suite (src/testing/conformance.ts) against the SCIMMY-based test
 * server, twice: a service that does everything (PATCH, filter, ETags), and one that does
 * neither PATCH nor filtering but offers bulk, so every write goes as PUT inside /Bulk
 * requests and every lookup is a listing.
 */
import { afterAll, beforeAll } from 'vitest';
import { describeConformance } from '../../src/testing/conformance.js';
import type { ConformanceHarness } from '../../src/testing/harness.js';
import { freePort } from '../../test/support/ports.js';
import { type ScimServer, startScimServer } from '../../test/support/scim-server.js';
import { scimTarget } from './index.js';
import { SCIM_TEST_MAPPING } from './testing.js';

const TOKEN_ENV = 'ORGSYNC_TEST_SCIM_CONFORMANCE_TOKEN';
let server: ScimServer;

beforeAll(async () => {
  process.env[TOKEN_ENV] = 'conformance-token';
  server = await startScimServer({ auth: { kind: 'bearer', token: 'conformance-token' } });
});
afterAll(async () => {
  await server?.stop();
});

function harness(
  serverOptions: Parameters<ScimServer['configure']>[0],
  extra: Record<string, unknown>,
): ConformanceHarness {
  const connection = (url: string) => ({
    url,
    auth: { type: 'bearer', token: { env: TOKEN_ENV } },
    units: { members: true },
    timeoutMs: 2000,
    readRetries: 0,
    ...extra,
  });
  return {
    connector: scimTarget,
    config: () => {
      server.configure({ auth: { kind: 'bearer', token: 'conformance-token' }, ...serverOptions });
      return connection(server.url);
    },
    reset: async () => server.reset(),
    objects: SCIM_TEST_MAPPING,
    invalidConfig: { url: 'ftp://scim.example.com/v2', auth: { type: 'bearer', token: { env: TOKEN_ENV } } },
    unreachableConfig: async () => connection(`http://127.0.0.1:${await freePort()}/scim/v2`),
  };
}

describeConformance('scim', () => harness({ patch: true, filter: true, etag: true }, {}));

describeConformance('scim (PUT, no filter, bulk)', () =>
  harness(
    { patch: false, filter: false, etag: true, bulk: { maxOperations: 50, maxPayloadSize: 1_048_576 } },
    {},
  ),
);
