import { createServer, type AddressInfo } from 'node:net';

/**
 * A loopback port that was free a moment ago: bound and released at once. Good for a server started right
 * after (a child process that needs its port on the command line) or for an address nothing listens on.
 */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
