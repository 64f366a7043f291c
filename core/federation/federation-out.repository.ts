import type pg from 'pg';
import { regionPredicate } from '../keys/storage/region-predicate';
import { REVISED_VALUES } from '../keys/storage/revised-values';
import { inlineLiterals, type SqlValue } from '../keys/storage/sql-value';
import { CopyOutStream } from '../db/copy-out-stream';
import { parseServedKeyRows, servedRowSelect, type ServedKeyRow } from './served-key-rows';
import type { KeysetPosition } from './fetch-cursor';

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
const STREAMS = {
  primary: {
    column: 'created_at',
    values: servedRowSelect({
      transmissionRisk: 'transmission_risk',
      reportType: 'report_type',
      daysSinceOnset: 'days_since_onset',
      cursorColumn: 'created_at',
    }),
  },
  revised: {
    column: 'revised_at',
    values: servedRowSelect({
      transmissionRisk: REVISED_VALUES.transmissionRisk,
      reportType: REVISED_VALUES.reportType,
      daysSinceOnset: REVISED_VALUES.daysSinceOnset,
      cursorColumn: 'revised_at',
    }),
  },
} as const;

/**
 * One page of a stream strictly after `after`: keyset order on (timestamp, key), closed windows only, the
 * partner's regions (docs/federation.md, "Regions": a key is served when its regions meet the include set, or it
 * is a traveler key, as the reference server does; an excluded region always keeps it out), provenance and origin
 * rules. Values are inlined as literals (`value`), since COPY takes no bind parameters; the cursor's micros and key
 * were validated when it was decoded (fetch-cursor.ts).
 */
function pageQuery(
  stream: keyof typeof STREAMS,
  after: KeysetPosition,
  limit: number,
  filter: KeyFilter,
  value: SqlValue,
): string {
  const { column, values } = STREAMS[stream];
  const regions = regionPredicate(
    { include: filter.include, exclude: filter.exclude, includeTravelers: true, onlyTravelers: filter.onlyTravelers },
    value,
  );
  const provenance = filter.onlyLocalProvenance ? 'and local_provenance' : '';
  const origin =
    filter.excludeOriginQueryId === null
      ? ''
      : `and origin_query_id is distinct from ${value(String(filter.excludeOriginQueryId))}::integer`;
  const afterKey = after.key ? after.key.toString('hex') : '';
  return `
    select ${values}
    from exposure_keys
    where ${column} is not null
      and (${column}, key) > ((timestamptz 'epoch' + ${value(after.micros.toString())}::bigint * interval '1 microsecond'),
                             decode(${value(afterKey)}, 'hex'))
      and ${column} < ${value(filter.closedBefore.toISOString())}::timestamptz and ${regions} ${provenance} ${origin}
    order by ${column}, key
    limit ${value(String(limit))}::integer`;
}

/**
 * Keyset reads over exposure_keys for Federation.Fetch, in (created_at, key) and (revised_at, key) order. A page is
 * read as binary COPY and parsed in place (served-key-rows.ts): cheaper for the node than pg's row objects.
 */
export class FederationOutRepository {
  constructor(private readonly pool: pg.Pool) {}

  /** Up to `limit` primary keys strictly after `after`. */
  async primaryAfter(after: KeysetPosition, limit: number, filter: KeyFilter): Promise<ServedKeyRow[]> {
    return this.readPage((value) => pageQuery('primary', after, limit, filter, value));
  }

  /** Up to `limit` revised keys strictly after `after`. */
  async revisedAfter(after: KeysetPosition, limit: number, filter: KeyFilter): Promise<ServedKeyRow[]> {
    return this.readPage((value) => pageQuery('revised', after, limit, filter, value));
  }

  private async readPage(select: (value: SqlValue) => string): Promise<ServedKeyRow[]> {
    const client = await this.pool.connect();
    let failure: Error | undefined;
    try {
      const text = select(inlineLiterals((literal) => client.escapeLiteral(literal)));
      const chunks: Buffer[] = [];
      for await (const chunk of client.query(new CopyOutStream(`COPY (${text}) TO STDOUT (FORMAT binary)`))) {
        chunks.push(chunk as Buffer);
      }
      return parseServedKeyRows(Buffer.concat(chunks));
    } catch (err) {
      failure = err as Error;
      throw err;
    } finally {
      // A connection left mid-COPY is discarded rather than returned to the pool.
      client.release(failure);
    }
  }
}
