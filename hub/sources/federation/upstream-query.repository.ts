import type pg from 'pg';
import { AlreadyExistsError, NotFoundError } from '../../../core/errors/app-error';
import type { BearerTokenConfig } from '../../../core/federation/oidc/token-source';

/** 'node': one of our own nodes (its keys count as local provenance at the hub); 'partner': another hub. */
export type UpstreamKind = 'node' | 'partner';

/** One upstream the hub pulls (a row of federation_in_queries). */
export interface UpstreamQuery {
  id: number;
  name: string;
  address: string;
  serverName: string | null;
  caCertPath: string;
  /** The hub's client certificate and key for this upstream; both null when it takes only a bearer token. */
  clientCertPath: string | null;
  clientKeyPath: string | null;
  /** The bearer ID token sent with each call (servers running the reference implementation); null: none. */
  bearer: BearerTokenConfig | null;
  includeRegions: string[];
  excludeRegions: string[];
  onlyLocalProvenance: boolean;
  onlyTravelers: boolean;
  intervalSeconds: number;
  upstreamKind: UpstreamKind;
  keyCursor: { timestamp: number; nextToken: string };
  revisedKeyCursor: { timestamp: number; nextToken: string };
  consecutiveFailures: number;
  nextAttemptAt: Date | null;
}

export type NewUpstreamQuery = Omit<
  UpstreamQuery,
  'id' | 'keyCursor' | 'revisedKeyCursor' | 'consecutiveFailures' | 'nextAttemptAt' | 'bearer'
> & { bearer?: BearerTokenConfig | null };

interface Row {
  id: number;
  name: string;
  address: string;
  server_name: string | null;
  ca_cert_path: string;
  client_cert_path: string | null;
  client_key_path: string | null;
  token_file_path: string | null;
  token_key_path: string | null;
  token_issuer: string | null;
  token_subject: string | null;
  token_audience: string | null;
  token_key_id: string | null;
  include_regions: string[];
  exclude_regions: string[];
  only_local_provenance: boolean;
  only_travelers: boolean;
  interval_seconds: number;
  upstream_kind: UpstreamKind;
  key_cursor_timestamp: number;
  key_cursor_token: string;
  revised_cursor_timestamp: number;
  revised_cursor_token: string;
  consecutive_failures: number;
  next_attempt_at: Date | null;
}

function toQuery(row: Row): UpstreamQuery {
  return {
    id: row.id,
    name: row.name,
    address: row.address,
    serverName: row.server_name,
    caCertPath: row.ca_cert_path,
    clientCertPath: row.client_cert_path,
    clientKeyPath: row.client_key_path,
    bearer: bearerOf(row),
    includeRegions: row.include_regions,
    excludeRegions: row.exclude_regions,
    onlyLocalProvenance: row.only_local_provenance,
    onlyTravelers: row.only_travelers,
    intervalSeconds: row.interval_seconds,
    upstreamKind: row.upstream_kind,
    keyCursor: { timestamp: Number(row.key_cursor_timestamp), nextToken: row.key_cursor_token },
    revisedKeyCursor: { timestamp: Number(row.revised_cursor_timestamp), nextToken: row.revised_cursor_token },
    consecutiveFailures: row.consecutive_failures,
    nextAttemptAt: row.next_attempt_at,
  };
}

function bearerOf(row: Row): BearerTokenConfig | null {
  if (row.token_file_path !== null) return { kind: 'file', path: row.token_file_path };
  if (row.token_key_path === null) return null;
  return {
    kind: 'minted',
    keyPath: row.token_key_path,
    issuer: row.token_issuer ?? '',
    subject: row.token_subject ?? row.token_issuer ?? '',
    audience: row.token_audience ?? '',
    keyId: row.token_key_id,
  };
}

/** The token columns of a bearer setting, in insert order. */
function bearerColumns(bearer: BearerTokenConfig | null | undefined): (string | null)[] {
  if (!bearer) return [null, null, null, null, null, null];
  if (bearer.kind === 'file') return [bearer.path, null, null, null, null, null];
  return [null, bearer.keyPath, bearer.issuer, bearer.subject, bearer.audience, bearer.keyId];
}

/** Advisory-lock namespace of pulls (first key of the two-int lock); the second key is the query id. */
const PULL_LOCK_SPACE = 0x656e66; // "enf"

/** federation_in_queries: the upstreams, their committed cursors and their backoff state. */
export class UpstreamQueryRepository {
  constructor(private readonly pool: pg.Pool) {}

