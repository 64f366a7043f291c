import test from 'ava';
import { clientAddress } from '../../../core/http/client-address';
import { connectFailFastRedis } from '../../../core/jobs/redis';
import { ClaimLimiter } from '../../../node/codes/claim-limiter';
import { ClaimTokens } from '../../../node/codes/claim-tokens';
import { ALERT_DIGITS, ALERT_LETTERS, generateCode, normalizeCode } from '../../../node/codes/code-format';
import { SecretMac } from '../../../node/codes/secret-mac';
import { acceptedTestTypes } from '../../../node/device-api/accept-types';
import { RetrieveHmac } from '../../../node/covid-alert/retrieve/retrieve-hmac';
import { retrieveDay } from '../../../node/covid-alert/retrieve/retrieve-request';

test('claim tokens parse as token=REGION pairs and match only exactly, with the Bearer scheme', (t) => {
  const { tokens, problems } = ClaimTokens.parse('aaaaaaaaaaaaaaaaaaaa1=302:bbbbbbbbbbbbbbbbbbbb2=on');
  t.deepEqual(problems, []);
  t.is(tokens!.regionFor('Bearer aaaaaaaaaaaaaaaaaaaa1'), '302');
  t.is(tokens!.regionFor('Bearer bbbbbbbbbbbbbbbbbbbb2'), 'ON');
  for (const header of [
    'Bearer aaaaaaaaaaaaaaaaaaaa',
    'bearer aaaaaaaaaaaaaaaaaaaa1',
    'Bearer  aaaaaaaaaaaaaaaaaaaa1',
    'aaaaaaaaaaaaaaaaaaaa1',
    undefined,
  ])
    t.is(tokens!.regionFor(header), undefined, String(header));
});

test('claim tokens: short tokens, bad regions, missing = and duplicates are refused without echoing tokens', (t) => {
  for (const text of [
    'short=302',
    'aaaaaaaaaaaaaaaaaaaa1',
    'aaaaaaaaaaaaaaaaaaaa1=3$2',
    'aaaaaaaaaaaaaaaaaaaa1=302:aaaaaaaaaaaaaaaaaaaa1=ON',
    '',
  ]) {
    const { tokens, problems } = ClaimTokens.parse(text);
    t.is(tokens, undefined, text);
    t.true(problems.length > 0);
    t.false(problems.join(' ').includes('aaaaaaaaaaaaaaaaaaaa1'));
  }
});

test('codes: alert codes are 3-3-4 groups each from one alphabet; shield codes are 8 digits', (t) => {
  const shapes = new Set<string>();
  for (let i = 0; i < 400; i++) {
    const code = generateCode('alert');
    t.is(code.length, 10);
    const groups = [code.slice(0, 3), code.slice(3, 6), code.slice(6)];
    shapes.add(
      groups
        .map((g) =>
          [...g].every((c) => ALERT_LETTERS.includes(c))
            ? 'L'
            : [...g].every((c) => ALERT_DIGITS.includes(c))
              ? 'D'
              : '?',
        )
        .join(''),
    );
    t.regex(generateCode('shield'), /^[0-9]{8}$/);
  }
  t.false([...shapes].some((s) => s.includes('?')));
  t.is(shapes.size, 8, 'all eight shapes occur');
  t.is(normalizeCode(' xka-479 qwez '), 'XKA479QWEZ');
});

test('client address: the socket without proxies, else the entry the nearest trusted proxy wrote', (t) => {
  t.is(clientAddress('10.0.0.1', '1.1.1.1', 0), '10.0.0.1');
  t.is(clientAddress('10.0.0.1', 'spoofed, 2.2.2.2', 1), '2.2.2.2');
  t.is(clientAddress('10.0.0.1', 'spoofed, 2.2.2.2, 10.0.0.9', 2), '2.2.2.2');
  t.is(clientAddress('10.0.0.1', '2.2.2.2', 3), '2.2.2.2');
  t.is(clientAddress('10.0.0.1', undefined, 1), '10.0.0.1');
});

test('accept types expand as the reference: none = all; likely implies confirmed; unknown refused', (t) => {
  t.deepEqual([...acceptedTestTypes(undefined)].sort(), ['confirmed', 'likely', 'negative', 'user-report']);
  t.deepEqual([...acceptedTestTypes(['LIKELY'])].sort(), ['confirmed', 'likely']);
  t.throws(() => acceptedTestTypes(['positive']));
});

test('retrieve MAC: the current hour and its neighbours, nothing else', (t) => {
  const hmac = new RetrieveHmac('aa'.repeat(40));
  const now = new Date('2026-03-01T12:30:00Z');
  const hour = Math.floor(now.getTime() / 3_600_000);
  for (const h of [hour - 1, hour, hour + 1])
    t.true(hmac.verify('302', '20513', hmac.mac('302', '20513', h).toString('hex'), now));
  t.false(hmac.verify('302', '20513', hmac.mac('302', '20513', hour + 2).toString('hex'), now));
  t.false(hmac.verify('302', '20514', hmac.mac('302', '20513', hour).toString('hex'), now));
  t.true(hmac.verify('302', '20513', hmac.mac('302', '20513', hour).toString('hex').toUpperCase(), now));
});

test('retrieve days: 14 days back served, older gone, future and (by choice) today 404, 00000 the bundle', (t) => {
  const now = new Date('2026-03-01T12:30:00Z');
  const today = Math.floor(now.getTime() / 86_400_000);
  const opts = { servedDays: 14, serveCurrentDay: false, entirePeriodBundle: true };
  t.is(retrieveDay(String(today - 14), now, opts).kind, 'serve');
  t.is(retrieveDay(String(today - 15), now, opts).kind, 'gone');
  t.is(retrieveDay(String(today + 1), now, opts).kind, 'future');
  t.is(retrieveDay(String(today), now, opts).kind, 'current_day');
  t.is(retrieveDay(String(today), now, { ...opts, serveCurrentDay: true }).kind, 'serve');
  t.like(retrieveDay('00000', now, opts), { kind: 'serve', end: new Date(today * 86_400_000) });
  t.is(retrieveDay('00000', now, { ...opts, entirePeriodBundle: false }).kind, 'gone');
});

test('the failed-claim counter fails closed when Redis cannot be reached (503, not a free pass)', async (t) => {
  const redis = connectFailFastRedis('redis://127.0.0.1:1', () => undefined);
  try {
    const limiter = new ClaimLimiter(
      redis,
      'p',
      new SecretMac(Buffer.alloc(32)),
      { maxFailures: 3, banSeconds: 60 },
      () => new Date(),
    );
    const key = limiter.clientKey('192.0.2.1');
    t.false(key.includes('192.0.2.1'));
    await t.throwsAsync(limiter.standing(key), { code: 'claims_unavailable' });
    await t.throwsAsync(limiter.recordFailure(key), { code: 'claims_unavailable' });
  } finally {
    redis.disconnect();
  }
});
