import type pg from 'pg';
import type { SecretSealer } from '../../../core/secrets/secret-sealer';

/** A COVID Shield / COVID Alert server the hub pulls through its retrieve API (covid_alert_sources). */
export interface CovidAlertSource {
  id: number;
  name: string;
  /** Where `/retrieve/…` is appended, e.g. https://retrieval.example.ca */
  baseUrl: string;
  /** The region in the URL and in the MAC: three digits (the reference serves its MCC, 302 for Canada). */
  retrieveRegion: string;
  /** The region code the pooled keys are filed under (e.g. CA). */
  region: string;
  /** SPKI PEM of the P-256 key the server signs its files with. */
  publicKeyPem: string;
  intervalSeconds: number;
  enabled: boolean;
  consecutiveFailures: number;
  nextAttemptAt: Date | null;
  createdAt: Date;
}

/** What `add` needs; the retrieve key in bytes (it is sealed before it is stored). */
export interface NewCovidAlertSource {
  name: string;
  baseUrl: string;
  retrieveRegion: string;
  region: string;
  retrieveKey: Buffer;
  publicKeyPem: string;
  intervalSeconds: number;
}

interface Row {
  id: number;
  name: string;
  base_url: string;
  retrieve_region: string;
  region: string;
  public_key_pem: string;
  interval_seconds: number;
  enabled: boolean;
  consecutive_failures: number;
  next_attempt_at: Date | null;
  created_at: Date;
}

const COLUMNS = `id, name, base_url, retrieve_region, region, public_key_pem, interval_seconds, enabled,
  consecutive_failures, next_attempt_at, created_at`;

/** Advisory-lock namespace of COVID Alert pulls (first key of the two-int lock); the second is the source id. */
const LOCK_SPACE = 0x636131; // "ca1"

function fromRow(row: Row): CovidAlertSource {
  return {
    id: row.id,
    name: row.name,
    baseUrl: row.base_url,
    retrieveRegion: row.retrieve_region,
    region: row.region,
    publicKeyPem: row.public_key_pem,
    intervalSeconds: row.interval_seconds,
    enabled: row.enabled,
    consecutiveFailures: row.consecutive_failures,
    nextAttemptAt: row.next_attempt_at,
    createdAt: row.created_at,
  };
}

/**
 * covid_alert_sources. The retrieve key is sealed on the way in and opened only by `retrieveKey`, for the pull:
 * no listing ever returns it.
 */
export class CovidAlertSourceRepository {
  constructor(
    private readonly db: pg.Pool | pg.ClientBase,
    private readonly sealer: SecretSealer,
  ) {}

  /** Adds a source; undefined when the name is taken. */
  async add(source: NewCovidAlertSource): Promise<CovidAlertSource | undefined> {
    const sealed = await this.sealer.seal(source.retrieveKey);
    const result = await this.db.query<Row>(
      `insert into covid_alert_sources (name, base_url, retrieve_region, region, retrieve_key_sealed, public_key_pem,
         interval_seconds) values ($1, $2, $3, $4, $5, $6, $7) on conflict (name) do nothing returning ${COLUMNS}`,
      [
        source.name,
        source.baseUrl,
        source.retrieveRegion,
        source.region,
        sealed,
        source.publicKeyPem,
        source.intervalSeconds,
      ],
    );
    return result.rows[0] ? fromRow(result.rows[0]) : undefined;
  }

  async list(): Promise<CovidAlertSource[]> {
    return (await this.db.query<Row>(`select ${COLUMNS} from covid_alert_sources order by name`)).rows.map(fromRow);
  }

  async get(id: number): Promise<CovidAlertSource | undefined> {
    const result = await this.db.query<Row>(`select ${COLUMNS} from covid_alert_sources where id = $1`, [id]);
    return result.rows[0] ? fromRow(result.rows[0]) : undefined;
  }

  /** Removes a source with its ledger and runs; its pooled keys stay (they expire with the others). */
  async remove(name: string): Promise<boolean> {
    return ((await this.db.query('delete from covid_alert_sources where name = $1', [name])).rowCount ?? 0) > 0;
  }

  /** The retrieve key, opened; only the pull asks for it. */
  async retrieveKey(id: number): Promise<Buffer> {
    const result = await this.db.query<{ sealed: Buffer }>(
      'select retrieve_key_sealed as sealed from covid_alert_sources where id = $1',
      [id],
    );
    const row = result.rows[0];
    if (!row) throw new Error(`covid alert source ${id} is gone`);
    return this.sealer.open(row.sealed);
  }

  /**
   * Takes the source's session-level advisory lock without waiting: held for a whole pull and released by
   * `unlock` (or by PostgreSQL when the session dies), so two pulls of one source never overlap.
   */
  async tryLock(client: pg.ClientBase, id: number): Promise<boolean> {
    const result = await client.query<{ locked: boolean }>('select pg_try_advisory_lock($1, $2) as locked', [
      LOCK_SPACE,
      id,
    ]);
    return result.rows[0]?.locked === true;
  }

  async unlock(client: pg.ClientBase, id: number): Promise<void> {
    await client.query('select pg_advisory_unlock($1, $2)', [LOCK_SPACE, id]);
  }

  async recordSuccess(client: pg.ClientBase, id: number): Promise<void> {
    await client.query(
      'update covid_alert_sources set consecutive_failures = 0, next_attempt_at = null where id = $1',
      [id],
    );
  }

  /** Counts a failure; `retryAt` gets the new count and says when the next pull may try again. */
  async recordFailure(client: pg.ClientBase, id: number, retryAt: (failures: number) => Date): Promise<void> {
    const result = await client.query<{ failures: number }>(
      `update covid_alert_sources set consecutive_failures = consecutive_failures + 1 where id = $1
       returning consecutive_failures as failures`,
      [id],
    );
    await client.query('update covid_alert_sources set next_attempt_at = $2 where id = $1', [
      id,
      retryAt(result.rows[0]?.failures ?? 1),
    ]);
  }
}
