import test from 'ava';
import { pruneRunHistory } from '../../../hub/sources/run-history-retention';
import { createTestDatabase } from '../../helpers/test-database';

const DAY = 86_400_000;
const NOW = new Date('2026-11-30T12:00:00Z');
const daysAgo = (days: number) => new Date(NOW.getTime() - days * DAY);

test('run history older than retention is pruned in batches; each upstream keeps its latest run and open runs stay', async (t) => {
  const db = await createTestDatabase();
  try {
    await db.pool.query(`
      insert into federation_in_queries (name, address, ca_cert_path, client_cert_path, client_key_path, include_regions, interval_seconds)
      values ('busy', 'busy:1', '/c', '/c', '/k', '{A}', 300), ('idle', 'idle:1', '/c', '/c', '/k', '{B}', 300)`);
    const run = (name: string, started: Date, finished: Date | null) =>
      db.pool.query(
        `insert into federation_in_runs (query_id, started_at, finished_at)
         select id, $2, $3 from federation_in_queries where name = $1`,
        [name, started, finished],
      );
    await run('busy', daysAgo(20), daysAgo(20));
    await run('busy', daysAgo(19), daysAgo(19));
    await run('busy', daysAgo(18), null); // a run a dead process left open: not finished, not pruned here
    await run('busy', daysAgo(1), daysAgo(1));
    await run('idle', daysAgo(30), daysAgo(30)); // idle's only run: still shows when it last ran

    // A batch of one makes the loop go round, as a large backlog would.
    const deleted = await pruneRunHistory.run(db.pool, daysAgo(14), 1);

    t.is(deleted, 2);
    const left = await db.pool.query<{ name: string; started: Date }>(
      `select q.name, r.started_at as started from federation_in_runs r join federation_in_queries q on q.id = r.query_id
       order by r.started_at`,
    );
    t.deepEqual(
      left.rows.map((r) => [r.name, Math.round((NOW.getTime() - r.started.getTime()) / DAY)]),
      [
        ['idle', 30],
        ['busy', 18],
        ['busy', 1],
      ],
    );
    t.is(await pruneRunHistory.run(db.pool, daysAgo(14), 1), 0, 'a second pass finds nothing');
  } finally {
    await db.destroy();
  }
});
