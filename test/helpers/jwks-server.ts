import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A local HTTP server answering every GET with what `reply` currently holds (a JWKS document, an error, a stall). */
export interface JwksServer {
  url: string;
  reply: { status: number; body: string } | 'stall';
  close(): Promise<void>;
}

/** Starts a JwksServer on 127.0.0.1 and a free port. */
export async function startJwksServer(): Promise<JwksServer> {
  const state: JwksServer = { url: '', reply: { status: 200, body: '[]' }, close: async () => undefined };
  const stalled = new Set<import('node:http').ServerResponse>();
  const server: Server = createServer((_req, res) => {
    const reply = state.reply;
    if (reply === 'stall') {
      // Headers and a first byte, then nothing: only a timeout on the whole document ends this.
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('[');
      stalled.add(res);
      return;
    }
    res.writeHead(reply.status, { 'content-type': 'application/json' });
    res.end(reply.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
  state.close = async () => {
    for (const res of stalled) res.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return state;
}
