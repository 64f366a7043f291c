import type pg from 'pg';
import { AlreadyExistsError, NotFoundError } from '../errors/app-error';

/** A caller allowed to use Federation.Fetch (a partner, or the hub on a node). */
export interface PartnerAuthorization {
  id: number;
  name: string;
  /** SHA-256 of the client certificate, for a partner identified by mTLS; null for a token partner. */
  certFingerprint: string | null;
  /** Issuer and subject of the ID token, for a partner identified by a bearer token; null otherwise. */
  tokenIssuer: string | null;
  tokenSubject: string | null;
  /** The audience its tokens must carry; null means the server's FEDERATION_TOKEN_AUDIENCE. */
  tokenAudience: string | null;
  includeRegions: string[];
  excludeRegions: string[];
  enabled: boolean;
  /** The hub's federation-in query that pulls from this same partner (its keys are never served back). */
  originQueryId: number | null;
  createdAt: Date;
}

interface Row {
  id: number;
  name: string;
  cert_fingerprint: string | null;
  token_issuer: string | null;
  token_subject: string | null;
  token_audience: string | null;
  include_regions: string[];
  exclude_regions: string[];
  enabled: boolean;
  origin_query_id: number | null;
  created_at: Date;
}

const COLUMNS =
  'id, name, cert_fingerprint, token_issuer, token_subject, token_audience, include_regions, exclude_regions, enabled, origin_query_id, created_at';

function toAuthorization(row: Row): PartnerAuthorization {
  return {
    id: row.id,
    name: row.name,
    certFingerprint: row.cert_fingerprint,
    tokenIssuer: row.token_issuer,
    tokenSubject: row.token_subject,
    tokenAudience: row.token_audience,
    includeRegions: row.include_regions,
    excludeRegions: row.exclude_regions,
    enabled: row.enabled,
    originQueryId: row.origin_query_id,
    createdAt: row.created_at,
  };
}

/**
 * partner_authorizations. Read on every Fetch call (one indexed lookup per page), so that revoking a partner
 * takes effect on its next call without a restart or a cache to expire.
 */
export class PartnerAuthorizationRepository {
  constructor(private readonly pool: pg.Pool) {}

  /** The enabled authorization for a certificate fingerprint, if any. */
  async findEnabledByFingerprint(fingerprint: string): Promise<PartnerAuthorization | undefined> {
    const result = await this.pool.query<Row>(
      `select ${COLUMNS} from partner_authorizations where cert_fingerprint = $1 and enabled`,
      [fingerprint],
    );
    const row = result.rows[0];
    return row ? toAuthorization(row) : undefined;
  }

  /** The enabled authorization for an ID token's issuer and subject, if any. */
  async findEnabledByToken(issuer: string, subject: string): Promise<PartnerAuthorization | undefined> {
    const result = await this.pool.query<Row>(
      `select ${COLUMNS} from partner_authorizations where token_issuer = $1 and token_subject = $2 and enabled`,
      [issuer, subject],
    );
    const row = result.rows[0];
    return row ? toAuthorization(row) : undefined;
  }

  /**
   * Authorizes the holder of ID tokens from `tokenIssuer` about `tokenSubject`. As with certificates, a revoked
   * row with the same issuer and subject is enabled again with the new settings.
   */
  async addToken(input: {
    name: string;
    tokenIssuer: string;
    tokenSubject: string;
    tokenAudience: string | null;
    includeRegions: string[];
    excludeRegions: string[];
    originQueryId: number | null;
  }): Promise<PartnerAuthorization> {
    try {
      const result = await this.pool.query<Row>(
        `insert into partner_authorizations (name, token_issuer, token_subject, token_audience, include_regions,
           exclude_regions, origin_query_id)
         values ($1, $2, $3, $4, $5, $6, $7)
         on conflict (token_issuer, token_subject) where token_issuer is not null do update
           set name = excluded.name, token_audience = excluded.token_audience,
               include_regions = excluded.include_regions, exclude_regions = excluded.exclude_regions,
               origin_query_id = excluded.origin_query_id, enabled = true
           where not partner_authorizations.enabled
         returning ${COLUMNS}`,
        [
          input.name,
          input.tokenIssuer,
          input.tokenSubject,
          input.tokenAudience,
          input.includeRegions,
          input.excludeRegions,
          input.originQueryId,
        ],
      );
      const row = result.rows[0];
      if (!row) throw new AlreadyExistsError('a partner with this issuer and subject exists', 'partner_exists');
      return toAuthorization(row);
    } catch (err) {
      if ((err as { code?: string }).code === '23505') {
        throw new AlreadyExistsError('a partner with this name or identity exists', 'partner_exists');
      }
      throw err;
    }
  }

  async add(input: {
    name: string;
    certFingerprint: string;
    includeRegions: string[];
    excludeRegions: string[];
    originQueryId: number | null;
  }): Promise<PartnerAuthorization> {
    try {
      // A revoked partner's row keeps its certificate: adding that certificate again re-enables the row with
      // the new settings. An enabled row with the same certificate (or name) is a conflict.
      const result = await this.pool.query<Row>(
        `insert into partner_authorizations (name, cert_fingerprint, include_regions, exclude_regions, origin_query_id)
         values ($1, $2, $3, $4, $5)
         on conflict (cert_fingerprint) do update
           set name = excluded.name, include_regions = excluded.include_regions,
               exclude_regions = excluded.exclude_regions, origin_query_id = excluded.origin_query_id, enabled = true
           where not partner_authorizations.enabled
         returning ${COLUMNS}`,
        [input.name, input.certFingerprint, input.includeRegions, input.excludeRegions, input.originQueryId],
      );
      const row = result.rows[0];
      if (!row) throw new AlreadyExistsError('a partner with this certificate exists', 'partner_exists');
      return toAuthorization(row);
    } catch (err) {
      if ((err as { code?: string }).code === '23505') {
        throw new AlreadyExistsError('a partner with this name or certificate exists', 'partner_exists');
      }
      throw err;
    }
  }

  async list(): Promise<PartnerAuthorization[]> {
    const result = await this.pool.query<Row>(`select ${COLUMNS} from partner_authorizations order by name`);
    return result.rows.map(toAuthorization);
  }

  /** Disables a partner (kept for the record; `add` with the same certificate enables it again). */
  async revoke(name: string): Promise<void> {
    const result = await this.pool.query('update partner_authorizations set enabled = false where name = $1', [name]);
    if (result.rowCount === 0) throw new NotFoundError(`no partner named ${name}`, 'partner_not_found');
  }
}
