import { UNSEALED } from '../../../core/secrets/secret-sealer';
import { randomBytes } from 'node:crypto';
import test from 'ava';
import { decodeExportBin, decodeSignatureList, verifyExportSignature } from '../../../core/export/format/export-reader';
import { truncate } from '../../../core/keys/intervals';
import { SigningKeyRepository } from '../../../core/signing/signing-key.repository';
import { createSigningKey } from '../../../core/signing/signing-keys';
import { KeyPairRepository } from '../../../node/covid-alert/claim/key-pair.repository';
import { Phone, phoneDailyKeys, retrieveMac, type PhoneKey } from '../../helpers/covid-alert-phone';
import { freshCode, newKeyClaim, RETRIEVE_HMAC_KEY, startStateNode, StepClock } from '../../helpers/state-node';
import { readZipBuffer } from '../../helpers/zip';

// The reference's error codes (covidshield.proto), written out here rather than imported from the server.
const CLAIM = { NONE: 0, UNKNOWN: 1, INVALID_ONE_TIME_CODE: 2, INVALID_KEY: 4, TEMPORARY_BAN: 5 };
const UPLOAD = {
  NONE: 0,
  UNKNOWN: 1,
  INVALID_KEYPAIR: 2,
  DECRYPTION_FAILED: 3,
  INVALID_PAYLOAD: 4,
  INVALID_CRYPTO_PARAMETERS: 6,
  TOO_MANY_KEYS: 7,
  INVALID_TIMESTAMP: 8,
  INVALID_ROLLING_PERIOD: 10,
  INVALID_KEY_DATA: 11,
  INVALID_ROLLING_START_INTERVAL_NUMBER: 12,
  INVALID_TRANSMISSION_RISK_LEVEL: 13,
  NO_KEYS_IN_PAYLOAD: 14,
};

// 00:10 UTC: the file's steps (minutes to an hour) stay inside one UTC day.
const clock = new StepClock(truncate(new Date(), 86400).getTime() + 10 * 60_000);
let node: Awaited<ReturnType<typeof startStateNode>>;

test.before(async () => {
  node = await startStateNode({
    now: clock.now,
    env: { CLAIM_MAX_FAILURES: '3', CODE_LIFETIME: '10m', RETRIEVE_CURRENT_DAY: 'false' },
  });
});
test.after.always(async () => {
  await node?.destroy();
});

const url = () => node.server.httpUrl;
const count = async (table: string) =>
  (await node.db.pool.query<{ n: number }>(`select count(*)::int as n from ${table}`)).rows[0]!.n;
const nowSeconds = () => Math.floor(clock.ms / 1000);

/** A phone (its own client address) that has claimed a fresh code. */
async function claimedPhone(): Promise<Phone> {
  const phone = new Phone(url());
  const answer = await phone.claim(await freshCode(url()));
  if (answer.status !== 200) throw new Error(`claim: ${answer.status}`);
  return phone;
}

test.serial('claim-key: a fresh code gives a 32-byte server key, full tries; the code is used up', async (t) => {
  const code = await freshCode(url());
  const phone = new Phone(url());
  const claimed = await phone.claim(code);
  t.like(claimed, { status: 200, error: CLAIM.NONE, triesRemaining: 3 });
  t.is(claimed.serverPublicKey?.length, 32);
  t.is(await count('one_time_codes'), 0);
  const again = await new Phone(url()).claim(code);
  t.like(again, { status: 401, error: CLAIM.INVALID_ONE_TIME_CODE, triesRemaining: 2 });
  t.is(await count('covid_alert_key_pairs'), 1);
});

test.serial('claim-key: spaces, hyphens and lower case in the code are accepted', async (t) => {
  const code = await freshCode(url());
  const typed = `${code.slice(0, 3)} ${code.slice(3, 6)}-${code.slice(6)}`.toLowerCase();
  t.like(await new Phone(url()).claim(typed), { status: 200 });
});

