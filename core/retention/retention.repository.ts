import type pg from 'pg';

/** An export file whose window fell out of retention, with its config (whose index must drop it). */
export interface ExpiredFile {
  filename: string;
  configId: number;
  root: string;
}

/** What retention deletes: keys by arrival time, export files by window end. */
export class RetentionRepository {
  constructor(private readonly pool: pg.Pool) {}

  /** Deletes up to `limit` keys that arrived before `cutoff`; returns how many. */
  async deleteKeysBefore(cutoff: Date, limit: number): Promise<number> {
    const result = await this.pool.query(
      `delete from exposure_keys where key in (select key from exposure_keys where created_at < $1 limit $2)`,
      [cutoff, limit],
    );
    return result.rowCount ?? 0;
  }

  /** Every export config's id and root (whose folders retention sweeps). */
  async configRoots(): Promise<Array<{ id: number; root: string }>> {
    const result = await this.pool.query<{ id: number; root: string }>(
      'select id, root from export_configs order by id',
    );
    return result.rows;
  }

  /** Which of `filenames` an export_files row still names. */
  async recordedFiles(filenames: string[]): Promise<Set<string>> {
    const result = await this.pool.query<{ filename: string }>(
      'select filename from export_files where filename = any($1::text[])',
      [filenames],
    );
    return new Set(result.rows.map((r) => r.filename));
  }

  /** Window ends (Unix seconds) of a config's batches that a worker is building now (their files are not recorded yet). */
  async windowsBeingBuilt(configId: number): Promise<Set<number>> {
    const result = await this.pool.query<{ end: string }>(
      `select extract(epoch from end_at)::bigint as end from export_batches where config_id = $1 and status = 'processing'`,
      [configId],
    );
    return new Set(result.rows.map((r) => Number(r.end)));
  }

  /** Deletes the rows of export files whose window ended at or before `cutoff` (one statement); returns them. */
  async deleteFilesEndedBy(cutoff: Date): Promise<ExpiredFile[]> {
    const result = await this.pool.query<ExpiredFile>(
      `delete from export_files f using export_batches b, export_configs c
       where b.id = f.batch_id and c.id = f.config_id and b.end_at <= $1
       returning f.filename, f.config_id as "configId", c.root`,
      [cutoff],
    );
    return result.rows;
  }
}
