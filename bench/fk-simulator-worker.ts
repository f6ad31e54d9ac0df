/**
 * The FK simulator in a child process of the benchmark: its own event loop (and core), as
 * the real service is another machine. Answers `stats` (calls by service and operation)
 * and `sample` (the first N request bodies, with their SOAP path) over the message port.
 */
import { startFkSimulator } from '../connectors/fk-organisation/simulator/server.js';

const latencyMs = Number(process.argv[2] ?? 100);
const send = (m: object) => process.send!(m);
// Replies are checked against the XSDs in the tests; here the simulator works as a service.
const sim = await startFkSimulator({ latencyMs, checkReplies: false });

process.on('message', async (msg: { type: string; n?: number }) => {
  if (msg.type === 'stats') {
    const byCall: Record<string, number> = {};
    for (const r of sim.requests) {
      const k = `${r.service} ${r.operation ?? '?'} ${r.status}`;
      byCall[k] = (byCall[k] ?? 0) + 1;
    }
    send({ type: 'stats', total: sim.requests.length, byCall });
  } else if (msg.type === 'sample') {
    const sample = sim.requests
      .slice(0, msg.n)
      .map((r) => ({ service: r.service, operation: r.operation, body: r.body }));
    send({ type: 'sample', sample });
  } else if (msg.type === 'stop') {
    await sim.stop();
    send({ type: 'stopped' });
    process.disconnect();
  }
});
send({ type: 'ready', url: sim.url });
