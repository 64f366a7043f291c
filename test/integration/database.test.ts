import test from 'ava';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database';
import { AuthorizedApp } from '../../node/publish/publish.entities';

let db: TestDatabase;
test.before(async () => {
  db = await createTestDatabase();
});
test.after.always(async () => {
  await db?.destroy();
});

test('migrations create the schema and entities round-trip through the ORM', async (t) => {
  const em = db.orm.em.fork();
  em.create(AuthorizedApp, {
    appPackageName: 'gov.example.app',
    allowedRegions: ['US-WA'],
    allowedHealthAuthorityIds: [1, 2],
  });
  await em.flush();
  const found = await db.orm.em.fork().findOneOrFail(AuthorizedApp, { appPackageName: 'gov.example.app' });
  t.deepEqual(found.allowedRegions, ['US-WA']);
  t.deepEqual(found.allowedHealthAuthorityIds, [1, 2]);
  t.false(found.bypassHealthAuthorityVerification);
  const { rows } = await db.pool.query<{ n: number }>('select count(*)::int as n from exposure_keys');
  t.is(rows[0]?.n, 0);
});

test('the key table rejects a key that is not 16 bytes', async (t) => {
  await t.throwsAsync(
    db.pool.query(
      `insert into exposure_keys (key, transmission_risk, interval_number, interval_count, regions, created_at, local_provenance)
       values ($1, 0, 1, 144, '{US}', now(), true)`,
      [Buffer.alloc(15)],
    ),
  );
});

test('a session lost while checked out (backend terminated) does not crash the process; the pool recovers', async (t) => {
  const session = await db.pool.connect();
  const { rows } = await session.query<{ pid: number }>('select pg_backend_pid() as pid');
  const ended = new Promise((resolve) => session.once('end', resolve));
  await db.pool.query('select pg_terminate_backend($1)', [rows[0]!.pid]);
  await ended;
  // Without a listener on checked-out clients, the 'error' event would have ended this worker by now.
  await t.throwsAsync(session.query('select 1'));
  session.release(true);
  t.is((await db.pool.query<{ one: number }>('select 1 as one')).rows[0]!.one, 1);
});
