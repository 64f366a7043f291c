import test from 'ava';
import { BadRequestError } from '../../../core/errors/app-error';
import { decodeKeyBase64 } from '../../../node/publish/request/key-base64';
import { parsePublishRequest } from '../../../node/publish/request/publish-request';
import { checkRequestRules } from '../../../node/publish/request/request-rules';
import { chooseOnsetInterval, daysSinceOnset, isUsableOnset } from '../../../node/publish/request/symptom-onset';
import { intervalNumber } from '../../../core/keys/intervals';

const key = { key: 'AAECAwQFBgcICQoLDA0ODw==', rollingStartNumber: 2_950_000, rollingPeriod: 144 };
const body = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({ temporaryExposureKeys: [key], healthAuthorityID: 'app', ...extra });

test('a minimal request parses; absent and null optionals take their defaults', (t) => {
  const parsed = parsePublishRequest(body({ revisionToken: null, traveler: null, symptomOnsetInterval: 0 }));
  t.deepEqual(parsed, {
    temporaryExposureKeys: [{ ...key, transmissionRisk: 0 }],
    healthAuthorityID: 'app',
    verificationPayload: '',
    hmacKey: '',
    symptomOnsetInterval: undefined,
    traveler: false,
    revisionToken: '',
  });
});

const rejected: Array<[string, string]> = [
  ['not JSON', '{'],
  ['an array', '[]'],
  ['unknown field', body({ extra: 1 })],
  ['int32 overflow', body({ symptomOnsetInterval: 2 ** 31 })],
  ['negative int32 overflow', body({ symptomOnsetInterval: -(2 ** 31) - 1 })],
  ['a float', body({ symptomOnsetInterval: 1.5 })],
  ['a numeric string', body({ symptomOnsetInterval: '1' })],
  ['keys not an array', body({ temporaryExposureKeys: 'x' })],
  ['boolean as string', body({ traveler: 'true' })],
];
for (const [name, text] of rejected) {
  test(`parse rejects ${name}`, (t) => {
    t.throws(() => parsePublishRequest(text), { instanceOf: BadRequestError });
  });
}

test('int32 bounds themselves parse', (t) => {
  t.is(parsePublishRequest(body({ symptomOnsetInterval: 2 ** 31 - 1 })).symptomOnsetInterval, 2 ** 31 - 1);
  t.is(parsePublishRequest(body({ symptomOnsetInterval: -(2 ** 31) })).symptomOnsetInterval, -(2 ** 31));
});

const base64Cases: Array<[string, boolean]> = [
  ['AAECAwQFBgcICQoLDA0ODw==', true],
  ['AAECAwQFBgcICQoLDA0ODw', true],
  ['-_-_-_-_-_-_-_-_-_-_-w', true],
  ['AAECAwQFBgcICQoLDA0ODx==', false], // non-zero unused bits
  ['AAECAwQFBgcICQoLDA0O', false],
  ['AAECAwQFBgcICQoLDA0ODw=', false],
  ['AAECAwQFBgcICQoLDA0ODw0=', false], // 17 bytes
  ['AAECAwQFBgcI CQoLDA0ODw==', false],
  ['', false],
];
for (const [text, ok] of base64Cases) {
  test(`key base64 ${JSON.stringify(text)} → ${ok ? 'accepted' : 'rejected'}`, (t) => {
    const bytes = decodeKeyBase64(text);
    t.is(bytes !== undefined, ok);
    if (bytes) t.is(bytes.length, 16);
  });
}

test('request rules: sorting makes order irrelevant', (t) => {
  const k = (start: number, period = 144) => ({
    key: 'x',
    rollingStartNumber: start,
    rollingPeriod: period,
    transmissionRisk: 0,
  });
  const limits = { maxKeys: 30, maxSameStartKeys: 3 };
  t.notThrows(() => checkRequestRules([k(288), k(0), k(144)], limits));
  t.throws(() => checkRequestRules([k(288), k(0, 144), k(100)], limits), { message: /non aligned/ });
  t.notThrows(() => checkRequestRules([k(0, 144), k(0, 10), k(144)], limits));
  t.throws(() => checkRequestRules([], limits), { instanceOf: BadRequestError });
});

test('days since onset counts UTC days between midnights', (t) => {
  const day = 144;
  const monday = 2_950_128 - (2_950_128 % day); // a midnight interval
  t.is(daysSinceOnset(monday + day + 143, monday), 1);
  t.is(daysSinceOnset(monday, monday + 143), 0);
  t.is(daysSinceOnset(monday - 1, monday), -1);
});

test('onset choice: usable request, else usable claim, else now − 4 days', (t) => {
  const now = new Date('2026-11-20T10:25:00Z');
  const current = intervalNumber(now);
  const midnight28 = intervalNumber(new Date('2026-10-23T00:00:00Z'));
  t.true(isUsableOnset(midnight28, now));
  t.false(isUsableOnset(midnight28 - 1, now));
  t.true(isUsableOnset(current, now));
  t.false(isUsableOnset(current + 1, now));
  t.is(chooseOnsetInterval(current - 10, current - 20, now), current - 10);
  t.is(chooseOnsetInterval(current + 1, current - 20, now), current - 20);
  t.is(chooseOnsetInterval(undefined, undefined, now), intervalNumber(new Date('2026-11-16T10:25:00Z')));
});
