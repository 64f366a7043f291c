import type pg from 'pg';
import { inTransaction } from '../../db/transaction';
import type { BuiltFile } from '../build/file-sequence';

/** A claimed batch: the lease timestamp doubles as the claim's token (see `complete`). */
export interface ClaimedBatch {
  id: number;
  configId: number;
  startAt: Date;
  endAt: Date;
  leaseExpiresAt: Date;
}

/** Queries of `export_batches` and the `export_files` a batch records. */
export class ExportBatchRepository {
  constructor(private readonly pool: pg.Pool) {}

  /** Latest window end of a config, if it has batches. */
  async lastEnd(configId: number): Promise<Date | undefined> {
    const result = await this.pool.query<{ end: Date | null }>(
      'select max(end_at) as "end" from export_batches where config_id = $1',
      [configId],
    );
    return result.rows[0]?.end ?? undefined;
  }

  /** Oldest arrival or revision time at or after `from`, if any key has one. */
  async oldestKeyTime(from: Date): Promise<Date | undefined> {
    const result = await this.pool.query<{ at: Date | null }>(
      `select least((select min(created_at) from exposure_keys where created_at >= $1),
                    (select min(revised_at) from exposure_keys where revised_at >= $1)) as at`,
      [from],
    );
    return result.rows[0]?.at ?? undefined;
  }

  /**
   * Creates open batches for the windows starting at `firstStart`, `firstStart + period`, … up to and
   * including `lastStart`, in one statement. Existing windows are left alone (`on conflict do nothing`),
   * so schedulers running at once on several replicas agree.
   */
  async createWindows(configId: number, firstStart: Date, lastStart: Date, periodSeconds: number): Promise<number> {
    const result = await this.pool.query(
      `insert into export_batches (config_id, start_at, end_at, status)
       select $1, s, s + make_interval(secs => $4), 'open'
       from generate_series($2::timestamptz, $3::timestamptz, make_interval(secs => $4)) as s
       on conflict (config_id, start_at) do nothing`,
      [configId, firstStart, lastStart, periodSeconds],
    );
    return result.rowCount ?? 0;
  }

  /**
   * Claims one batch to build: an open one, or one whose worker's lease has expired (it crashed or hung).
   * `for update skip locked` makes concurrent workers pick different batches without waiting.
   */
  async claim(leaseSeconds: number): Promise<ClaimedBatch | undefined> {
    const result = await this.pool.query<ClaimedBatch>(
      `update export_batches
       set status = 'processing',
           -- Milliseconds, so the value round-trips through a JS Date exactly and can serve as the claim token.
           lease_expires_at = date_trunc('milliseconds', clock_timestamp() + make_interval(secs => $1))
       where id = (
         select id from export_batches
         where status = 'open' or (status = 'processing' and lease_expires_at < clock_timestamp())
         order by start_at, id
         limit 1
         for update skip locked)
       returning id, config_id as "configId", start_at as "startAt", end_at as "endAt", lease_expires_at as "leaseExpiresAt"`,
      [leaseSeconds],
    );
    return result.rows[0];
  }

  /** Gives a claimed batch back (e.g. no signing key yet), so it is built later. */
  async release(batch: ClaimedBatch): Promise<void> {
    await this.pool.query(
      `update export_batches set status = 'open', lease_expires_at = null
       where id = $1 and status = 'processing' and lease_expires_at = $2`,
      [batch.id, batch.leaseExpiresAt],
    );
  }

  /**
   * Marks the batch complete and records its files, in one transaction. Only the holder of the current
   * claim can complete it: the lease timestamp it was given must still be the row's (a worker whose lease
   * expired and was re-claimed by another finds it changed and records nothing). Returns false then.
   */
  async complete(batch: ClaimedBatch, files: BuiltFile[]): Promise<boolean> {
    return inTransaction(this.pool, async (client) => {
      const updated = await client.query(
        `update export_batches set status = 'complete', lease_expires_at = null
         where id = $1 and status = 'processing' and lease_expires_at = $2`,
        [batch.id, batch.leaseExpiresAt],
      );
      // Not our claim: the update matched no row, so committing changes nothing.
      if (updated.rowCount !== 1) return false;
      await client.query('delete from export_files where batch_id = $1', [batch.id]);
      if (files.length > 0) {
        await client.query(
          `insert into export_files (batch_id, config_id, filename, file_number, key_count, revised_count)
           select $1, $2, f, n, k, r from unnest($3::text[], $4::int[], $5::int[], $6::int[]) as t(f, n, k, r)`,
          [
            batch.id,
            batch.configId,
            files.map((f) => f.name),
            files.map((f) => f.fileNumber),
            files.map((f) => f.keyCount),
            files.map((f) => f.revisedCount),
          ],
        );
      }
      return true;
    });
  }
}
