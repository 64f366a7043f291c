import type pg from 'pg';
import { statsIncrement, statsShard, type PublishStatsInput, type StatsIncrement } from '../stats/publish-stats';
import { inTransaction } from '../../../core/db/transaction';
import type { ExposureKey } from '../../../core/keys/exposure-key';
import type { ReportType } from '../../../core/keys/report-type';
import { toKeyColumns } from '../../../core/keys/storage/key-columns';

/** What is stored already for a key that a publish re-sends. */
export interface StoredKeyState {
  key: Buffer;
  intervalNumber: number;
  intervalCount: number;
  reportType: ReportType;
  revisedReportType: ReportType | null;
  revisedAt: Date | null;
  /** Arrival time as stored (embargoed for keys that were still valid when first published). */
  createdAt: Date;
}

/** A revision to apply to a stored key. */
export interface KeyRevision {
  key: Buffer;
  reportType: ReportType;
  revisedAt: Date;
  daysSinceOnset: number | null;
  transmissionRisk: number;
}

/**
 * Decides, from the stored state of the re-sent keys, which keys to insert and which to revise. It may
 * throw (an AppError): then nothing of the request is stored.
 */
export type PlanWrites = (existing: StoredKeyState[]) => { insert: ExposureKey[]; revise: KeyRevision[] };

/** What a publish stored. */
export interface StoreOutcome {
  inserted: number;
  revised: number;
}

const KEY_COLUMNS = `key, transmission_risk, interval_number, interval_count, days_since_onset, created_at,
  regions, traveler, report_type, local_provenance, health_authority_id`;
const KEY_ROWS = `select u.key, u.tr, u.inum, u.icount, u.dsos, u.created, $7::text[], $8::boolean, $9::text, true, $10::integer
  from unnest($1::bytea[], $2::smallint[], $3::integer[], $4::integer[], $5::smallint[], $6::timestamptz[])
       as u(key, tr, inum, icount, dsos, created)`;
/** The stored state of the request's keys, locked (a nested loop over the primary key). */
const STORED_STATE = `select e.key, e.interval_number, e.interval_count, e.report_type, e.revised_report_type, e.revised_at,
    e.created_at
  from unnest($1::bytea[]) as wanted(key) join exposure_keys e on e.key = wanted.key
  for update of e`;

/**
 * The common case in one round trip: lock-select the request's keys and, only when none is stored yet,
 * insert them all. One statement is one transaction, so it inserts all or nothing; when it finds stored
 * keys it inserts nothing and reports them, and the revision path takes over.
 *
 * Race: two requests carrying the same new key at the same instant both see it absent; the second's
 * `on conflict do nothing` then skips it (counted as not inserted) instead of failing. The key is stored
 * once either way, and a phone retrying a publish is the only realistic source of such a pair.
 */
const STATS_COLUMNS =
  'health_authority_id, hour, shard, publish, teks, revisions, oldest_tek_days, onset_age_days, missing_onset';
/** Adds a publish to one shard row of its authority's hour: element-wise for the arrays, under that row's lock. */
const STATS_ON_CONFLICT = `on conflict (health_authority_id, hour, shard) do update set
    publish = array(select a + b from unnest(s.publish, excluded.publish) with ordinality as u(a, b, i) order by i),
    teks = s.teks + excluded.teks,
    revisions = s.revisions + excluded.revisions,
    oldest_tek_days = array(select a + b from unnest(s.oldest_tek_days, excluded.oldest_tek_days)
      with ordinality as u(a, b, i) order by i),
    onset_age_days = array(select a + b from unnest(s.onset_age_days, excluded.onset_age_days)
      with ordinality as u(a, b, i) order by i),
    missing_onset = s.missing_onset + excluded.missing_onset`;

