import test from 'ava';
import { startPosition } from '../../../core/federation/fetch-cursor';
import { FederationOutRepository, type KeyFilter } from '../../../core/federation/federation-out.repository';
import { parseServedKeyRows, ServedRowFormatError } from '../../../core/federation/served-key-rows';
import { createTestDatabase } from '../../helpers/test-database';

const FILTER: KeyFilter = {
  include: ['CA', 'MX_1', 'US-WA'],
  exclude: [],
  onlyTravelers: false,
  onlyLocalProvenance: false,
  excludeOriginQueryId: null,
  closedBefore: new Date('2030-01-01T00:00:00Z'),
};

// Rows whose every field is an edge of its binary layout: no region and three, NULL and negative onsets, an empty
// and a long report type, the largest values the columns hold, a timestamp with microseconds.
const ROWS = [
  {
    key: Buffer.alloc(16, 0x01),
    tr: 0,
    interval: 2_950_000,
    count: 144,
    regions: [],
    traveler: true,
    type: '',
    dso: null,
    at: '2026-11-30 09:00:00.000001+00',
  },
  {
    key: Buffer.from('ff00'.repeat(8), 'hex'),
    tr: 8,
    interval: 2_147_483_647,
    count: 1,
    regions: ['CA', 'MX_1', 'US-WA'],
    traveler: false,
    type: 'confirmed',
    dso: -14,
    at: '2026-11-30 09:00:00.123456+00',
  },
  {
    key: Buffer.alloc(16, 0x80),
    tr: 32767,
    interval: 0,
    count: 144,
    regions: ['US-WA'],
    traveler: false,
    type: 'self-reported-and-long',
    dso: 14,
    at: '2026-11-30 10:59:59.999999+00',
  },
];

test('served rows read from binary COPY carry every field exactly, with the cursor column to the microsecond', async (t) => {
  const db = await createTestDatabase();
  try {
    for (const r of ROWS) {
      await db.pool.query(
        `insert into exposure_keys (key, transmission_risk, interval_number, interval_count, regions, traveler,
           report_type, days_since_onset, created_at, local_provenance, revised_at, revised_report_type,
           revised_days_since_onset)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, true, $9::timestamptz + interval '1 hour', 'revoked', null)`,
        [r.key, r.tr, r.interval, r.count, r.regions, r.traveler, r.type, r.dso, r.at],
      );
    }
    const micros = async (column: string) =>
      (
        await db.pool.query<{ m: string }>(
          `select (extract(epoch from ${column}) * 1000000)::bigint::text as m from exposure_keys order by ${column}`,
        )
      ).rows.map((r) => BigInt(r.m));
    const repository = new FederationOutRepository(db.pool);

    const primary = await repository.primaryAfter(startPosition(), 10, FILTER);
    t.deepEqual(
      primary.map(({ micros: _micros, ...r }) => ({ ...r, key: r.key.toString('hex') })),
      ROWS.map((r) => ({
        key: r.key.toString('hex'),
        transmissionRisk: r.tr,
        intervalNumber: r.interval,
        intervalCount: r.count,
        regions: r.regions,
        traveler: r.traveler,
        reportType: r.type,
        daysSinceOnset: r.dso,
      })),
    );
    t.deepEqual(
      primary.map((r) => r.micros),
      await micros('created_at'),
    );

    // The revised stream: the revised report type, the revised onset where set (here NULL: the original's).
    const revised = await repository.revisedAfter(startPosition(), 10, FILTER);
    t.deepEqual(
      revised.map((r) => [r.reportType, r.daysSinceOnset, r.transmissionRisk]),
      ROWS.map((r) => ['revoked', r.dso, r.tr]),
    );
    t.deepEqual(
      revised.map((r) => r.micros),
      await micros('revised_at'),
    );

    // Keyset paging: strictly after the second row.
    const rest = await repository.primaryAfter({ micros: primary[1]!.micros, key: primary[1]!.key }, 10, FILTER);
    t.deepEqual(
      rest.map((r) => r.key.toString('hex')),
      [ROWS[2]!.key.toString('hex')],
    );
  } finally {
    await db.destroy();
  }
});

test('a stream that is not the served-row layout is refused', (t) => {
  t.throws(() => parseServedKeyRows(Buffer.from('key\tvalue\n')), { instanceOf: ServedRowFormatError });
  const header = Buffer.concat([Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'), Buffer.alloc(8)]);
  const twoFields = Buffer.concat([header, Buffer.from([0, 2])]);
  t.throws(() => parseServedKeyRows(twoFields), { instanceOf: ServedRowFormatError, message: /2 fields/ });
});
