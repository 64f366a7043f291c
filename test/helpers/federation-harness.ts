import type pg from 'pg';
import { KeyPool } from '../../hub/pool/key-pool';
import { truncate } from '../../core/keys/intervals';
import { UpstreamClients } from '../../hub/sources/federation/upstream-clients';
import type { PullDeps } from '../../hub/sources/federation/pull-upstream';
import { UpstreamQueryRepository, type UpstreamKind } from '../../hub/sources/federation/upstream-query.repository';
import { testLogger } from './test-database';
import { authorizePartner, type TestCerts } from './federation-certs';

/** A settable clock shared by servers and pulls in one test file. */
export class TestClock {
  ms = truncate(new Date(), 3600).getTime() + 10 * 60_000;
  readonly now = () => new Date(this.ms);
  advanceHours(hours: number): void {
    this.ms += hours * 3600_000;
  }
}

/** Pull dependencies around a hub's pool, as the federation-in component builds them. */
export function pullDeps(pool: pg.Pool, clock: TestClock, overrides: Partial<PullDeps> = {}): PullDeps {
  return {
    db: pool,
    keyPool: new KeyPool({ acceptSelfReport: false }),
    clients: new UpstreamClients(),
    logger: testLogger(),
    now: clock.now,
    truncateWindowSeconds: 3600,
    pageSize: 500,
    deadlineSeconds: 5,
    backoffBaseSeconds: 60,
    backoffMaxSeconds: 3600,
    ...overrides,
  };
}

/** Registers an upstream at a hub, as `enfed admin upstream add` does, calling it with `certName`'s identity. */
export async function addUpstream(
  pool: pg.Pool,
  certs: TestCerts,
  options: {
    name: string;
    address: string;
    certName: string;
    include: string[];
    kind?: UpstreamKind;
    onlyLocalProvenance?: boolean;
    intervalSeconds?: number;
  },
): Promise<number> {
  const query = await new UpstreamQueryRepository(pool).add({
    name: options.name,
    address: options.address,
    serverName: null,
    caCertPath: certs.caPath,
    clientCertPath: certs.certPath(options.certName),
    clientKeyPath: certs.keyPath(options.certName),
    includeRegions: options.include,
    excludeRegions: [],
    onlyLocalProvenance: options.onlyLocalProvenance ?? true,
    onlyTravelers: false,
    intervalSeconds: options.intervalSeconds ?? 300,
    upstreamKind: options.kind ?? 'node',
  });
  return query.id;
}

/** Every key at a server, hex → row of interest. */
export async function keysAt(pool: pg.Pool): Promise<
  Map<
    string,
    {
      regions: string[];
      reportType: string;
      revisedReportType: string | null;
      originQueryId: number | null;
      localProvenance: boolean;
      createdAt: Date;
    }
  >
> {
  const result = await pool.query<{
    key: Buffer;
    regions: string[];
    report_type: string;
    revised_report_type: string | null;
    origin_query_id: number | null;
    local_provenance: boolean;
    created_at: Date;
  }>(
    'select key, regions, report_type, revised_report_type, origin_query_id, local_provenance, created_at from exposure_keys',
  );
  return new Map(
    result.rows.map((r) => [
      r.key.toString('hex'),
      {
        regions: r.regions,
        reportType: r.report_type,
        revisedReportType: r.revised_report_type,
        originQueryId: r.origin_query_id,
        localProvenance: r.local_provenance,
        createdAt: r.created_at,
      },
    ]),
  );
}

/**
 * Lets `hub` pull `node` (what an operator does with `enfed admin partner add` on the node and `enfed admin
 * upstream add` on the hub): the node authorizes the hub's certificate, the hub gets an upstream query.
 * Both servers must run federation-out with `certs.serverEnv(...)`. Returns the hub's query id.
 */
export async function connectHubToNode(
  hub: { db: { pool: pg.Pool } },
  node: { db: { pool: pg.Pool }; server: { addresses: Record<string, string> } },
  certs: TestCerts,
  options: { name: string; regions: string[]; hubCertName?: string; intervalSeconds?: number },
): Promise<number> {
  const certName = options.hubCertName ?? 'hub';
  await authorizePartner(node.db.pool, {
    name: certName,
    fingerprint: certs.fingerprint(certName),
    include: options.regions,
  });
  const address = node.server.addresses.grpc;
  if (!address) throw new Error('the node does not run federation-out (TLS env missing?)');
  return addUpstream(hub.db.pool, certs, {
    name: options.name,
    address,
    certName,
    include: options.regions,
    intervalSeconds: options.intervalSeconds,
  });
}
