import { randomBytes } from 'node:crypto';
import test from 'ava';
import type pg from 'pg';
import { openPool } from '../../../core/db/database';
import type { ExposureKey } from '../../../core/keys/exposure-key';
import { intervalNumber } from '../../../core/keys/intervals';
import { PUBLISH_STORE_SESSION, PublishKeysRepository } from '../../../node/publish/storage/publish-keys.repository';
import { createTestDatabase, testLogger } from '../../helpers/test-database';

const STATEMENT = 'publish_insert_if_all_new';

function newKeys(n: number, now: Date): ExposureKey[] {
  const today = Math.floor(intervalNumber(now) / 144) * 144;
  return Array.from({ length: n }, (_, i) => ({
    key: randomBytes(16),
    transmissionRisk: 0,
    intervalNumber: today - (i + 1) * 144,
    intervalCount: 144,
    regions: ['US-X'],
    traveler: false,
    reportType: 'confirmed',
    daysSinceOnset: 0,
    createdAt: new Date(Math.floor(now.getTime() / 3_600_000) * 3_600_000),
    localProvenance: true,
    healthAuthorityId: null,
    originQueryId: null,
    revisedReportType: null,
    revisedAt: null,
    revisedDaysSinceOnset: null,
    revisedTransmissionRisk: null,
  }));
}

/** A bound value as SQL literal text (EXPLAIN EXECUTE takes no bind parameters); arrays in PostgreSQL's array syntax. */
function literal(client: pg.PoolClient, value: unknown): string {
  const element = (v: unknown): string => {
    if (v === null || v === undefined) return 'NULL';
    if (Buffer.isBuffer(v)) return `"\\\\x${v.toString('hex')}"`;
    if (v instanceof Date) return `"${v.toISOString()}"`;
    return `"${String(v).replace(/["\\]/g, '\\$&')}"`;
  };
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return client.escapeLiteral(`{${value.map(element).join(',')}}`);
  if (Buffer.isBuffer(value)) return client.escapeLiteral(`\\x${value.toString('hex')}`);
  if (value instanceof Date) return client.escapeLiteral(value.toISOString());
  return client.escapeLiteral(String(value));
}

/**
 * Stores one publish through a one-connection pool with `settings`, then asks that session how the common-case
 * statement was planned and what its cached plan does (EXPLAIN EXECUTE with the parameters of another publish).
 */
async function planOnEmptyTable(settings: Record<string, string>) {
  const db = await createTestDatabase();
  const pool = openPool(db.url, testLogger(), { max: 1, settings });
  try {
    let last: pg.QueryConfig | undefined;
    const spy = {
      query: (config: pg.QueryConfig) => {
        last = config;
        return pool.query(config);
      },
    } as unknown as pg.Pool;
    const repository = new PublishKeysRepository(spy);
    const now = new Date();
    const outcome = await repository.store(newKeys(14, now), () => ({ insert: [], revise: [] }));
    await repository.store(newKeys(14, now), () => ({ insert: [], revise: [] }));
    const values = last?.values ?? [];
    const client = await pool.connect();
    try {
      const counts = await client.query<{ generic_plans: number; custom_plans: number }>(
        'select generic_plans, custom_plans from pg_prepared_statements where name = $1',
        [STATEMENT],
      );
      await client.query('begin');
      const explained = await client.query<{ 'QUERY PLAN': string }>(
        `explain execute ${STATEMENT}(${values.map((v) => literal(client, v)).join(', ')})`,
      );
      await client.query('rollback');
      return {
        inserted: outcome.inserted,
        plans: counts.rows[0],
        plan: explained.rows.map((r) => r['QUERY PLAN']).join('\n'),
      };
    } finally {
      client.release();
    }
  } finally {
    await pool.end();
    await db.destroy();
  }
}

test('the publish store session plans its statement once, as index probes even on an empty table', async (t) => {
  const { inserted, plans, plan } = await planOnEmptyTable(PUBLISH_STORE_SESSION);
  t.is(inserted, 14);
  t.true((plans?.generic_plans ?? 0) >= 1);
  t.is(plans?.custom_plans, 0);
  t.regex(plan, /Index Scan using exposure_keys_pkey on exposure_keys/);
  t.notRegex(plan, /Seq Scan on exposure_keys/);
});

test('without the join and scan settings, the cached generic plan scans the whole table (why they are set)', async (t) => {
  const { plan } = await planOnEmptyTable({ plan_cache_mode: 'force_generic_plan' });
  t.regex(plan, /Seq Scan on exposure_keys/);
});
