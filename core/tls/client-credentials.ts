import { readFileSync } from 'node:fs';
import { credentials, type ChannelCredentials } from '@grpc/grpc-js';

/** Files of a client's mTLS identity; all PEM. */
export interface ClientTlsFiles {
  /** CA bundle the server's certificate must chain to. */
  caCertPath: string;
  clientCertPath: string;
  clientKeyPath: string;
}

/**
 * Builds channel credentials presenting our client certificate and verifying the server against `caCertPath`.
 * Callers build these once per upstream and reuse the channel; files are never read per request.
 */
export function createClientCredentials(files: ClientTlsFiles): ChannelCredentials {
  return credentials.createSsl(
    readFileSync(files.caCertPath),
    readFileSync(files.clientKeyPath),
    readFileSync(files.clientCertPath),
  );
}
