import test from 'ava';
import { BadRequestError } from '../../../core/errors/app-error';
import { decodeCursor, encodeCursor, requestScope, startPosition } from '../../../core/federation/fetch-cursor';

const scope = requestScope({
  includeRegions: ['CA'],
  excludeRegions: [],
  onlyTravelers: false,
  onlyLocalProvenance: true,
});

test('a position round-trips exactly, to the microsecond and the key bytes', (t) => {
  const position = { micros: 1_795_000_000_123_456n, key: Buffer.alloc(16, 0xab) };
  const cursor = encodeCursor(position, scope);
  t.is(cursor.timestamp, 1_795_000_000);
  t.regex(cursor.nextToken, /^[A-Za-z0-9_-]+$/);
  t.deepEqual(decodeCursor(cursor, scope), position);
});

test('an absent cursor or an empty token starts at the given timestamp', (t) => {
  t.deepEqual(decodeCursor(null, scope), startPosition(0));
  t.deepEqual(decodeCursor({ timestamp: 0, nextToken: '' }, scope), startPosition(0));
  t.deepEqual(decodeCursor({ timestamp: 100, nextToken: '' }, scope), { micros: 99_999_999n, key: null });
  t.deepEqual(decodeCursor({ timestamp: -62135596800, nextToken: '' }, scope), startPosition(0), 'Go zero time');
});

const b64 = (text: string) => Buffer.from(text).toString('base64url');
const malformed: [string, string][] = [
  ['not base64url', '$$$'],
  ['wrong version', b64(`k0|1|${'00'.repeat(16)}|${scope}`)],
  ['too few parts', b64('k1|1')],
  ['bad number', b64(`k1|1e5|${'00'.repeat(16)}|${scope}`)],
  ['short key', b64(`k1|1|abcd|${scope}`)],
  ['too long', 'A'.repeat(201)],
];

for (const [name, nextToken] of malformed) {
  test(`a malformed token is INVALID_ARGUMENT: ${name}`, (t) => {
    const err = t.throws(() => decodeCursor({ timestamp: 0, nextToken }, scope));
    t.true(err instanceof BadRequestError);
    t.is((err as BadRequestError).kind, 'invalid_argument');
  });
}

test('a token from a request with other parameters is refused', (t) => {
  const other = requestScope({
    includeRegions: ['NY'],
    excludeRegions: [],
    onlyTravelers: false,
    onlyLocalProvenance: true,
  });
  const cursor = encodeCursor({ micros: 5n, key: null }, other);
  const err = t.throws(() => decodeCursor(cursor, scope));
  t.is((err as BadRequestError).code, 'fetch_state_mismatch');
});
