import { readFileSync } from 'node:fs';
import { ServerCredentials } from '@grpc/grpc-js';

/** Files of a server's mTLS identity; all PEM. */
export interface ServerTlsFiles {
  certPath: string;
  keyPath: string;
  /** CA bundle that client certificates must chain to (partner CAs). */
  clientCaPath: string;
}

/**
 * Builds the gRPC server credentials once per process. A client certificate is required and checked against
 * the CA bundle during the handshake, so a caller without one, with an expired one or with one from another CA
 * never reaches a handler. There is deliberately no switch to relax this.
 */
export function createServerCredentials(files: ServerTlsFiles): ServerCredentials {
  return ServerCredentials.createSsl(
    readFileSync(files.clientCaPath),
    [{ cert_chain: readFileSync(files.certPath), private_key: readFileSync(files.keyPath) }],
    true,
  );
}
