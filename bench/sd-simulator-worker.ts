/**
 * The SD simulator in a child process of the benchmark: its own event loop (and core), as the
 * real service is another machine. It serves a generated municipality with the given latency,
 * logs every call (operation and query), and on `advance` records the next generated day as
 * registrations, for the delta read.
 *   argv: persons seed asOf latencyMs
 */

import { advanceMunicipality, renderMunicipality } from '../connectors/sd-lon/simulator/render.js';
import { startSdSimulator } from '../connectors/sd-lon/simulator/server.js';
import { SdStore } from '../connectors/sd-lon/simulator/store.js';
import { generateMunicipality, type Municipality, nextDay } from '../src/generate/index.js';

const [persons, seed, asOf, latencyMs] = process.argv.slice(2) as [string, string, string, string];
const send = (m: object) => process.send!(m);

let m: Municipality = generateMunicipality({ seed: Number(seed), persons: Number(persons), asOf });
const store = new SdStore();
renderMunicipality(store, m, { institution: 'AB', registeredAt: new Date(Date.now() - 86_400_000) });
const log: { operation: string; query: string }[] = [];
const sim = await startSdSimulator({
  store,
  users: { username: 'bench', password: 'bench' },
  latencyMs: Number(latencyMs),
  openingHours: null,
  faults: {
    hook: ({ operation, params }) => {
      log.push({ operation, query: params.toString() });
      return null;
    },
  },
});

process.on('message', async (msg: { type: string }) => {
  if (msg.type === 'log') {
    send({ type: 'log', calls: log.splice(0) });
  } else if (msg.type === 'advance') {
    m = nextDay(m, undefined, Number(seed));
    advanceMunicipality(store, 'AB', m, new Date());
    send({ type: 'advanced', asOf: m.asOf });
  } else if (msg.type === 'stop') {
    await sim.close();
    send({ type: 'stopped' });
    process.disconnect();
  }
});
const employments = m.employees.filter((e) => e.action !== 'leave').length;
send({ type: 'ready', url: sim.url, employments, units: m.units.length });
