/** The webhook target passes the connector conformance suite against the reference receiver. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeConformance } from '../../src/testing/conformance.js';
import { closedPort } from '../../test/notify/helpers.js';
import { webhookTarget } from './index.js';
import { type ReferenceReceiver, startReceiver } from './test/receiver.js';

const SECRET = 'whsec-conformance-6b0d3f9a21';
const secret = { env: 'ORGSYNC_TEST_WEBHOOK_CONFORMANCE_SECRET' };

let receiver: ReferenceReceiver;
beforeAll(async () => {
  process.env[secret.env] = SECRET;
  receiver = await startReceiver(SECRET);
});
afterAll(() => receiver.close());

describeConformance('webhook', () => ({
  connector: webhookTarget,
  config: () => ({ url: `${receiver.url}/orgsync`, secret, batchSize: 3 }),
  objects: {
    unit: { attributes: { name: '${unit.name}', costCentre: '${unit.costCentre}' } },
    person: {
      attributes: {
        givenName: '${person.givenName}',
        surname: '${person.surname}',
        email: '${person.email}',
        manager: '${manager.key}',
      },
      sensitive: ['email'],
    },
    position: { attributes: { title: '${position.title}', person: '${person.key}' } },
  },
  // Credentials in the URL are refused by the schema: they would end up in logs.
  invalidConfig: { url: `https://orgsync:hunter2@hooks.example.org/in`, secret },
  unreachableConfig: async () => ({ url: `http://127.0.0.1:${await closedPort()}/orgsync`, secret }),
  reset: async () => receiver.reset(),
}));

// What the suite's plans say was applied is what the receiver holds: the organisation after
// its last edit (unit 21 and Carl gone, Bo back), renamed unit 20, moved and all.
it('the receiver holds the organisation as HR has it after the cases', () => {
  const held = [...receiver.objects.values()];
  expect(
    held
      .filter((o) => o.type === 'unit')
      .map((o) => [o.key, o.parentKey, o.attrs['name'], o.disabled])
      .sort(),
  ).toEqual([
    ['1', null, 'Testkommune', false],
    ['10', '1', 'Borgerservice, Løn & "Personale"', false],
    ['20', '1', 'Skoler og Dagtilbud', false],
  ]);
  expect(held.filter((o) => o.type === 'person' && !o.disabled)).toHaveLength(2);
  expect(
    held
      .filter((o) => o.type === 'position')
      .map((o) => o.key)
      .sort(),
  ).toEqual(['p-anne', 'p-bo']);
});
