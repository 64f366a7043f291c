import type pg from 'pg';

/** Keys one upstream inserted during one hour (`hour`: epoch hours; null for an upstream without runs). */
export interface HourlyInsertRow {
  name: string;
  hour: number | null;
  inserted: number;
}

/** A partner allowed to call Federation.Fetch on this hub. */
export interface PartnerRow {
  name: string;
  include_regions: string[];
  exclude_regions: string[];
  enabled: boolean;
  /** `certificate` (mTLS fingerprint) or `token` (OIDC issuer and subject). */
  identity: string;
}

/** An upstream whose client certificate the hub presents. */
export interface UpstreamCertRow {
  name: string;
  client_cert_path: string;
}

// One query per kind of source, each grouped by hour from its run table: the run rows already carry the
// inserted counts, so history needs no table of its own. The left join keeps sources without runs.
const HOURLY_SQL = (sources: string, runs: string, fk: string) => `
  select s.name, floor(extract(epoch from r.started_at) / 3600)::float8 as hour,
         coalesce(sum(r.inserted), 0)::int as inserted
    from ${sources} s
    left join ${runs} r on r.${fk} = s.id and r.started_at >= $1
   group by s.name, hour
   order by s.name, hour`;

/** Read-only queries behind the history part of the hub status (run tables, partners, certificate paths). */
export class StatusHistoryRepository {
  constructor(private readonly pool: pg.Pool) {}

  /** Inserted keys per upstream and hour since `since`, by kind of source. */
  async hourlyInserts(since: Date): Promise<{ kind: string; rows: HourlyInsertRow[] }[]> {
    const kinds: [string, string, string, string][] = [
      ['federation', 'federation_in_queries', 'federation_in_runs', 'query_id'],
      ['import', 'imports', 'import_runs', 'import_id'],
      ['covid-alert', 'covid_alert_sources', 'covid_alert_runs', 'source_id'],
    ];
    return Promise.all(
      kinds.map(async ([kind, sources, runs, fk]) => ({
        kind,
        rows: (await this.pool.query<HourlyInsertRow>(HOURLY_SQL(sources, runs, fk), [since])).rows,
      })),
    );
  }

  /** Partner authorizations (Fetch calls are not recorded per call: that would be a write on the hot path). */
  async partners(): Promise<PartnerRow[]> {
    const result = await this.pool.query<PartnerRow>(
      `select name, include_regions, exclude_regions, enabled,
              case when cert_fingerprint is not null then 'certificate' else 'token' end as identity
         from partner_authorizations order by name`,
    );
    return result.rows;
  }

  async upstreamCertificates(): Promise<UpstreamCertRow[]> {
    const result = await this.pool.query<UpstreamCertRow>(
      `select name, client_cert_path from federation_in_queries where client_cert_path is not null order by name`,
    );
    return result.rows;
  }
}
