import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the test server answers for one path. */
export type Served =
  | { body: Buffer | string; contentType?: string; status?: number }
  /** Sends headers and `partial` bytes, then never another byte (a stalled server). */
  | { stall: true; partial?: Buffer };

/**
 * A plain HTTP server on 127.0.0.1 (port 0) playing a remote key server's export bucket: paths map to bodies the
 * test sets and changes at will; it counts requests per path.
 */
export class ExportFileServer {
  readonly files = new Map<string, Served>();
  readonly requests = new Map<string, number>();
  private readonly open = new Set<ServerResponse>();

  private constructor(
    private readonly server: ReturnType<typeof createServer>,
    readonly url: string,
  ) {}

  static async start(): Promise<ExportFileServer> {
    let self: ExportFileServer | undefined;
    const server = createServer((req, res) => self?.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    self = new ExportFileServer(server, `http://127.0.0.1:${port}`);
    return self;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = new URL(req.url ?? '/', this.url).pathname;
    this.requests.set(path, (this.requests.get(path) ?? 0) + 1);
    const served = this.files.get(path);
    if (!served) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    if ('stall' in served) {
      this.open.add(res);
      res.writeHead(200, { 'content-type': 'application/zip' });
      if (served.partial) res.write(served.partial);
      return;
    }
    const body = typeof served.body === 'string' ? Buffer.from(served.body) : served.body;
    res
      .writeHead(served.status ?? 200, {
        'content-type': served.contentType ?? 'application/octet-stream',
        'content-length': body.length,
      })
      .end(body);
  }

  async close(): Promise<void> {
    for (const res of this.open) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
