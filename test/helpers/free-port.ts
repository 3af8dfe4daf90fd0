import { createServer } from 'node:net';

/**
 * A loopback port no one listens on now, for a process that must keep its
 * port across a restart (a beta server coming back, a PostgreSQL cluster).
 */
export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
