/** Ports for servers that tests start, and for targets that must be unreachable. */
import { createServer } from 'node:net';

/** A port nothing listens on right now (the OS picks it): for a server, or for "unreachable". */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}
