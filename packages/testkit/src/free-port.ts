// A loopback port nobody listens on right now, for a process a test starts itself (a service's
// main.ts, a redis-server). The OS picks it (listen on 0) and it is released at once, so another
// process could take it before the child binds: rare on loopback, and the child then fails to
// start loudly rather than sharing a port.
import net from 'node:net';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