const INSERT_IF_ALL_NEW = `with existing as (${STORED_STATE}),
  inserted as (
    insert into exposure_keys (${KEY_COLUMNS})
    ${KEY_ROWS}
     where not exists (select 1 from existing)
    on conflict (key) do nothing
    returning 1),
  stats as (
    insert into health_authority_stats as s (${STATS_COLUMNS})
    select $11::integer, $12::timestamptz, $17::smallint, $13::bigint[], (select count(*) from inserted), 0,
           $14::bigint[], $15::bigint[], $16::bigint
     where $11::integer is not null and not exists (select 1 from existing)
    ${STATS_ON_CONFLICT})
  select key, interval_number, interval_count, report_type, revised_report_type, revised_at, null::int as inserted
    from existing
  union all
  select null, null, null, null, null, null, (select count(*)::int from inserted)`;

interface StoredRow {
  key: Buffer;
  interval_number: number;
  interval_count: number;
  report_type: ReportType;
  revised_report_type: ReportType | null;
  revised_at: Date | null;
  created_at: Date;
  inserted?: number | null;
}

function toState(r: StoredRow): StoredKeyState {
  return {
    key: r.key,
    intervalNumber: r.interval_number,
    intervalCount: r.interval_count,
    reportType: r.report_type,
    revisedReportType: r.revised_report_type,
    revisedAt: r.revised_at,
    createdAt: r.created_at,
  };
}

function keyParams(keys: readonly ExposureKey[]): unknown[] {
  const columns = toKeyColumns(keys);
  const first = keys[0];
  return [
    columns.keys,
    columns.transmissionRisks,
    columns.intervalNumbers,
    columns.intervalCounts,
    columns.daysSinceOnset,
    keys.map((k) => k.createdAt),
    first?.regions ?? [],
    first?.traveler ?? false,
    first?.reportType ?? '',
    first?.healthAuthorityId ?? null,
  ];
}

/**
 * Session settings for the pool this repository is given in production (publish.component.ts). Every statement
 * here reaches at most a request's keys, by primary key, or the stats row by its key: the only good plan is a nested
 * loop of index probes. With sequential scans and hash and merge joins off, a generic plan is that plan whatever the
 * statistics say (on an empty or freshly bulk-loaded table the planner would otherwise pick a seq scan and keep it),
 * so PostgreSQL may plan the prepared common-case statement once per connection instead of at every publish.
 * Planning that CTE was about 0.2 ms of PostgreSQL CPU per publish (EXPLAIN: 0.19 ms planning, 0.50 ms execution).
 */
export const PUBLISH_STORE_SESSION: Readonly<Record<string, string>> = {
  plan_cache_mode: 'force_generic_plan',
  enable_seqscan: 'off',
  enable_hashjoin: 'off',
  enable_mergejoin: 'off',
};

/** exposure_keys as the publish path writes them: a request's keys inserted or revised, whole or not at all. */
export class PublishKeysRepository {
  constructor(private readonly pool: pg.Pool) {}

