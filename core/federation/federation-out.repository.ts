import type pg from 'pg';
import type { KeysetPosition } from './fetch-cursor';
import type { FederatedKey } from './key-wire';

/** A key row as federation-out reads it; `micros` is the cursor column (created_at or revised_at) exactly. */
export interface ServedKeyRow extends FederatedKey {
  micros: bigint;
}

/** What a page may contain, after authorization. */
export interface KeyFilter {
  include: string[];
  exclude: string[];
  onlyTravelers: boolean;
  onlyLocalProvenance: boolean;
  /** Keys brought by this federation-in query are never served (a partner never gets its own keys back). */
  excludeOriginQueryId: number | null;
  /** The closed-window rule: only keys whose timestamp is before this moment. */
  closedBefore: Date;
}

const EPOCH_PLUS_MICROS = `(timestamptz 'epoch' + $1::bigint * interval '1 microsecond')`;

function filterSql(column: string): string {
  return `
    and ${column} < $4
    -- spec: a key is served when its regions meet the include set, or it is a traveler key (as the reference
    -- server, which always includes travelers); an excluded region always keeps it out.
    and (regions && $5::text[] or traveler)
    and not (regions && $6::text[])
    and ($7::boolean = false or traveler)
    and ($8::boolean = false or local_provenance)
    and ($9::integer is null or origin_query_id is distinct from $9::integer)`;
}

function params(after: KeysetPosition, limit: number, filter: KeyFilter): unknown[] {
  return [
    after.micros.toString(),
    after.key ?? Buffer.alloc(0),
    limit,
    filter.closedBefore,
    filter.include,
    filter.exclude,
    filter.onlyTravelers,
    filter.onlyLocalProvenance,
    filter.excludeOriginQueryId,
  ];
}

const PRIMARY_SQL = `
  select key, transmission_risk, interval_number, interval_count, regions, traveler, report_type,
         days_since_onset, (extract(epoch from created_at) * 1000000)::bigint::text as micros
  from exposure_keys
  where (created_at, key) > (${EPOCH_PLUS_MICROS}, $2::bytea) ${filterSql('created_at')}
  order by created_at, key
  limit $3`;

// Revised keys carry their revised values; fields a revision did not change fall back to the original.
const REVISED_SQL = `
  select key, coalesce(revised_transmission_risk, transmission_risk) as transmission_risk, interval_number,
         interval_count, regions, traveler, revised_report_type as report_type,
         coalesce(revised_days_since_onset, days_since_onset) as days_since_onset,
         (extract(epoch from revised_at) * 1000000)::bigint::text as micros
  from exposure_keys
  where revised_at is not null
    and (revised_at, key) > (${EPOCH_PLUS_MICROS}, $2::bytea) ${filterSql('revised_at')}
  order by revised_at, key
  limit $3`;

interface RawRow {
  key: Buffer;
  transmission_risk: number;
  interval_number: number;
  interval_count: number;
  regions: string[];
  traveler: boolean;
  report_type: string | null;
  days_since_onset: number | null;
  micros: string;
}

function toRow(raw: RawRow): ServedKeyRow {
  return {
    key: raw.key,
    transmissionRisk: raw.transmission_risk,
    intervalNumber: raw.interval_number,
    intervalCount: raw.interval_count,
    regions: raw.regions,
    traveler: raw.traveler,
    reportType: raw.report_type ?? '',
    daysSinceOnset: raw.days_since_onset,
    micros: BigInt(raw.micros),
  };
}

/** Keyset reads over exposure_keys for Federation.Fetch, in (created_at, key) and (revised_at, key) order. */
export class FederationOutRepository {
  constructor(private readonly pool: pg.Pool) {}

  /** Up to `limit` primary keys strictly after `after`. */
  async primaryAfter(after: KeysetPosition, limit: number, filter: KeyFilter): Promise<ServedKeyRow[]> {
    const result = await this.pool.query<RawRow>(PRIMARY_SQL, params(after, limit, filter));
    return result.rows.map(toRow);
  }

  /** Up to `limit` revised keys strictly after `after`. */
  async revisedAfter(after: KeysetPosition, limit: number, filter: KeyFilter): Promise<ServedKeyRow[]> {
    const result = await this.pool.query<RawRow>(REVISED_SQL, params(after, limit, filter));
    return result.rows.map(toRow);
  }
}