test.serial('claim-key: a reused app key is 401 INVALID_KEY and does not consume the code', async (t) => {
  const phone = await claimedPhone();
  const code = await freshCode(url());
  t.like(await phone.claim(code), { status: 401, error: CLAIM.INVALID_KEY });
  t.is(await count('one_time_codes'), 1, 'the code is still there');
  t.like(await new Phone(url()).claim(code), { status: 200 });
});

test.serial('claim-key: bad bodies are 400 with the reference codes, nothing claimed or counted', async (t) => {
  const code = await freshCode(url());
  const phone = new Phone(url());
  const bodies: [string, Buffer, number][] = [
    ['over 256 bytes', phone.claimBody(code + 'x'.repeat(300)), CLAIM.UNKNOWN],
    ['not protobuf', Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f]), CLAIM.UNKNOWN],
    ['wrong wire type', Buffer.from([0x0b, 0x01]), CLAIM.UNKNOWN],
    ['31-byte app key', phone.claimBody(code, randomBytes(31)), CLAIM.INVALID_KEY],
    ['no app key', Buffer.alloc(0), CLAIM.INVALID_KEY],
  ];
  for (const [what, body, error] of bodies) {
    const answer = await phone.claim(code, body);
    t.like(answer, { status: 400, error, triesRemaining: 3 }, what);
  }
  t.is(await count('one_time_codes'), 1);
  t.like(await phone.claim(code), { status: 200, triesRemaining: 3 }, 'none of them was counted as a failure');
});

test.serial(
  'claim-key: an expired code is refused and counted; a claimed hashID cannot get another code',
  async (t) => {
    const code = await freshCode(url());
    clock.advance(11 * 60);
    t.like(await new Phone(url()).claim(code), { status: 401, error: CLAIM.INVALID_ONE_TIME_CODE, triesRemaining: 2 });

    const hashId = randomBytes(64).toString('hex');
    const hashed = await newKeyClaim(url(), { hashId });
    t.like(await new Phone(url()).claim(hashed.text.trim()), { status: 200 });
    t.is((await newKeyClaim(url(), { hashId })).status, 403);
  },
);

test.serial('brute force: the ban engages after the last try, holds even for a valid code, and lifts', async (t) => {
  const attacker = new Phone(url(), '203.0.113.7');
  const bystander = new Phone(url(), '203.0.113.8');
  t.like(await attacker.claim('AAAAAAAAAA'), { status: 401, triesRemaining: 2 });
  t.like(await attacker.claim('2222222222'), { status: 401, triesRemaining: 1 });
  const last = await attacker.claim('ZZZZZZZZZZ');
  t.like(last, { status: 401, error: CLAIM.INVALID_ONE_TIME_CODE, triesRemaining: 0 });
  t.true(last.banSeconds! > 3500 && last.banSeconds! <= 3600);
  const code = await freshCode(url());
  const banned = await attacker.claim(code);
  t.like(banned, { status: 429, error: CLAIM.TEMPORARY_BAN, triesRemaining: 0 });
  t.true(banned.banSeconds! > 0);
  t.like(await bystander.claim(await freshCode(url())), { status: 200 }, 'another client is not affected');
  clock.advance(3601);
  t.like(await attacker.claim(await freshCode(url())), { status: 200, triesRemaining: 3 }, 'the ban lifted');
});

test.serial(
  'upload: keys are stored once with the code region and report type, a replayed nonce is refused',
  async (t) => {
    const phone = await claimedPhone();
    const keys = phoneDailyKeys(clock.now(), 14);
    const body = phone.uploadBody(keys, { timestampSeconds: nowSeconds() });
    const before = await count('exposure_keys');
    t.deepEqual(await phone.upload(body), { status: 200, error: UPLOAD.NONE });
    t.is(await count('exposure_keys'), before + 14);
    const stored = await node.db.pool.query<{ regions: string[]; report_type: string; transmission_risk: number }>(
      'select regions, report_type, transmission_risk from exposure_keys where key = $1',
      [keys[0]!.keyData],
    );
    t.like(stored.rows[0], { regions: ['302'], report_type: 'confirmed', transmission_risk: 1 });
    t.deepEqual(await phone.upload(body), { status: 400, error: UPLOAD.INVALID_CRYPTO_PARAMETERS }, 'replay');
    t.is(await count('exposure_keys'), before + 14);
    const budget = await node.db.pool.query(
      'select remaining_keys from covid_alert_key_pairs where app_public_key = $1',
      [Buffer.from(phone.keyPair.publicKey)],
    );
    t.is(budget.rows[0].remaining_keys, 43 - 14);
  },
);

