import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
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

/** The first port of the kernel's ephemeral range (bind to 0, outgoing connections); 32768 where unknown. */
function ephemeralRangeStart(): number {
  try {
    const first = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(first) && first > 11_000 ? first : 32_768;
  } catch {
    return 32_768;
  }
}

function portIsFree(port: number): Promise<boolean> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * A base port such that base + each offset was free a moment ago, for servers that take fixed ports (the demo and
 * startFederation lay their ports out from one base). The block lies below the kernel's ephemeral range: there,
 * another test's bind to port 0 or an outgoing connection could take a port between this check and the server's
 * start (seen as EADDRINUSE in a full run).
 */
export async function freePortBlock(offsets: readonly number[]): Promise<number> {
  const high = ephemeralRangeStart() - Math.max(...offsets) - 1;
  for (;;) {
    const base = randomInt(10_000, high);
    if ((await Promise.all(offsets.map((o) => portIsFree(base + o)))).every(Boolean)) return base;
  }
}
