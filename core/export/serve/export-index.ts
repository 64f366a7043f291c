import type pg from 'pg';
import { inTransaction } from '../../db/transaction';
import type { BlobStore } from '../../blob-store/blob-store';
import { INDEX_HEADERS } from '../format/export-cache-headers';
import { indexName } from '../configs/export-config.model';

/**
 * Rewrites `<root>/index.txt`: every live file of the config, oldest window first (then file number),
 * one per line, no trailing newline. The read and the atomic write happen under a transaction-scoped
 * advisory lock per config, so two writers (workers finishing different batches, cleanup) cannot leave an
 * older listing in place after a newer one.
 */
export async function rewriteIndex(
  pool: pg.Pool,
  blobs: BlobStore,
  config: { id: number; root: string },
): Promise<string[]> {
  return (await writeIndex(pool, blobs, config, false)).names;
}

/** The body of rewriteIndex; with `onlyIfChanged`, an index that already lists exactly these files is left alone. */
async function writeIndex(
  pool: pg.Pool,
  blobs: BlobStore,
  config: { id: number; root: string },
  onlyIfChanged: boolean,
): Promise<{ names: string[]; written: boolean }> {
  return inTransaction(pool, async (client) => {
    await client.query(`select pg_advisory_xact_lock(hashtext('enfed.export_index'), $1)`, [config.id]);
    const result = await client.query<{ filename: string }>(
      `select f.filename from export_files f join export_batches b on b.id = f.batch_id
       where f.config_id = $1 order by b.start_at, f.file_number`,
      [config.id],
    );
    const names = result.rows.map((r) => r.filename);
    const body = names.join('\n');
    if (onlyIfChanged && (await blobs.read(indexName(config.root)))?.toString('utf8') === body) {
      return { names, written: false };
    }
    await blobs.writeAtomic(indexName(config.root), body, INDEX_HEADERS);
    return { names, written: true };
  });
}

/**
 * Writes the index of every config that has none yet (a new config: an empty listing), so that its URL answers
 * 200 with an empty body from the start rather than 404 until the first file exists, and of every config whose
 * index does not list exactly its files (a rewrite that failed after its batch completed, e.g. while an object
 * store was unreachable). Runs at start-up and on every scheduler tick. Returns the roots written.
 */
export async function writeMissingIndexes(
  pool: pg.Pool,
  blobs: BlobStore,
  configs: Array<{ id: number; root: string }>,
): Promise<string[]> {
  const written: string[] = [];
  for (const config of configs) {
    if ((await writeIndex(pool, blobs, config, true)).written) written.push(config.root);
  }
  return written;
}
