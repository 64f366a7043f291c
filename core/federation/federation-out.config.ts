import { z } from 'zod';
import { ConfigError, duration, integer } from '../config/env';
import type { ServerTlsFiles } from '../tls/server-credentials';
import { DEFAULT_MAX_PAGE_SIZE } from './fetch-keys';

/**
 * Environment of the federation-out component (node and hub). The TLS files are optional in the shape so that a
 * process that does not run federation-out need not have them; the component itself insists (see `serverTls`).
 */
export const federationOutEnvShape = {
  GRPC_HOST: z.string().default('127.0.0.1'),
  /** 0 picks a free port (tests); the bound address is reported as `addresses.grpc`. */
  GRPC_PORT: integer(9090, 0, 65535),
  /** The server's certificate chain and key (PEM). */
  TLS_CERT_PATH: z.string().optional(),
  TLS_KEY_PATH: z.string().optional(),
  /** CA bundle that partners' client certificates must chain to (PEM). */
  TLS_CLIENT_CA_PATH: z.string().optional(),
  /**
   * Server cap on keys per Fetch page (spec default 500). A partner asking for more gets this many. Raising it
   * (e.g. 10000 for a hub pulling large nodes, as the benchmark does) cuts round trips; memory per call grows
   * with it.
   */
  FEDERATION_MAX_PAGE_SIZE: integer(DEFAULT_MAX_PAGE_SIZE, 1, 100_000),
  /**
   * How long after an arrival window ends before it counts as closed for serving. A publish (or a hub's page
   * write) that read its clock just before the window ended may commit just after; without this margin a
   * partner's cursor could already have passed such a key. Must exceed the longest write transaction
   * (milliseconds in practice); capped at half of TRUNCATE_WINDOW so compressed demo timings still flow.
   */
  FEDERATION_CLOSE_GRACE: duration(60),
};

export interface FederationOutConfig {
  GRPC_HOST: string;
  GRPC_PORT: number;
  TLS_CERT_PATH?: string | undefined;
  TLS_KEY_PATH?: string | undefined;
  TLS_CLIENT_CA_PATH?: string | undefined;
  FEDERATION_MAX_PAGE_SIZE: number;
  FEDERATION_CLOSE_GRACE: number;
  ENFED_COMPONENTS: string[];
}

/**
 * The server's TLS files, or undefined when none is configured and federation-out was not asked for by name
 * (it then stays off, with a warning). Half a configuration, or federation-out named in ENFED_COMPONENTS
 * without TLS, is a configuration error: there is no way to serve federation without mTLS.
 */
export function serverTls(config: FederationOutConfig): ServerTlsFiles | undefined {
  const given = [config.TLS_CERT_PATH, config.TLS_KEY_PATH, config.TLS_CLIENT_CA_PATH];
  if (given.every((v) => v === undefined)) {
    if (config.ENFED_COMPONENTS.includes('federation-out')) {
      throw new ConfigError(['federation-out needs TLS_CERT_PATH, TLS_KEY_PATH and TLS_CLIENT_CA_PATH']);
    }
    return undefined;
  }
  const missing = (['TLS_CERT_PATH', 'TLS_KEY_PATH', 'TLS_CLIENT_CA_PATH'] as const).filter((n) => !config[n]);
  if (missing.length > 0) throw new ConfigError(missing.map((n) => `${n}: required with the other TLS settings`));
  return {
    certPath: config.TLS_CERT_PATH as string,
    keyPath: config.TLS_KEY_PATH as string,
    clientCaPath: config.TLS_CLIENT_CA_PATH as string,
  };
}
