import { dropDatabase, ensureDatabase } from '../../core/db/admin';
import { UNSEALED } from '../../core/secrets/secret-sealer';
import { SigningKeyRepository } from '../../core/signing/signing-key.repository';
import { migrate, openDatabase, type Database } from '../../core/db/database';
import { deleteRedisPrefix } from '../../core/jobs/redis';
import { ExportConfigRepository } from '../../core/export/configs/export-config.repository';
import { PartnerAuthorizationRepository } from '../../core/federation/partner-authorization.repository';
import type { Logger } from '../../core/logging/logger';
import { PUBLISH_ENTITIES } from '../../node/publish/publish.entities';
import { createSigningKey } from '../../core/signing/signing-keys';
import { fingerprintOfPemFile } from '../../core/tls/fingerprint';
import { UpstreamQueryRepository } from '../../hub/sources/federation/upstream-query.repository';
import { createDevHealthAuthority, registerDevHealthAuthority, type DevHealthAuthority } from './dev-health-authority';
import type { DemoOptions } from './demo-options';
import type { DemoPlan, DemoServer } from './demo-plan';

/** The demo's servers run without a KEK (a development setup): their secrets are stored as they are. */
const DEMO_SEALER = UNSEALED;

/** By convention the mobile country code (310 = United States). */
const VERIFICATION_KEY_ID = '310';

/** Databases created and migrated at once. */
const PROVISION_CONCURRENCY = 3;

/** The hub's output region: `US` for a federation of US states, else `ALL`. */
function hubRegion(regions: readonly string[]): string {
  return regions.every((r) => r.startsWith('US-')) ? 'US' : 'ALL';
}

/** What provisioning made that the manifest and the summary report. */
export interface ProvisionedServer {
  server: DemoServer;
  signingPublicKeyPem: string;
  verificationKeyId: string;
  verificationKeyVersion: string;
  exportRoot: string;
  healthAuthority?: DevHealthAuthority;
}

/** A fresh, migrated database for `server` (a demo run replaces the previous one's data). */
async function freshDatabase(server: DemoServer, redisUrl: string, logger: Logger): Promise<Database> {
  await dropDatabase(server.databaseUrl);
  await ensureDatabase(server.databaseUrl);
  // Old BullMQ schedules must never fire into the new databases.
  await deleteRedisPrefix(redisUrl, server.redisPrefix);
  const db = await openDatabase(server.databaseUrl, logger, { poolSize: 2, entities: PUBLISH_ENTITIES });
  await migrate(db.orm);
  return db;
}

async function addExportConfig(
  db: Database,
  root: string,
  outputRegion: string,
  inputRegions: string[],
  options: DemoOptions,
  now: Date,
) {
  await new ExportConfigRepository(db.pool).insert({
    root,
    outputRegion,
    inputRegions,
    excludeRegions: [],
    includeTravelers: true,
    onlyTravelers: false,
    periodSeconds: options.exportPeriodSeconds,
    maxRecordsPerFile: 500_000,
    // Start at the current window: the demo's databases are new, nothing older exists.
    fromTimestamp: new Date(
      Math.floor(now.getTime() / 1000 / options.exportPeriodSeconds) * options.exportPeriodSeconds * 1000,
    ),
    thruTimestamp: null,
  });
}

/** A node: signing key, its dev health authority and app, its export config, the hub as its partner. */
async function provisionNode(
  plan: DemoPlan,
  node: DemoServer,
  options: DemoOptions,
  redisUrl: string,
  logger: Logger,
): Promise<ProvisionedServer> {
  const region = node.region as string;
  const code = region.slice(3).toLowerCase();
  const now = new Date();
  const db = await freshDatabase(node, redisUrl, logger);
  try {
    const signing = await createSigningKey(new SigningKeyRepository(db.pool, DEMO_SEALER), {
      keyId: VERIFICATION_KEY_ID,
      now,
    });
    const authority = createDevHealthAuthority({
      healthAuthorityID: `gov.${code}.exposure-notifications`,
      iss: `dev-health-authority-${code}`,
      aud: `enfed-${node.name}`,
      kid: 'v1',
    });
    await registerDevHealthAuthority(db.orm.em.fork(), authority, {
      name: `Dev health authority ${region}`,
      regions: [region],
      now,
    });
    const exportRoot = region.toLowerCase();
    await addExportConfig(db, exportRoot, region, [region], options, now);
    await new PartnerAuthorizationRepository(db.pool).add({
      name: 'hub',
      certFingerprint: fingerprintOfPemFile(`${plan.certDir}/hub.crt`),
      includeRegions: [region],
      excludeRegions: [],
      originQueryId: null,
    });
    return {
      server: node,
      signingPublicKeyPem: signing.publicKeyPem,
      verificationKeyId: signing.keyId,
      verificationKeyVersion: signing.version,
      exportRoot,
      healthAuthority: authority,
    };
  } finally {
    await db.close();
  }
}

/** The hub: signing key, an all-regions export config, one upstream per node, the dev partner authorized. */
async function provisionHub(
  plan: DemoPlan,
  options: DemoOptions,
  redisUrl: string,
  logger: Logger,
): Promise<ProvisionedServer> {
  const now = new Date();
  const db = await freshDatabase(plan.hub, redisUrl, logger);
  try {
    const signing = await createSigningKey(new SigningKeyRepository(db.pool, DEMO_SEALER), {
      keyId: VERIFICATION_KEY_ID,
      now,
    });
    const exportRoot = 'all';
    await addExportConfig(db, exportRoot, hubRegion(options.regions), options.regions, options, now);
    const upstreams = new UpstreamQueryRepository(db.pool);
    for (const node of plan.nodes) {
      await upstreams.add({
        name: node.name,
        address: `127.0.0.1:${node.grpcPort}`,
        serverName: null,
        caCertPath: `${plan.certDir}/ca.crt`,
        clientCertPath: `${plan.certDir}/hub.crt`,
        clientKeyPath: `${plan.certDir}/hub.key`,
        includeRegions: [node.region as string],
        excludeRegions: [],
        onlyLocalProvenance: true,
        onlyTravelers: false,
        intervalSeconds: options.pullIntervalSeconds,
        upstreamKind: 'node',
      });
    }
    await new PartnerAuthorizationRepository(db.pool).add({
      name: 'partner',
      certFingerprint: fingerprintOfPemFile(`${plan.certDir}/partner.crt`),
      includeRegions: options.regions,
      excludeRegions: [],
      originQueryId: null,
    });
    return {
      server: plan.hub,
      signingPublicKeyPem: signing.publicKeyPem,
      verificationKeyId: signing.keyId,
      verificationKeyVersion: signing.version,
      exportRoot,
    };
  } finally {
    await db.close();
  }
}

/** Provisions every demo database; returns the hub's and each node's public facts. */
export async function provisionDemo(plan: DemoPlan, options: DemoOptions, redisUrl: string, logger: Logger) {
  const hub = await provisionHub(plan, options, redisUrl, logger);
  // A few at a time: each is a database creation and a migration, mostly waiting on PostgreSQL.
  const nodes: ProvisionedServer[] = new Array(plan.nodes.length);
  let next = 0;
  const worker = async () => {
    while (next < plan.nodes.length) {
      const i = next++;
      nodes[i] = await provisionNode(plan, plan.nodes[i]!, options, redisUrl, logger);
    }
  };
  await Promise.all(Array.from({ length: PROVISION_CONCURRENCY }, worker));
  return { hub, nodes };
}
