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

/**
 * Server credentials of the token listener (GRPC_TOKEN_PORT): TLS with the server's certificate, but no client
 * certificate is asked for, because callers there identify themselves with a bearer ID token, which every call
 * must carry. Used only for that listener; the mTLS listener keeps `createServerCredentials`.
 */
export function createTokenServerCredentials(files: Pick<ServerTlsFiles, 'certPath' | 'keyPath'>): ServerCredentials {
  return ServerCredentials.createSsl(
    null,
    [{ cert_chain: readFileSync(files.certPath), private_key: readFileSync(files.keyPath) }],
    false,
  );
}
