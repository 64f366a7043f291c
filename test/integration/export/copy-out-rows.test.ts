import test from 'ava';
import pg from 'pg';
import { copyRows } from '../../../core/export/build/copy-out-rows';
import { recordToRow, ROW_SIZE } from '../../../core/export/format/export-row';
import { TEST_PG_URL } from '../../helpers/test-database';

// Rows in the export row shape, computed by the server: no table (and so no database of its own) needed.
const ROWS = 40_000;
const SELECT = `select decode(lpad(to_hex(i), 32, '0'), 'hex'), (i % 8)::int2, i::int4, (i % 144)::int4,
    (i % 4 - 1)::int2, (i % 29 - 14)::int2
  from generate_series(1, ${ROWS}) as i order by i`;

function expectedRow(i: number): Buffer {
  return recordToRow({
    keyData: Buffer.from(i.toString(16).padStart(32, '0'), 'hex'),
    transmissionRiskLevel: i % 8,
    rollingStartIntervalNumber: i,
    rollingPeriod: i % 144,
    reportType: (i % 4) - 1,
    daysSinceOnsetOfSymptoms: (i % 29) - 14,
  });
}

async function collect(select: string): Promise<Buffer[]> {
  const pool = new pg.Pool({ connectionString: TEST_PG_URL, max: 1 });
  const client = await pool.connect();
  try {
    const chunks: Buffer[] = [];
    for await (const rows of copyRows(client, select)) chunks.push(Buffer.from(rows));
    return chunks;
  } finally {
    // A connection left mid-COPY (the refused case) is discarded, as the export builder does.
    client.release(true);
    await pool.end();
  }
}

test('2 MB of rows arrive whole and in order, however the socket cuts them', async (t) => {
  const chunks = await collect(SELECT);
  // Several chunks, and rows cut by chunk boundaries among them (each comes alone, completed).
  t.true(chunks.length > 1);
  t.true(chunks.some((c) => c.length === ROW_SIZE));
  t.true(chunks.every((c) => c.length > 0 && c.length % ROW_SIZE === 0));
  const all = Buffer.concat(chunks);
  t.is(all.length, ROWS * ROW_SIZE);
  let mismatches = 0;
  for (let i = 1; i <= ROWS; i++) {
    if (!all.subarray((i - 1) * ROW_SIZE, i * ROW_SIZE).equals(expectedRow(i))) mismatches++;
  }
  t.is(mismatches, 0);
});

test('an empty result yields nothing and still ends at the trailer', async (t) => {
  t.deepEqual(await collect(SELECT.replace('order by i', 'where false')), []);
});

test('a result that is not in the export row shape is refused', async (t) => {
  await t.throwsAsync(collect('select 1::int4 from generate_series(1, 10)'), { name: 'CopyFormatError' });
});

test('a query error reaches the reader, and the connection goes on to serve the next query', async (t) => {
  const pool = new pg.Pool({ connectionString: TEST_PG_URL, max: 1 });
  const client = await pool.connect();
  try {
    const read = async () => {
      for await (const rows of copyRows(client, 'select 1 / 0 from generate_series(1, 3)')) t.fail(`${rows.length}`);
    };
    await t.throwsAsync(read, { message: /division by zero/ });
    // After a failed read and after a whole one, pg still speaks the protocol on the same connection.
    t.is((await client.query('select 41 + 1 as n')).rows[0].n, 42);
    let rows = 0;
    for await (const chunk of copyRows(client, SELECT)) rows += chunk.length / ROW_SIZE;
    t.is(rows, ROWS);
    t.is((await client.query('select 2 as n')).rows[0].n, 2);
  } finally {
    client.release(true);
    await pool.end();
  }
});
