import type pg from 'pg';
import { regionPredicate } from '../keys/storage/region-predicate';
import { REVISED_VALUES } from '../keys/storage/revised-values';
import { bindParams } from '../keys/storage/sql-value';
import type { KeysetPosition } from './fetch-cursor';
import type { FederatedKey } from './key-wire';

/**
 * A key row as federation-out reads it; `micros` is the cursor column (created_at or revised_at) exactly, as
 * decimal microseconds since the epoch (text: only a page's last row becomes a cursor, so only it is parsed).
 */
export interface ServedKeyRow extends FederatedKey {
  micros: string;
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

/** The two streams a partner reads: primary keys by arrival, revised keys by revision, each with its values. */
// Columns are named as ServedKeyRow's fields, so that pg's row objects are the rows served (no copy per key).
const STREAMS = {
  primary: {
    column: 'created_at',
    values: `transmission_risk as "transmissionRisk", interval_number as "intervalNumber",
      interval_count as "intervalCount", regions, traveler, coalesce(report_type, '') as "reportType",
      days_since_onset as "daysSinceOnset"`,
  },
  revised: {
    column: 'revised_at',
    values: `${REVISED_VALUES.transmissionRisk} as "transmissionRisk", interval_number as "intervalNumber",
      interval_count as "intervalCount", regions, traveler, coalesce(${REVISED_VALUES.reportType}, '') as "reportType",
      ${REVISED_VALUES.daysSinceOnset} as "daysSinceOnset"`,
  },
} as const;

/**
 * One page of a stream strictly after `after`: keyset order on (timestamp, key), closed windows only, the
 * partner's regions (docs/federation.md, "Regions": a key is served when its regions meet the include set, or it
 * is a traveler key, as the reference server does; an excluded region always keeps it out), provenance and origin
 * rules.
 */
function pageQuery(stream: keyof typeof STREAMS, after: KeysetPosition, limit: number, filter: KeyFilter) {
  const { column, values } = STREAMS[stream];
  const params: unknown[] = [after.micros.toString(), after.key ?? Buffer.alloc(0), limit, filter.closedBefore];
  const value = bindParams(params);
  const regions = regionPredicate(
    { include: filter.include, exclude: filter.exclude, includeTravelers: true, onlyTravelers: filter.onlyTravelers },
    value,
  );
  const provenance = filter.onlyLocalProvenance ? 'and local_provenance' : '';
  params.push(filter.excludeOriginQueryId);
  const origin = `and ($${params.length}::integer is null or origin_query_id is distinct from $${params.length}::integer)`;
  const text = `
    select key, ${values}, (extract(epoch from ${column}) * 1000000)::bigint::text as micros
    from exposure_keys
    where ${column} is not null
      and (${column}, key) > ((timestamptz 'epoch' + $1::bigint * interval '1 microsecond'), $2::bytea)
      and ${column} < $4 and ${regions} ${provenance} ${origin}
    order by ${column}, key
    limit $3`;
  return { text, values: params };
}

/** Keyset reads over exposure_keys for Federation.Fetch, in (created_at, key) and (revised_at, key) order. */
export class FederationOutRepository {
  constructor(private readonly pool: pg.Pool) {}

  /** Up to `limit` primary keys strictly after `after`. */
  async primaryAfter(after: KeysetPosition, limit: number, filter: KeyFilter): Promise<ServedKeyRow[]> {
    return (await this.pool.query<ServedKeyRow>(pageQuery('primary', after, limit, filter))).rows;
  }

  /** Up to `limit` revised keys strictly after `after`. */
  async revisedAfter(after: KeysetPosition, limit: number, filter: KeyFilter): Promise<ServedKeyRow[]> {
    return (await this.pool.query<ServedKeyRow>(pageQuery('revised', after, limit, filter))).rows;
  }
}
