import net from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A loopback port that is free now. A cloud that restarts must come back on the ports its
 * clients know, so simulators that restart in place are started on ports picked here.
 */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