  /**
   * Stores one publish whole or not at all. New keys only (the common case): one statement, unless
   * `alwaysPlan` asks for `plan` to decide about new keys too. Otherwise one
   * transaction: one select of the stored keys (locked, so a concurrent revision waits), one multi-row
   * insert and at most one multi-row update. Every key of one publish shares regions, traveler, report
   * type and authority, so those are sent once.
   *
   * The common-case statement is prepared (named): parsing and analysing this CTE was a large share of
   * PostgreSQL's CPU per publish. On a pool with PUBLISH_STORE_SESSION it is also planned once per connection;
   * on the bulk pool (`plan_cache_mode = force_custom_plan`, core/db/database.ts) it is planned at each execution,
   * because a generic plan cached there while the table was small would scan the whole table (measured 18 ms
   * instead of 1 ms per publish until the next ANALYZE).
   */
  async store(
    keys: readonly ExposureKey[],
    plan: PlanWrites,
    options: { alwaysPlan?: boolean; stats?: PublishStatsInput } = {},
  ): Promise<StoreOutcome> {
    if (keys.length === 0) return { inserted: 0, revised: 0 };
    if (options.alwaysPlan) return storeWithRevisions(this.pool, keys, plan, options.stats);
    // The authority's hourly stats ride in the same statement (docs/stats.md): no extra round trip.
    const stats = options.stats;
    const increment = stats ? statsIncrement(stats, 0, 0) : undefined;
    const fast = await this.pool.query<StoredRow>({
      name: 'publish_insert_if_all_new',
      text: INSERT_IF_ALL_NEW,
      values: [
        ...keyParams(keys),
        stats?.healthAuthorityId ?? null,
        stats?.hour ?? null,
        increment?.publish ?? null,
        increment?.oldestTekDays ?? null,
        increment?.onsetAgeDays ?? null,
        increment?.missingOnset ?? null,
        stats ? statsShard() : null,
      ],
    });
    const stored = fast.rows.filter((r) => r.key !== null);
    if (stored.length === 0) {
      return { inserted: fast.rows.find((r) => r.key === null)?.inserted ?? 0, revised: 0 };
    }
    return storeWithRevisions(this.pool, keys, plan, options.stats);
  }
}

async function storeWithRevisions(
  pool: pg.Pool,
  keys: readonly ExposureKey[],
  plan: PlanWrites,
  stats: PublishStatsInput | undefined,
): Promise<StoreOutcome> {
  return inTransaction(pool, async (client) => {
    const existing = await client.query<StoredRow>({ text: STORED_STATE, values: [keys.map((k) => k.key)] });
    const writes = plan(existing.rows.map(toState));
    const inserted = await insertKeys(client, writes.insert);
    const revised = await reviseKeys(client, writes.revise, keys[0]?.regions ?? []);
    if (stats) await addStats(client, stats, statsIncrement(stats, inserted, revised));
    return { inserted, revised };
  });
}

async function addStats(client: pg.PoolClient, stats: PublishStatsInput, increment: StatsIncrement): Promise<void> {
  await client.query({
    text: `insert into health_authority_stats as s (${STATS_COLUMNS}) values ($1, $2, $9, $3, $4, $5, $6, $7, $8)
      ${STATS_ON_CONFLICT}`,
    values: [
      stats.healthAuthorityId,
      stats.hour,
      increment.publish,
      increment.teks,
      increment.revisions,
      increment.oldestTekDays,
      increment.onsetAgeDays,
      increment.missingOnset,
      statsShard(),
    ],
  });
}

async function insertKeys(client: pg.PoolClient, keys: readonly ExposureKey[]): Promise<number> {
  if (keys.length === 0) return 0;
  const result = await client.query({
    text: `insert into exposure_keys (${KEY_COLUMNS}) ${KEY_ROWS} on conflict (key) do nothing`,
    values: keyParams(keys),
  });
  return result.rowCount ?? 0;
}

async function reviseKeys(
  client: pg.PoolClient,
  revisions: readonly KeyRevision[],
  regions: string[],
): Promise<number> {
  if (revisions.length === 0) return 0;
  // A revision also adds the publishing app's regions, so the revised key reaches them too.
  const result = await client.query({
    text: `update exposure_keys e
        set revised_report_type = u.type, revised_at = u.at, revised_days_since_onset = u.dsos,
            revised_transmission_risk = u.tr,
            regions = array(select distinct r from unnest(e.regions || $6::text[]) as r order by r)
       from unnest($1::bytea[], $2::text[], $3::timestamptz[], $4::smallint[], $5::smallint[]) as u(key, type, at, dsos, tr)
      where e.key = u.key and e.revised_at is null`,
    values: [
      revisions.map((r) => r.key),
      revisions.map((r) => r.reportType),
      revisions.map((r) => r.revisedAt),
      revisions.map((r) => r.daysSinceOnset),
      revisions.map((r) => r.transmissionRisk),
      regions,
    ],
  });
  return result.rowCount ?? 0;
}
