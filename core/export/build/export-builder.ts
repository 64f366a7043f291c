import { randomInt } from 'node:crypto';
import type pg from 'pg';
import type { ExportSigningKey } from '../../signing/file-signer';
import type { BlobStore } from '../../blob-store/blob-store';
import { copyRows } from './copy-out-rows';
import type { ExportConfigRecord, ExportWindow } from '../configs/export-config.model';
import { inlineLiterals } from '../../keys/storage/sql-value';
import { EXPORT_READ_SETTINGS, exportRegionRule, primaryKeysSelect, revisedKeysSelect } from './export-keys.query';
import { ROW_SIZE } from '../format/export-row';
import { FileSequence, type BuiltFile } from './file-sequence';
import { padRows } from './padding';
import { KEYS_TAG, REVISED_KEYS_TAG } from '../format/tek-encoder';
import { tracedExportRead } from '../../tracing/export-spans';

/** Tunables of file building (from the export env shape). */
export interface ExportBuildSettings {
  /** Padding target base (EXPORT_FILE_MIN_RECORDS); 0 disables padding. */
  minRecords: number;
  /** Random extra on top of `minRecords`, 0..paddingRange. */
  paddingRange: number;
  compressionLevel: number;
}

export interface ExportBuildDeps {
  pool: pg.Pool;
  blobs: BlobStore;
  settings: ExportBuildSettings;
}

/**
 * Builds the signed zips of one window of one config, streaming: primary keys then revised keys come
 * from PostgreSQL as binary COPY sorted by key bytes, are encoded chunk by chunk, hashed for every signing
 * key and deflated into temporary files renamed into place. Only a window below the padding target is held
 * in memory (at most ~1,100 rows), to sort fake keys in among the real ones.
 * Both queries read one repeatable-read snapshot. Rebuilding a window writes the same file names.
 */
export async function buildExportFiles(
  deps: ExportBuildDeps,
  config: ExportConfigRecord,
  window: ExportWindow,
  signingKeys: readonly ExportSigningKey[],
): Promise<BuiltFile[]> {
  const { settings } = deps;
  const target = settings.minRecords > 0 ? settings.minRecords + randomInt(0, settings.paddingRange + 1) : 0;
  const files = new FileSequence({
    blobs: deps.blobs,
    config,
    window,
    signingKeys,
    compressionLevel: settings.compressionLevel,
  });
  const client = await deps.pool.connect();
  let failure: Error | undefined;
  try {
    await client.query('begin isolation level repeatable read, read only');
    for (const setting of EXPORT_READ_SETTINGS) await client.query(setting);
    // COPY takes no bind parameters: values are inlined as quoted literals.
    const literal = inlineLiterals((text) => client.escapeLiteral(text));
    const rule = exportRegionRule(config);
    const primary = tracedExportRead(
      'keys',
      copyRows(client, primaryKeysSelect(rule, window.start, window.end, literal)),
    );
    const revisedQuery = () =>
      tracedExportRead('revised_keys', copyRows(client, revisedKeysSelect(rule, window.start, window.end, literal)));

    const primaryHead = await readUpTo(primary, target);
    if (!primaryHead.done) {
      // At or above the padding target: stream everything through.
      await emitAll(files, primaryHead.chunks, KEYS_TAG);
      for await (const rows of primary) await files.emit(rows, KEYS_TAG);
      for await (const rows of revisedQuery()) await files.emit(rows, REVISED_KEYS_TAG);
    } else {
      const revised = revisedQuery();
      const revisedHead = await readUpTo(revised, target - primaryHead.rows);
      const primaryRows = Buffer.concat(primaryHead.chunks);
      if (revisedHead.done && primaryHead.rows + revisedHead.rows < target) {
        const revisedRows = Buffer.concat(revisedHead.chunks);
        const real = primaryHead.rows + revisedHead.rows;
        if (real > 0) {
          const padded = padRows(primaryRows, revisedRows, target - real);
          await files.emit(padded.rows, KEYS_TAG, padded.fake);
          await files.emit(revisedRows, REVISED_KEYS_TAG);
        }
      } else {
        await files.emit(primaryRows, KEYS_TAG);
        await emitAll(files, revisedHead.chunks, REVISED_KEYS_TAG);
        for await (const rows of revised) await files.emit(rows, REVISED_KEYS_TAG);
      }
    }
    const built = await files.finish();
    await client.query('commit');
    return built;
  } catch (err) {
    failure = err as Error;
    await files.abort();
    throw err;
  } finally {
    // A connection left mid-COPY is discarded rather than returned to the pool.
    client.release(failure);
  }
}

async function emitAll(files: FileSequence, chunks: Buffer[], tag: number): Promise<void> {
  for (const rows of chunks) await files.emit(rows, tag);
}

/** Reads chunks until at least `wanted` rows are in hand or the stream ends. */
async function readUpTo(
  source: AsyncGenerator<Buffer>,
  wanted: number,
): Promise<{ chunks: Buffer[]; rows: number; done: boolean }> {
  const chunks: Buffer[] = [];
  let rows = 0;
  while (rows < wanted) {
    const next = await source.next();
    if (next.done) return { chunks, rows, done: true };
    chunks.push(next.value);
    rows += next.value.length / ROW_SIZE;
  }
  return { chunks, rows, done: false };
}
