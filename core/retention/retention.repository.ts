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
