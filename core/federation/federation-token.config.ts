import { z } from 'zod';
import { configRule, configSection, type ConfigOf } from '../config/config-section';
import { duration, integer } from '../config/env';
import { tlsFileProblems } from '../tls/tls-file-problems';

interface TokenView {
  GRPC_TOKEN_PORT?: number | undefined;
  GRPC_PORT: number;
  FEDERATION_TOKEN_AUDIENCE?: string | undefined;
  TLS_CERT_PATH?: string | undefined;
}

/**
 * The token listener of federation-out (docs/federation.md, "Federation with reference servers (OIDC)"): a
 * second gRPC port, still TLS, where partners authenticate with an OIDC ID token instead of a client
 * certificate. Off unless GRPC_TOKEN_PORT is set.
 */
export const federationTokenConfig = configSection(
  {
    /** Port of the token listener (0 picks a free one; reported as `addresses.grpcToken`). Unset: no listener. */
    GRPC_TOKEN_PORT: integer(0, 0, 65535).optional(),
    /** Audience a token must carry when the partner's authorization names none (e.g. this server's URL). */
    FEDERATION_TOKEN_AUDIENCE: z.string().min(1).optional(),
    /** Clock skew allowed on exp, iat and nbf (as CERTIFICATE_LEEWAY for verification certificates). */
    FEDERATION_TOKEN_LEEWAY: duration(60),
    /** How long an issuer's key set is reused before it is downloaded again. */
    FEDERATION_JWKS_CACHE: duration(300),
    /** Extra CA bundle (PEM) for issuers whose JWKS is served under a private CA; system roots otherwise. */
    FEDERATION_JWKS_CA_PATH: z.string().optional(),
  },
  [
    configRule<TokenView>(['GRPC_TOKEN_PORT', 'FEDERATION_TOKEN_AUDIENCE', 'TLS_CERT_PATH', 'GRPC_PORT'], (c) => {
      if (c.GRPC_TOKEN_PORT === undefined) return undefined;
      const problems: string[] = [];
      if (c.FEDERATION_TOKEN_AUDIENCE === undefined) problems.push('GRPC_TOKEN_PORT needs FEDERATION_TOKEN_AUDIENCE');
      if (c.TLS_CERT_PATH === undefined) problems.push('GRPC_TOKEN_PORT needs the TLS settings of federation-out');
      if (c.GRPC_TOKEN_PORT !== 0 && c.GRPC_TOKEN_PORT === c.GRPC_PORT) {
        problems.push('GRPC_TOKEN_PORT: must differ from GRPC_PORT');
      }
      return problems.length > 0 ? problems.join('; ') : undefined;
    }),
    configRule<{ FEDERATION_JWKS_CA_PATH?: string | undefined }>(['FEDERATION_JWKS_CA_PATH'], (c) => {
      if (c.FEDERATION_JWKS_CA_PATH === undefined) return undefined;
      const problems = tlsFileProblems({ ca: { path: c.FEDERATION_JWKS_CA_PATH, name: 'FEDERATION_JWKS_CA_PATH' } });
      return problems.length > 0 ? problems.join('; ') : undefined;
    }),
  ],
);

export type FederationTokenConfig = ConfigOf<typeof federationTokenConfig>;
