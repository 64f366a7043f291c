import { randomBytes } from 'node:crypto';
import test from 'ava';
import { ALERT_DIGITS, ALERT_LETTERS } from '../../../node/codes/code-format';
import { OneTimeCodeRepository } from '../../../node/codes/one-time-code.repository';
import { CLAIM_TOKEN_ON, newKeyClaim, startStateNode, StepClock } from '../../helpers/state-node';

const clock = new StepClock();
let node: Awaited<ReturnType<typeof startStateNode>>;

test.before(async () => {
  node = await startStateNode({ now: clock.now, components: 'codes', env: { CODE_LIFETIME: '10m' } });
});
test.after.always(async () => {
  await node?.destroy();
});

const url = () => node.server.httpUrl;
const codeRows = async () =>
  (
    await node.db.pool.query<{ region: string; test_type: string; symptom_date: string | null }>(
      `select region, test_type, to_char(symptom_date, 'YYYY-MM-DD') as symptom_date from one_time_codes order by id`,
    )
  ).rows;

test.serial('a valid token gets a 10-character code from the 3-3-4 alphabets, stored only as a MAC', async (t) => {
  const before = (await codeRows()).length;
  const res = await newKeyClaim(url());
  t.is(res.status, 200);
  t.is(res.headers.get('content-type'), 'text/plain; charset=utf-8');
  t.is(res.headers.get('access-control-allow-origin'), '*');
  t.regex(res.text, /^[A-Z0-9]{10}\n$/);
  const code = res.text.trim();
  for (const group of [code.slice(0, 3), code.slice(3, 6), code.slice(6)]) {
    const alphabet = /^[0-9]/.test(group) ? ALERT_DIGITS : ALERT_LETTERS;
    t.true(
      [...group].every((c) => alphabet.includes(c)),
      group,
    );
  }
  const rows = await node.db.pool.query<{ code_mac: Buffer }>('select code_mac from one_time_codes');
  t.is(rows.rowCount, before + 1);
  t.false(
    rows.rows.some((r) => r.code_mac.includes(Buffer.from(code))),
    'the code itself is not stored',
  );
  t.like((await codeRows()).at(-1), { region: '302', test_type: 'confirmed', symptom_date: null });
});

test.serial("the token's region and the optional JSON options are stored with the code", async (t) => {
  const day = new Date(clock.ms - 2 * 86_400_000).toISOString().slice(0, 10);
  const res = await newKeyClaim(url(), { token: CLAIM_TOKEN_ON, body: { testType: 'likely', symptomDate: day } });
  t.is(res.status, 200);
  t.like((await codeRows()).at(-1), { region: 'ON', test_type: 'likely', symptom_date: day });
});

test.serial('missing, malformed or unknown tokens get 401 and no code', async (t) => {
  const before = (await codeRows()).length;
  for (const authorization of [
    '',
    'Bearer',
    'bearer test-case-system-token-302',
    'Bearer wrong-token-000000000000',
    'Basic abc',
  ]) {
    const res = await newKeyClaim(url(), { authorization });
    t.is(res.status, 401, authorization);
    t.is(res.text, 'unauthorized\n');
  }
  t.is((await newKeyClaim(url(), { token: null })).status, 401);
  t.is((await codeRows()).length, before);
});

test.serial('bad JSON options are 400 and store nothing', async (t) => {
  const before = (await codeRows()).length;
  const future = new Date(clock.ms + 2 * 86_400_000).toISOString().slice(0, 10);
  for (const body of [
    { testType: 'negative' },
    { symptomDate: '2020-02-30' },
    { symptomDate: future },
    { other: 1 },
    [1],
  ]) {
    const res = await newKeyClaim(url(), { body });
    t.is(res.status, 400, JSON.stringify(body));
  }
  const raw = await fetch(`${url()}/new-key-claim`, {
    method: 'POST',
    headers: { authorization: 'Bearer test-case-system-token-302' },
    body: 'x'.repeat(2000),
  });
  t.is(raw.status, 413);
  t.is((await codeRows()).length, before);
});

test.serial('GET is refused (405) and OPTIONS answers the CORS preflight without a token', async (t) => {
  t.is((await fetch(`${url()}/new-key-claim`)).status, 405);
  const pre = await fetch(`${url()}/new-key-claim`, { method: 'OPTIONS' });
  t.is(pre.status, 200);
  t.is(pre.headers.get('access-control-allow-methods'), 'POST');
});

test.serial('hashID: a repeat replaces the unclaimed code; a malformed one is 404', async (t) => {
  const hashId = randomBytes(64).toString('hex');
  const first = await newKeyClaim(url(), { hashId });
  const second = await newKeyClaim(url(), { hashId });
  t.is(first.status, 200);
  t.is(second.status, 200);
  t.not(first.text, second.text);
  const live = await node.db.pool.query('select 1 from one_time_codes where hash_id_mac is not null');
  t.is(live.rowCount, 1, 'one live code per hashed ID');
  t.is((await newKeyClaim(url(), { hashId: hashId.toUpperCase() })).status, 404);
  t.is((await newKeyClaim(url(), { hashId: hashId.slice(1) })).status, 404);
});

test.serial('the cleanup job deletes codes past their lifetime', async (t) => {
  t.true((await codeRows()).length > 0);
  clock.advance(11 * 60);
  // What the codes-cleanup job runs.
  await new OneTimeCodeRepository(node.db.pool).deleteExpired(clock.now(), new Date(0));
  t.is((await codeRows()).length, 0);
});
