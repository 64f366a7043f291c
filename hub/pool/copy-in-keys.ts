import type pg from 'pg';
import { finished } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';
import type { KeyColumns } from '../../core/keys/storage/key-columns';
import type { KeyOrigin } from './key-origin';

const COPY_SQL = `copy exposure_keys (key, transmission_risk, interval_number, interval_count, regions, traveler,
  report_type, days_since_onset, created_at, local_provenance, origin_query_id, origin_import_id) from stdin`;

/**
 * The COPY text of `columns` with `origin`, ready to send: built apart from the COPY so that a source can build
 * the next page's rows while the previous page's COPY is still running. Every value is safe for COPY text:
 * validated numbers, hex bytes, report types from a fixed set and region codes limited to [A-Z0-9_-].
 */
export function encodeCopyRows(columns: KeyColumns, origin: KeyOrigin): Buffer {
  const createdAt = origin.arrivedAt.toISOString();
  const nullable = (id: number | null | undefined) => (id === null || id === undefined ? '\\N' : String(id));
  const tail = `\t${createdAt}\t${origin.localProvenance ? 't' : 'f'}\t${nullable(origin.originQueryId)}\t${nullable(origin.originImportId)}\n`;
  // One string per page, not one per row: a page of 10,000 rows is about 1.5 MB of text.
  let text = '';
  for (let i = 0; i < columns.keys.length; i += 1) {
    const csv = columns.regions[i] as string;
    // A traveler key may have no region: '' is an empty array, not one empty string.
    const regions = csv === '' ? '' : `"${csv.replaceAll(',', '","')}"`;
    const days = columns.daysSinceOnset[i];
    text +=
      `\\\\x${(columns.keys[i] as Buffer).toString('hex')}\t${columns.transmissionRisks[i]}\t${columns.intervalNumbers[i]}\t` +
      `${columns.intervalCounts[i]}\t{${regions}}\t${columns.travelers[i] ? 't' : 'f'}\t${columns.reportTypes[i]}\t` +
      `${days === null || days === undefined ? '\\N' : days}${tail}`;
  }
  return Buffer.from(text, 'latin1');
}

/**
 * Writes new keys with COPY (text format), the fastest way PostgreSQL takes rows. Only for keys known not to be
 * stored yet: a key stored concurrently by another pull makes the COPY fail with a unique violation, and the
 * caller falls back to the merging INSERT. `rows` is `encodeCopyRows(columns, origin)` when already built;
 * `onSent` is called once the rows are handed to the connection, while PostgreSQL still works through them.
 */
export async function copyNewKeys(
  client: pg.ClientBase,
  columns: KeyColumns,
  origin: KeyOrigin,
  rows: Buffer = encodeCopyRows(columns, origin),
  onSent?: () => void,
): Promise<void> {
  const copy = client.query(copyFrom(COPY_SQL));
  copy.write(rows, () => onSent?.());
  copy.end();
  await finished(copy);
}