  async list(): Promise<UpstreamQuery[]> {
    const result = await this.pool.query<Row>('select * from federation_in_queries order by name');
    return result.rows.map(toQuery);
  }

  async get(id: number, client: pg.ClientBase | pg.Pool = this.pool): Promise<UpstreamQuery | undefined> {
    const result = await client.query<Row>('select * from federation_in_queries where id = $1', [id]);
    const row = result.rows[0];
    return row ? toQuery(row) : undefined;
  }

  async findByName(name: string): Promise<UpstreamQuery | undefined> {
    const result = await this.pool.query<Row>('select * from federation_in_queries where name = $1', [name]);
    const row = result.rows[0];
    return row ? toQuery(row) : undefined;
  }

  async add(q: NewUpstreamQuery): Promise<UpstreamQuery> {
    try {
      const result = await this.pool.query<Row>(
        `insert into federation_in_queries (name, address, server_name, ca_cert_path, client_cert_path,
           client_key_path, include_regions, exclude_regions, only_local_provenance, only_travelers,
           interval_seconds, upstream_kind, token_file_path, token_key_path, token_issuer, token_subject,
           token_audience, token_key_id)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) returning *`,
        [
          q.name,
          q.address,
          q.serverName,
          q.caCertPath,
          q.clientCertPath,
          q.clientKeyPath,
          q.includeRegions,
          q.excludeRegions,
          q.onlyLocalProvenance,
          q.onlyTravelers,
          q.intervalSeconds,
          q.upstreamKind,
          ...bearerColumns(q.bearer),
        ],
      );
      return toQuery(result.rows[0] as Row);
    } catch (err) {
      if ((err as { code?: string }).code === '23505')
        throw new AlreadyExistsError(`upstream ${q.name} exists`, 'upstream_exists');
      throw err;
    }
  }

  async remove(name: string): Promise<void> {
    const result = await this.pool.query('delete from federation_in_queries where name = $1', [name]);
    if (result.rowCount === 0) throw new NotFoundError(`no upstream named ${name}`, 'upstream_not_found');
  }

  /**
   * Takes the pull lock of a query on `client`'s session, without waiting. Held for the whole pull and released
   * by `unlock` (or by PostgreSQL when the session dies), so two pulls of one upstream never overlap, whichever
   * worker or process runs them.
   */
  async tryLock(client: pg.ClientBase, queryId: number): Promise<boolean> {
    const result = await client.query<{ locked: boolean }>('select pg_try_advisory_lock($1, $2) as locked', [
      PULL_LOCK_SPACE,
      queryId,
    ]);
    return result.rows[0]?.locked === true;
  }

  async unlock(client: pg.ClientBase, queryId: number): Promise<void> {
    await client.query('select pg_advisory_unlock($1, $2)', [PULL_LOCK_SPACE, queryId]);
  }

  /** Commits the cursors reached by a page; runs inside the page's transaction. */
  async saveCursors(
    client: pg.ClientBase,
    queryId: number,
    keyCursor: { timestamp: number; nextToken: string },
    revisedKeyCursor: { timestamp: number; nextToken: string },
  ): Promise<void> {
    await client.query(
      `update federation_in_queries set key_cursor_timestamp = $2, key_cursor_token = $3,
         revised_cursor_timestamp = $4, revised_cursor_token = $5 where id = $1`,
      [queryId, keyCursor.timestamp, keyCursor.nextToken, revisedKeyCursor.timestamp, revisedKeyCursor.nextToken],
    );
  }

  /** On the pull's session (see `tryLock`). */
  async recordSuccess(client: pg.ClientBase, queryId: number): Promise<void> {
    await client.query(
      'update federation_in_queries set consecutive_failures = 0, next_attempt_at = null where id = $1',
      [queryId],
    );
  }

  /** Counts a failure and returns the new count; `retryAt` is when the next pull may try again. On the pull's session. */
  async recordFailure(client: pg.ClientBase, queryId: number, retryAt: (failures: number) => Date): Promise<number> {
    const result = await client.query<{ consecutive_failures: number }>(
      'update federation_in_queries set consecutive_failures = consecutive_failures + 1 where id = $1 returning consecutive_failures',
      [queryId],
    );
    const failures = result.rows[0]?.consecutive_failures ?? 1;
    await client.query('update federation_in_queries set next_attempt_at = $2 where id = $1', [
      queryId,
      retryAt(failures),
    ]);
    return failures;
  }
}
