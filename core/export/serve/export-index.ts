import type pg from 'pg';
import { inTransaction } from '../../db/transaction';
import type { FileBlobStore } from '../../blob-store/file-blob-store';
import { indexName } from '../configs/export-config.model';

/**
 * Rewrites `<root>/index.txt`: every live file of the config, oldest window first (then file number),
 * one per line, no trailing newline. The read and the atomic write happen under a transaction-scoped
 * advisory lock per config, so two writers (workers finishing different batches, cleanup) cannot leave an
 * older listing in place after a newer one.
 */
export async function rewriteIndex(
  pool: pg.Pool,
  blobs: FileBlobStore,
  config: { id: number; root: string },
): Promise<string[]> {
  return inTransaction(pool, async (client) => {
    await client.query(`select pg_advisory_xact_lock(hashtext('enfed.export_index'), $1)`, [config.id]);
    const result = await client.query<{ filename: string }>(
      `select f.filename from export_files f join export_batches b on b.id = f.batch_id
       where f.config_id = $1 order by b.start_at, f.file_number`,
      [config.id],
    );
    const names = result.rows.map((r) => r.filename);
    await blobs.writeAtomic(indexName(config.root), names.join('\n'));
    return names;
  });
}
