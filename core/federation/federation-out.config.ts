import { z } from 'zod';
import type { CommonConfig } from '../config/common.config';
import { configRule, configSection, type ConfigOf } from '../config/config-section';
import { duration, integer } from '../config/env';
import type { ServerTlsFiles } from '../tls/server-credentials';
import { tlsFileProblems } from '../tls/tls-file-problems';
import { DEFAULT_MAX_PAGE_SIZE } from './fetch-keys';

const TLS_VARIABLES = ['TLS_CERT_PATH', 'TLS_KEY_PATH', 'TLS_CLIENT_CA_PATH'] as const;

/** Default of FEDERATION_CLOSE_GRACE, capped at half of TRUNCATE_WINDOW when that is shorter (demos, tests). */
const DEFAULT_CLOSE_GRACE_SECONDS = 60;

interface TlsView {
  TLS_CERT_PATH?: string | undefined;
  TLS_KEY_PATH?: string | undefined;
  TLS_CLIENT_CA_PATH?: string | undefined;
  ENFED_COMPONENTS: string[];
}

/**
 * Environment of the federation-out component (node and hub). The TLS files are optional so that a process
 * that does not run federation-out need not have them; without them federation-out stays off (with a
 * warning), unless ENFED_COMPONENTS names it.
 */
export const federationOutConfig = configSection(
  {
    GRPC_HOST: z.string().default('127.0.0.1'),
    /** 0 picks a free port (tests); the bound address is reported as `addresses.grpc`. */
    GRPC_PORT: integer(9090, 0, 65535),
    /** The server's certificate chain and key (PEM). */
    TLS_CERT_PATH: z.string().optional(),
    TLS_KEY_PATH: z.string().optional(),
    /** CA bundle that partners' client certificates must chain to (PEM). */
    TLS_CLIENT_CA_PATH: z.string().optional(),
    /**
     * Server cap on keys per Fetch page (default 500, docs/federation.md). A partner asking for more gets this
     * many. Raising it (e.g. 10000 for a hub pulling large nodes, as the benchmark does) cuts round trips; memory
     * per call grows with it.
     */
    FEDERATION_MAX_PAGE_SIZE: integer(DEFAULT_MAX_PAGE_SIZE, 1, 100_000),
    /**
     * How long after an arrival window ends before it counts as closed for serving. A publish (or a hub's page
     * write) that read its clock just before the window ended may commit just after; without this margin a
     * partner's cursor could already have passed such a key. Must exceed the longest write transaction
     * (milliseconds in practice) and be at most half of TRUNCATE_WINDOW; default 60 s, or half of
     * TRUNCATE_WINDOW when that is less (compressed demo timings).
     */
    FEDERATION_CLOSE_GRACE: duration(0).optional(),
  },
  [
    configRule<TlsView>([...TLS_VARIABLES, 'ENFED_COMPONENTS'], (c) => {
      const given = TLS_VARIABLES.filter((n) => c[n] !== undefined);
      if (given.length === 0) {
        return c.ENFED_COMPONENTS.includes('federation-out')
          ? 'federation-out needs TLS_CERT_PATH, TLS_KEY_PATH and TLS_CLIENT_CA_PATH'
          : undefined;
      }
      const missing = TLS_VARIABLES.filter((n) => c[n] === undefined);
      if (missing.length > 0) return missing.map((n) => `${n}: required with the other TLS settings`).join('; ');
      const problems = tlsFileProblems({
        cert: { path: c.TLS_CERT_PATH as string, name: 'TLS_CERT_PATH' },
        key: { path: c.TLS_KEY_PATH as string, name: 'TLS_KEY_PATH' },
        ca: { path: c.TLS_CLIENT_CA_PATH as string, name: 'TLS_CLIENT_CA_PATH' },
      });
      return problems.length > 0 ? problems.join('; ') : undefined;
    }),
    configRule<{ FEDERATION_CLOSE_GRACE?: number | undefined; TRUNCATE_WINDOW: number }>(
      ['FEDERATION_CLOSE_GRACE', 'TRUNCATE_WINDOW'],
      (c) =>
        c.FEDERATION_CLOSE_GRACE !== undefined && c.FEDERATION_CLOSE_GRACE > c.TRUNCATE_WINDOW / 2
          ? `FEDERATION_CLOSE_GRACE: at most half of TRUNCATE_WINDOW (${c.TRUNCATE_WINDOW / 2}s; got ${c.FEDERATION_CLOSE_GRACE}s)`
          : undefined,
    ),
  ],
);

export type FederationOutConfig = ConfigOf<typeof federationOutConfig> & Pick<CommonConfig, 'ENFED_COMPONENTS'>;

/** The grace actually used: the configured one (checked against TRUNCATE_WINDOW), or the default. */
export function closeGraceSeconds(config: FederationOutConfig & Pick<CommonConfig, 'TRUNCATE_WINDOW'>): number {
  return config.FEDERATION_CLOSE_GRACE ?? Math.min(DEFAULT_CLOSE_GRACE_SECONDS, config.TRUNCATE_WINDOW / 2);
}

/** The server's TLS files, or undefined when none is configured (then federation-out stays off). */
export function serverTls(config: FederationOutConfig): ServerTlsFiles | undefined {
  if (!config.TLS_CERT_PATH || !config.TLS_KEY_PATH || !config.TLS_CLIENT_CA_PATH) return undefined;
  return { certPath: config.TLS_CERT_PATH, keyPath: config.TLS_KEY_PATH, clientCaPath: config.TLS_CLIENT_CA_PATH };
}
