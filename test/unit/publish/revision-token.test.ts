import { createDecipheriv, randomBytes } from 'node:crypto';
import test from 'ava';
import protobuf from 'protobufjs';
import { fileURLToPath } from 'node:url';
import {
  encodeRevisionToken,
  MIN_TOKEN_ENTRIES,
  openRevisionToken,
  revisionTokenKid,
  type RevisableKey,
} from '../../../node/publish/revision/revision-token';
import { nextTokenKeys } from '../../../node/publish/revision/next-token-keys';

const key = { kid: '7', secret: randomBytes(32), createdAt: new Date() };
const revisable = (n: number): RevisableKey[] =>
  Array.from({ length: n }, (_, i) => ({
    key: randomBytes(16),
    intervalNumber: 2_950_000 + i * 144,
    intervalCount: 144,
  }));
const open = (token: string, k = key) => {
  const sealed = revisionTokenKid(token);
  return sealed ? openRevisionToken(sealed, k) : undefined;
};

test('a token round-trips its keys and names its kid', (t) => {
  const keys = revisable(14);
  const token = encodeRevisionToken(keys, key);
  t.is(revisionTokenKid(token)?.kid, '7');
  t.deepEqual(open(token), keys);
});

test('tokens carry at least 28 entries (zero-key padding), so their size does not tell the key count', (t) => {
  const root = protobuf.loadSync(fileURLToPath(new URL('../../../proto/revision.proto', import.meta.url)));
  const DataType = root.lookupType('enfed.revision.RevisionTokenData');
  const entries = (n: number) => {
    const { data } = revisionTokenKid(encodeRevisionToken(revisable(n), key))!;
    const decipher = createDecipheriv('aes-256-gcm', key.secret, data.subarray(0, 12));
    decipher.setAAD(Buffer.from(key.kid));
    decipher.setAuthTag(data.subarray(data.length - 16));
    const plain = Buffer.concat([decipher.update(data.subarray(12, data.length - 16)), decipher.final()]);
    return (DataType.toObject(DataType.decode(plain)) as { revisableKeys: unknown[] }).revisableKeys.length;
  };
  t.is(MIN_TOKEN_ENTRIES, 28);
  t.is(entries(1), 28);
  t.is(entries(14), 28);
  t.is(entries(30), 30);
  const size = (n: number) => Buffer.from(encodeRevisionToken(revisable(n), key), 'base64').length;
  t.is(size(1), size(14), 'padding entries are as large as real ones');
  t.is(size(14), size(28));
});

test('two tokens over the same keys differ (random nonce)', (t) => {
  const keys = revisable(2);
  t.not(encodeRevisionToken(keys, key), encodeRevisionToken(keys, key));
});

test('tampered, truncated, re-labelled or foreign tokens do not open', (t) => {
  const token = encodeRevisionToken(revisable(3), key);
  const bytes = Buffer.from(token, 'base64');
  const flipped = Buffer.from(bytes);
  flipped[flipped.length - 5]! ^= 0x01;
  t.is(open(flipped.toString('base64')), undefined);
  t.is(open(bytes.subarray(0, bytes.length - 3).toString('base64')), undefined);
  t.is(open(token, { ...key, secret: randomBytes(32) }), undefined);
  const relabelled = revisionTokenKid(token)!;
  t.is(openRevisionToken({ kid: '8', data: relabelled.data }, { ...key, kid: '8' }), undefined);
  t.is(revisionTokenKid('not base64 at all %%%'), undefined);
  t.is(revisionTokenKid(''), undefined);
});

test('nextTokenKeys: previous keys still revisable first, then new ones, each key once; expired ones dropped', (t) => {
  const now = new Date('2026-11-20T10:25:00Z');
  const current = Math.floor(now.getTime() / 600_000);
  const oldestEnd = current - 15 * 144;
  const stillIn = { key: randomBytes(16), intervalNumber: oldestEnd - 144, intervalCount: 144 }; // ends exactly at the limit
  const tooOld = { key: randomBytes(16), intervalNumber: oldestEnd - 145, intervalCount: 144 };
  const fresh = revisable(2);
  const out = nextTokenKeys([stillIn, tooOld, fresh[0]!], fresh, now, 15);
  t.deepEqual(
    out.map((k) => k.key.toString('hex')),
    [stillIn, fresh[0]!, fresh[1]!].map((k) => k.key.toString('hex')),
  );
});
