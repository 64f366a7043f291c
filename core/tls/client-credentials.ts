import { readFileSync } from 'node:fs';
import { credentials, type ChannelCredentials } from '@grpc/grpc-js';

/** Files of a client's mTLS identity; all PEM. */
export interface ClientTlsFiles {
  /** CA bundle the server's certificate must chain to. */
  caCertPath: string;
  /** Our client certificate and key; both absent for an upstream that takes a bearer token instead. */
  clientCertPath?: string | null;
  clientKeyPath?: string | null;
}

/**
 * Builds channel credentials presenting our client certificate (when given) and verifying the server against
 * `caCertPath`. Callers build these once per upstream and reuse the channel; files are never read per request.
 */
export function createClientCredentials(files: ClientTlsFiles): ChannelCredentials {
  const ca = readFileSync(files.caCertPath);
  if (!files.clientCertPath || !files.clientKeyPath) return credentials.createSsl(ca);
  return credentials.createSsl(ca, readFileSync(files.clientKeyPath), readFileSync(files.clientCertPath));
}