test.serial('upload: every bad input is 4xx with the reference code and stores nothing', async (t) => {
  const phone = await claimedPhone();
  const other = await claimedPhone();
  const now = clock.now();
  const ok = () => phoneDailyKeys(now, 2);
  const ts = { timestampSeconds: nowSeconds() };
  const with1 = (change: PhoneKey) => [{ ...ok()[0], ...change }];
  const today = Math.floor(clock.ms / 600_000 / 144) * 144;
  const cases: [string, Buffer, number, number][] = [
    ['over 1 KiB', Buffer.concat([phone.uploadBody(ok(), ts), randomBytes(1100)]), 400, UPLOAD.UNKNOWN],
    ['not protobuf', Buffer.from([0xff, 0xff, 0xff]), 400, UPLOAD.UNKNOWN],
    [
      '31-byte server key',
      phone.uploadBody(ok(), { ...ts, serverPublicKey: randomBytes(31) }),
      400,
      UPLOAD.INVALID_CRYPTO_PARAMETERS,
    ],
    [
      'unknown server key',
      phone.uploadBody(ok(), { ...ts, serverPublicKey: randomBytes(32) }),
      401,
      UPLOAD.INVALID_KEYPAIR,
    ],
    ['23-byte nonce', phone.uploadBody(ok(), { ...ts, nonce: randomBytes(23) }), 400, UPLOAD.INVALID_CRYPTO_PARAMETERS],
    [
      '31-byte app key',
      phone.uploadBody(ok(), { ...ts, appPublicKey: randomBytes(31) }),
      400,
      UPLOAD.INVALID_CRYPTO_PARAMETERS,
    ],
    [
      'another app key',
      phone.uploadBody(ok(), { ...ts, appPublicKey: Buffer.from(other.keyPair.publicKey) }),
      401,
      UPLOAD.INVALID_KEYPAIR,
    ],
    ['tampered box', phone.uploadBody(ok(), { ...ts, tamper: true }), 400, UPLOAD.DECRYPTION_FAILED],
    ['box of garbage', phone.uploadBody([], { plaintext: Buffer.from([0xff, 0xff]) }), 400, UPLOAD.INVALID_PAYLOAD],
    ['no keys', phone.uploadBody([], ts), 400, UPLOAD.NO_KEYS_IN_PAYLOAD],
    [
      '29 keys',
      phone.uploadBody(phoneDailyKeys(now, 13).concat(phoneDailyKeys(now, 13), phoneDailyKeys(now, 3)), ts),
      400,
      UPLOAD.TOO_MANY_KEYS,
    ],
    ['no timestamp', phone.uploadBody(ok(), { timestampSeconds: undefined }), 400, UPLOAD.INVALID_TIMESTAMP],
    [
      'timestamp 3605 s behind',
      phone.uploadBody(ok(), { timestampSeconds: nowSeconds() - 3605 }),
      400,
      UPLOAD.INVALID_TIMESTAMP,
    ],
    [
      'timestamp 3605 s ahead',
      phone.uploadBody(ok(), { timestampSeconds: nowSeconds() + 3605 }),
      400,
      UPLOAD.INVALID_TIMESTAMP,
    ],
    ['rolling period 0', phone.uploadBody(with1({ rollingPeriod: 0 }), ts), 400, UPLOAD.INVALID_ROLLING_PERIOD],
    ['rolling period 145', phone.uploadBody(with1({ rollingPeriod: 145 }), ts), 400, UPLOAD.INVALID_ROLLING_PERIOD],
    ['15-byte key', phone.uploadBody(with1({ keyData: randomBytes(15) }), ts), 400, UPLOAD.INVALID_KEY_DATA],
    ['no key data', phone.uploadBody(with1({ keyData: undefined }), ts), 400, UPLOAD.INVALID_KEY_DATA],
    [
      'start interval 0',
      phone.uploadBody(with1({ rollingStartIntervalNumber: 0 }), ts),
      400,
      UPLOAD.INVALID_ROLLING_START_INTERVAL_NUMBER,
    ],
    ['risk 9', phone.uploadBody(with1({ transmissionRiskLevel: 9 }), ts), 400, UPLOAD.INVALID_TRANSMISSION_RISK_LEVEL],
    [
      'risk -1',
      phone.uploadBody(with1({ transmissionRiskLevel: -1 }), ts),
      400,
      UPLOAD.INVALID_TRANSMISSION_RISK_LEVEL,
    ],
    [
      'keys spanning 16 days',
      phone.uploadBody(
        [
          { keyData: randomBytes(16), rollingStartIntervalNumber: today - 144 },
          { keyData: randomBytes(16), rollingStartIntervalNumber: today - 16 * 144 },
        ],
        ts,
      ),
      400,
      UPLOAD.INVALID_ROLLING_START_INTERVAL_NUMBER,
    ],
  ];
  const before = await count('exposure_keys');
  const nonces = await count('covid_alert_nonces');
  for (const [what, body, status, error] of cases) {
    t.deepEqual(await phone.upload(body), { status, error }, what);
  }
  t.is(await count('exposure_keys'), before, 'nothing stored');
  t.is(await count('covid_alert_nonces'), nonces, 'no nonce recorded');
  // Timestamps just inside the hour are fine (the reference's test values).
  t.like(await phone.upload(phone.uploadBody(ok(), { timestampSeconds: nowSeconds() - 3595 })), { status: 200 });
  t.like(await phone.upload(phone.uploadBody(ok(), { timestampSeconds: nowSeconds() + 3595 })), { status: 200 });
});

