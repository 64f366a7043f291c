import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type pg from 'pg';
import { FederationClient } from '../../core/federation/federation-client';
import { fingerprintOfPemFile } from '../../core/tls/fingerprint';

const GENERATE = fileURLToPath(new URL('../../certs/generate.sh', import.meta.url));

/** Dev certificates made by certs/generate.sh in a temp dir, for one test file. */
export interface TestCerts {
  dir: string;
  caPath: string;
  certPath(name: string): string;
  keyPath(name: string): string;
  fingerprint(name: string): string;
  /** Env that makes a node or hub serve federation-out on a free loopback port as `name`. */
  serverEnv(name: string): Record<string, string>;
  /** A Federation client calling `address` as `name` (e.g. 'hub', 'partner', 'untrusted', 'expired'). */
  client(address: string, name: string): FederationClient;
  destroy(): Promise<void>;
}

/**
 * Generates a CA, leaves for hub, partner and `nodes`, an untrusted CA with a leaf and an expired leaf
 * (about one second of openssl). Call once per test file, `destroy()` in `test.after.always`.
 */
export async function generateTestCerts(nodes: string[] = ['node-a', 'node-b', 'node-c']): Promise<TestCerts> {
  const dir = await mkdtemp(join(tmpdir(), 'enfed-certs-'));
  await promisify(execFile)('bash', [GENERATE, dir, ...nodes]);
  const certPath = (name: string) => join(dir, `${name}.crt`);
  const keyPath = (name: string) => join(dir, `${name}.key`);
  const caPath = join(dir, 'ca.crt');
  return {
    dir,
    caPath,
    certPath,
    keyPath,
    fingerprint: (name) => fingerprintOfPemFile(certPath(name)),
    serverEnv: (name) => ({
      GRPC_HOST: '127.0.0.1',
      GRPC_PORT: '0',
      TLS_CERT_PATH: certPath(name),
      TLS_KEY_PATH: keyPath(name),
      TLS_CLIENT_CA_PATH: caPath,
    }),
    client: (address, name) =>
      new FederationClient({
        address,
        tls: { caCertPath: caPath, clientCertPath: certPath(name), clientKeyPath: keyPath(name) },
      }),
    destroy: () => rm(dir, { recursive: true, force: true }),
  };
}

/** Inserts a partner authorization (what `enfed admin partner add` does) and returns its id. */
export async function authorizePartner(
  pool: pg.Pool,
  options: { name: string; fingerprint: string; include: string[]; exclude?: string[]; originQueryId?: number | null },
): Promise<number> {
  const result = await pool.query<{ id: number }>(
    `insert into partner_authorizations (name, cert_fingerprint, include_regions, exclude_regions, origin_query_id)
     values ($1, $2, $3, $4, $5) returning id`,
    [options.name, options.fingerprint, options.include, options.exclude ?? [], options.originQueryId ?? null],
  );
  return (result.rows[0] as { id: number }).id;
}
