/**
 * Many federation-out servers in one process, for bench/hub-scale.bench.ts: one mTLS gRPC Fetch listener per
 * node database named in BENCH_UPSTREAM_DATABASES (comma-separated URLs), each serving only its own database
 * with the production server code (fetchKeys, partnerByCertificate, unaryHandler, startGrpcServer), as
 * federation-out.component.ts wires it. Each listener has its own pool of ONE connection that closes when idle,
 * so fifty upstreams cost PostgreSQL only the connections of the pulls running at that moment. Prints one JSON
 * line {"addresses": [...]} once all listen; stops on SIGTERM or when its parent closes stdin. Not a test.
 */
import pg from 'pg';
import { partnerByCertificate } from '../../core/federation/caller-identity';
import { fetchKeys, type FetchKeysDeps } from '../../core/federation/fetch-keys';
import { FederationOutRepository } from '../../core/federation/federation-out.repository';
import {
  loadFederationProto,
  type FederationFetchRequest,
  type FederationFetchResponse,
} from '../../core/federation/federation.proto';
import { unaryHandler } from '../../core/federation/grpc-handler';
import { startGrpcServer, type RunningGrpcServer } from '../../core/federation/grpc-server';
import { PartnerAuthorizationRepository } from '../../core/federation/partner-authorization.repository';
import { createLogger } from '../../core/logging/logger';
import { peerFingerprint } from '../../core/tls/peer-identity';
import { createServerCredentials } from '../../core/tls/server-credentials';

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
};
const databases = env('BENCH_UPSTREAM_DATABASES').split(',');
const tls = {
  certPath: env('TLS_CERT_PATH'),
  keyPath: env('TLS_KEY_PATH'),
  clientCaPath: env('TLS_CLIENT_CA_PATH'),
};
const maxPageSize = Number(process.env.FEDERATION_MAX_PAGE_SIZE ?? 10_000);
const logger = createLogger({ level: 'warn', name: 'bench-upstreams' });
const credentials = createServerCredentials(tls);
const { service } = loadFederationProto();

const pools: pg.Pool[] = [];
const servers: RunningGrpcServer[] = [];
for (const url of databases) {
  const pool = new pg.Pool({ connectionString: url, max: 1, idleTimeoutMillis: 1000, application_name: 'bench-up' });
  pool.on('error', () => undefined);
  pools.push(pool);
  const partners = new PartnerAuthorizationRepository(pool);
  const deps: FetchKeysDeps = {
    keys: new FederationOutRepository(pool),
    maxPageSize,
    truncateWindowSeconds: 3600,
    closeGraceSeconds: 60,
    now: () => new Date(),
  };
  servers.push(
    await startGrpcServer({
      host: '127.0.0.1',
      port: 0,
      credentials,
      service,
      implementation: {
        Fetch: unaryHandler<FederationFetchRequest, FederationFetchResponse>(logger, 'Fetch', async (call) =>
          fetchKeys(deps, await partnerByCertificate(partners, peerFingerprint(call)), call.request),
        ),
      },
    }),
  );
}
process.stdout.write(`${JSON.stringify({ addresses: servers.map((s) => s.address) })}\n`);

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await Promise.allSettled(servers.map((s) => s.stop(2000)));
  await Promise.allSettled(pools.map((p) => p.end()));
  process.exit(0);
}
process.on('SIGTERM', () => void stop());
process.stdin.on('end', () => void stop());
process.stdin.resume();