test.serial('upload: the key budget (43) is charged only for new keys and never overdrawn', async (t) => {
  const phone = await claimedPhone();
  const today = Math.floor(clock.ms / 600_000 / 144) * 144;
  // Short keys, 12 a day over the last days, so that 45 distinct valid keys fit in a 15-day span.
  const keys: PhoneKey[] = Array.from({ length: 45 }, (_, i) => ({
    keyData: randomBytes(16),
    rollingStartIntervalNumber: today - 144 * (1 + Math.floor(i / 12)) + (i % 12) * 12,
    rollingPeriod: 12,
  }));
  const send = (batch: PhoneKey[]) => phone.upload(phone.uploadBody(batch, { timestampSeconds: nowSeconds() }));
  t.like(await send(keys.slice(0, 15)), { status: 200 });
  t.like(await send(keys.slice(0, 15)), { status: 200 }, 'the same keys again: nothing new, nothing charged');
  t.like(await send(keys.slice(15, 42)), { status: 200 });
  const before = await count('exposure_keys');
  t.deepEqual(await send(keys.slice(42, 44)), { status: 400, error: UPLOAD.TOO_MANY_KEYS });
  t.is(await count('exposure_keys'), before, 'an overdrawing upload stores nothing');
  t.like(await send(keys.slice(42, 43)), { status: 200 });
  t.deepEqual(await send(keys.slice(43, 44)), { status: 400, error: UPLOAD.INVALID_KEYPAIR });
});

