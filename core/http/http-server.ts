import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type Koa from 'koa';
import type { Logger } from '../logging/logger';

/** Limits that keep slow or stalled clients from holding connections (HTTP_* settings). */
export interface HttpLimits {
  /** A client must send its whole request head within this. */
  headersTimeoutMs: number;
  /** … and its whole request (head and body) within this. */
  requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this. */
  keepAliveTimeoutMs: number;
  /** Connections open at once; further ones are refused. */
  maxConnections: number;
}

/** A listening HTTP server that can be drained. */
export interface HttpServer {
  server: Server;
  port: number;
  url: string;
  /** Stops accepting connections, lets in-flight requests finish, then closes idle keep-alive sockets. */
  close(): Promise<void>;
}

/**
 * Starts `app` on host:port (port 0 picks a free one, as tests do) with `limits`. A client that stalls in its
 * head or body is cut at the timeout; malformed requests and cut connections are logged as one JSON line
 * (never with the client's address or data).
 */
export async function listen(
  app: Koa,
  host: string,
  port: number,
  logger: Logger,
  limits: HttpLimits,
): Promise<HttpServer> {
  const server = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      // Node checks those timeouts only this often (default 30 s, which would let a stalled client stay that long).
      connectionsCheckingInterval: Math.min(1000, limits.headersTimeoutMs),
    },
    app.callback(),
  );
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  server.maxConnections = limits.maxConnections;
  server.on('clientError', (err: Error & { code?: string }, socket: Socket) => {
    logger.info({ code: err.code ?? 'client_error' }, 'http client error; connection closed');
    if (socket.writable && !socket.writableEnded) {
      const status = err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : '400 Bad Request';
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    } else {
      socket.destroy();
    }
  });
  server.on('drop', () =>
    logger.warn({ maxConnections: limits.maxConnections }, 'http connection refused: at the cap'),
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const actual = (server.address() as AddressInfo).port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  let closing: Promise<void> | undefined;
  return {
    server,
    port: actual,
    url: `http://${shownHost}:${actual}`,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      return closing;
    },
  };
}
