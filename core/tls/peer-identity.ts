import type { ServerUnaryCall } from '@grpc/grpc-js';
import { fingerprintOfDer } from './fingerprint';

/**
 * The caller's identity: the SHA-256 fingerprint of the client certificate that completed the mTLS handshake.
 * Identity comes only from the certificate (never from metadata). Undefined when the transport carried none,
 * which the server credentials make impossible in practice; callers treat it as unauthenticated.
 */
export function peerFingerprint(call: Pick<ServerUnaryCall<unknown, unknown>, 'getAuthContext'>): string | undefined {
  const cert = call.getAuthContext()?.sslPeerCertificate;
  if (!cert || !cert.raw || cert.raw.length === 0) return undefined;
  return fingerprintOfDer(cert.raw);
}
