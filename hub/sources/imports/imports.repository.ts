import type pg from 'pg';
import { AlreadyExistsError, NotFoundError } from '../../../core/errors/app-error';

/** One configured import of a remote server's export files (a row of `imports`). */
export interface ExportImport {
  id: number;
  name: string;
  /** URL of the remote index.txt. */
  indexUrl: string;
  /** URL the index's file names are relative to (the reference server's export root). */
  exportRootUrl: string;
  /** The region the imported keys are pooled under. */
  region: string;
  /** Whether the imported keys are traveler keys. */
  traveler: boolean;
  /** Report type given to a key that has none; null leaves it unknown. */
  backfillReportType: 'confirmed' | 'likely' | null;
  /** Days since onset given to a key that has none; null leaves it unknown. */
  backfillDaysSinceOnset: number | null;
  intervalSeconds: number;
  enabled: boolean;
  consecutiveFailures: number;
  nextAttemptAt: Date | null;
}

export type NewExportImport = Omit<ExportImport, 'id' | 'consecutiveFailures' | 'nextAttemptAt'>;

interface Row {
  id: number;
  name: string;
  index_url: string;
  export_root_url: string;
  region: string;
  traveler: boolean;
  backfill_report_type: 'confirmed' | 'likely' | null;
  backfill_days_since_onset: number | null;
  interval_seconds: number;
  enabled: boolean;
  consecutive_failures: number;
  next_attempt_at: Date | null;
}

function toImport(row: Row): ExportImport {
  return {
    id: row.id,
    name: row.name,
    indexUrl: row.index_url,
    exportRootUrl: row.export_root_url,
    region: row.region,
    traveler: row.traveler,
    backfillReportType: row.backfill_report_type,
    backfillDaysSinceOnset: row.backfill_days_since_onset,
    intervalSeconds: row.interval_seconds,
    enabled: row.enabled,
    consecutiveFailures: row.consecutive_failures,
    nextAttemptAt: row.next_attempt_at,
  };
}

/** Advisory-lock namespace of import runs (first key of the two-int lock); the second key is the import id. */
const IMPORT_LOCK_SPACE = 0x656e69; // "eni"

/** `imports`: the configured imports and their run-level backoff. */
export class ImportRepository {
  constructor(private readonly pool: pg.Pool | pg.ClientBase) {}

  async list(): Promise<ExportImport[]> {
    return (await this.pool.query<Row>('select * from imports order by name')).rows.map(toImport);
  }

  async get(id: number, client: pg.ClientBase | pg.Pool = this.pool): Promise<ExportImport | undefined> {
    const row = (await client.query<Row>('select * from imports where id = $1', [id])).rows[0];
    return row ? toImport(row) : undefined;
  }

  async findByName(name: string): Promise<ExportImport | undefined> {
    const row = (await this.pool.query<Row>('select * from imports where name = $1', [name])).rows[0];
    return row ? toImport(row) : undefined;
  }

  async add(i: NewExportImport): Promise<ExportImport> {
    try {
      const result = await this.pool.query<Row>(
        `insert into imports (name, index_url, export_root_url, region, traveler, backfill_report_type,
           backfill_days_since_onset, interval_seconds, enabled) values ($1, $2, $3, $4, $5, $6, $7, $8, $9) returning *`,
        [
          i.name,
          i.indexUrl,
          i.exportRootUrl,
          i.region,
          i.traveler,
          i.backfillReportType,
          i.backfillDaysSinceOnset,
          i.intervalSeconds,
          i.enabled,
        ],
      );
      return toImport(result.rows[0] as Row);
    } catch (err) {
      if ((err as { code?: string }).code === '23505')
        throw new AlreadyExistsError(`import ${i.name} exists`, 'import_exists');
      throw err;
    }
  }

  /** Removes an import with its keys, ledger and runs; the keys it pooled stay in the pool. */
  async remove(name: string): Promise<void> {
    const result = await this.pool.query('delete from imports where name = $1', [name]);
    if (result.rowCount === 0) throw new NotFoundError(`no import named ${name}`, 'import_not_found');
  }

  /**
   * Takes the run lock of an import on `client`'s session without waiting; held for the whole run and released by
   * `unlock` (or by PostgreSQL when the session dies), so two runs of one import never overlap anywhere.
   */
  async tryLock(client: pg.ClientBase, importId: number): Promise<boolean> {
    const result = await client.query<{ locked: boolean }>('select pg_try_advisory_lock($1, $2) as locked', [
      IMPORT_LOCK_SPACE,
      importId,
    ]);
    return result.rows[0]?.locked === true;
  }

  async unlock(client: pg.ClientBase, importId: number): Promise<void> {
    await client.query('select pg_advisory_unlock($1, $2)', [IMPORT_LOCK_SPACE, importId]);
  }

  async recordSuccess(client: pg.ClientBase, importId: number): Promise<void> {
    await client.query('update imports set consecutive_failures = 0, next_attempt_at = null where id = $1', [importId]);
  }

  /** Counts a run-level failure (index unreadable); `retryAt` turns the new count into the next attempt. */
  async recordFailure(client: pg.ClientBase, importId: number, retryAt: (failures: number) => Date): Promise<Date> {
    const result = await client.query<{ consecutive_failures: number }>(
      'update imports set consecutive_failures = consecutive_failures + 1 where id = $1 returning consecutive_failures',
      [importId],
    );
    const at = retryAt(result.rows[0]?.consecutive_failures ?? 1);
    await client.query('update imports set next_attempt_at = $2 where id = $1', [importId, at]);
    return at;
  }
}