test.serial('retrieve: a signed zip of the day, 401 for a bad MAC, 404/405/410 as the reference', async (t) => {
  const pool = node.db.pool;
  const signing = await createSigningKey(new SigningKeyRepository(pool, UNSEALED), {
    keyId: '302',
    now: new Date(clock.ms - 60_000),
  });
  const phone = await claimedPhone();
  const keys = phoneDailyKeys(clock.now(), 3);
  t.like(await phone.upload(phone.uploadBody(keys, { timestampSeconds: nowSeconds() })), { status: 200 });
  const day = String(Math.floor(clock.ms / 86_400_000)).padStart(5, '0');
  const get = (region: string, d: string, mac: string, method = 'GET') =>
    fetch(`${url()}/retrieve/${region}/${d}/${mac}`, { method });
  const mac = (region: string, d: string) => retrieveMac(RETRIEVE_HMAC_KEY, region, d, clock.now());

  t.is((await get('302', day, mac('302', day))).status, 404, 'today is not served (RETRIEVE_CURRENT_DAY=false)');
  t.is((await get('302', day, 'ab'.repeat(32))).status, 401);
  t.is((await get('302', day, mac('303', day))).status, 401, 'a MAC for another region');
  t.is((await get('302', day, 'xyz')).status, 401);
  t.is((await get('302', day, mac('302', day), 'POST')).status, 405);
  t.is((await get('302', day, 'ab'.repeat(32), 'POST')).status, 401, 'the MAC is checked before the method');
  const future = String(Number(day) + 1).padStart(5, '0');
  t.is((await get('302', future, mac('302', future))).status, 404);
  const old = String(Number(day) - 15).padStart(5, '0');
  const gone = await get('302', old, mac('302', old));
  t.is(gone.status, 410);
  t.is(await gone.text(), 'requested data no longer valid\n');
  t.is((await get('3$2', day, mac('3$2', day))).status, 404);
  t.is((await get('302', '123', mac('302', '123'))).status, 404);

  // The next day, the keys of the upload day are served, signed with the node's export signing key.
  clock.advance(86_400);
  const res = await get('302', day, mac('302', day));
  t.is(res.status, 200);
  t.is(res.headers.get('content-type'), 'application/zip');
  t.is(res.headers.get('cache-control'), 'public, max-age=3600, max-stale=600');
  const entries = await readZipBuffer(Buffer.from(await res.arrayBuffer()));
  const bin = entries.get('export.bin')!;
  const decoded = decodeExportBin(bin);
  t.like(decoded, { region: '302', batchNum: 1, batchSize: 1, startTimestamp: Number(day) * 86400 });
  const hex = new Set(decoded.keys.map((k) => k.keyData.toString('hex')));
  for (const key of keys) t.true(hex.has(key.keyData!.toString('hex')));
  t.true(
    decoded.keys.every((k) => k.reportType === 1),
    'CONFIRMED_TEST',
  );
  const [signature] = decodeSignatureList(entries.get('export.sig')!);
  t.is(signature?.signatureInfo.verificationKeyId, '302');
  t.true(verifyExportSignature(bin, signature!.signature, signing.publicKeyPem));
  const bundle = await get('302', '00000', mac('302', '00000'));
  t.is(bundle.status, 200, 'the entire-period bundle');
  const other = await get('ON', day, mac('ON', day));
  t.is(
    decodeExportBin((await readZipBuffer(Buffer.from(await other.arrayBuffer()))).get('export.bin')!).keys.length,
    0,
  );
});

test.serial('exposure-configuration: the app default for every region; bad names are 404', async (t) => {
  const res = await fetch(`${url()}/exposure-configuration/302.json`);
  t.is(res.status, 200);
  t.like(await res.json(), { minimumRiskScore: 1, attenuationDurationThresholds: [50, 62] });
  t.is((await fetch(`${url()}/exposure-configuration/302.xml`)).status, 404);
  t.is((await fetch(`${url()}/exposure-configuration/..%2Fetc.json`)).status, 404);
});

test.serial('the cleanup job deletes expired and used-up key pairs with their nonces', async (t) => {
  t.true((await count('covid_alert_key_pairs')) > 0);
  clock.advance(16 * 86_400);
  await new KeyPairRepository(node.db.pool).deleteSpent(clock.now());
  t.is(await count('covid_alert_key_pairs'), 0);
  t.is(await count('covid_alert_nonces'), 0);
});
