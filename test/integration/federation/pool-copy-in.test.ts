import test from 'ava';
import { copyNewKeys } from '../../../hub/pool/copy-in-keys';
import { toKeyColumns } from '../../../core/keys/storage/key-columns';
import { createTestDatabase } from '../../helpers/test-database';

const ARRIVED = new Date('2026-11-30T10:00:00.000Z');

test('COPY into the pool stores every column as written: regions (none, one, several), null onset, origins, report types', async (t) => {
  const db = await createTestDatabase();
  try {
    const keys = [
      { regions: [], traveler: true, daysSinceOnset: null, reportType: 'confirmed', transmissionRisk: 0 },
      { regions: ['US-WA'], traveler: false, daysSinceOnset: -14, reportType: 'likely', transmissionRisk: 8 },
      { regions: ['CA', 'US-OR', 'MX_1'], traveler: false, daysSinceOnset: 14, reportType: '', transmissionRisk: 3 },
    ].map((k, i) => ({
      ...k,
      key: Buffer.alloc(16, i + 1),
      intervalNumber: 2_950_000 + i * 144,
      intervalCount: 144 - i,
    }));
    const client = await db.pool.connect();
    try {
      await copyNewKeys(client, toKeyColumns(keys), { arrivedAt: ARRIVED, localProvenance: true, originQueryId: null });
      // Same rows again under other keys, from an import: the nullable origin columns filled in.
      const fromImport = keys.map((k, i) => ({ ...k, key: Buffer.alloc(16, 0x80 + i) }));
      await copyNewKeys(client, toKeyColumns(fromImport), {
        arrivedAt: ARRIVED,
        localProvenance: false,
        originQueryId: null,
        originImportId: 7,
      });
    } finally {
      client.release();
    }
    const stored = await db.pool.query(
      `select encode(key, 'hex') as key, transmission_risk, interval_number, interval_count, regions, traveler,
              report_type, days_since_onset, created_at, local_provenance, origin_query_id, origin_import_id
         from exposure_keys order by key`,
    );
    t.is(stored.rowCount, 6);
    const first = stored.rows.slice(0, 3).map((r) => ({ ...r, created_at: (r.created_at as Date).toISOString() }));
    t.deepEqual(first, [
      row('01', 0, 2_950_000, 144, [], true, 'confirmed', null),
      row('02', 8, 2_950_144, 143, ['US-WA'], false, 'likely', -14),
      row('03', 3, 2_950_288, 142, ['CA', 'US-OR', 'MX_1'], false, '', 14),
    ]);
    t.deepEqual(
      stored.rows.slice(3).map((r) => [r.local_provenance, r.origin_query_id, r.origin_import_id]),
      [
        [false, null, 7],
        [false, null, 7],
        [false, null, 7],
      ],
    );
  } finally {
    await db.destroy();
  }
});

function row(
  byte: string,
  risk: number,
  interval: number,
  count: number,
  regions: string[],
  traveler: boolean,
  reportType: string,
  onset: number | null,
) {
  return {
    key: byte.repeat(16),
    transmission_risk: risk,
    interval_number: interval,
    interval_count: count,
    regions,
    traveler,
    report_type: reportType,
    days_since_onset: onset,
    created_at: ARRIVED.toISOString(),
    local_provenance: true,
    origin_query_id: null,
    origin_import_id: null,
  };
}
