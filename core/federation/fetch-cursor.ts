import { createHash } from 'node:crypto';
import { KEY_LENGTH } from '../keys/exposure-key';
import { BadRequestError } from '../errors/app-error';
import type { WireCursor } from './federation.proto';

/**
 * An exact keyset position: the last (timestamp, key) served, the timestamp in microseconds since the epoch
 * (PostgreSQL's precision, so the comparison in SQL is exact). `null` key means "before every key at `micros`".
 */
export interface KeysetPosition {
  micros: bigint;
  key: Buffer | null;
}

/** The start of a stream: every key with a timestamp ≥ `fromSeconds` (0: everything). */
export function startPosition(fromSeconds = 0): KeysetPosition {
  return { micros: BigInt(fromSeconds) * 1_000_000n - 1n, key: null };
}

const VERSION = 'k1';

/**
 * Last second a cursor may name (9999-12-31T23:59:59Z). Larger values, or token positions before the start
 * position, are client mistakes; passed on, PostgreSQL would fail on them ("out of range") and the client
 * would see INTERNAL.
 */
const MAX_CURSOR_SECONDS = 253_402_300_799;

/**
 * Fingerprint of the request parameters that must not change while a state is passed back (regions,
 * travelers, provenance). Stored in the token so that a client mixing states across queries is told so.
 */
export function requestScope(params: {
  includeRegions: string[];
  excludeRegions: string[];
  onlyTravelers: boolean;
  onlyLocalProvenance: boolean;
}): string {
  const text = JSON.stringify([
    params.includeRegions,
    params.excludeRegions,
    params.onlyTravelers,
    params.onlyLocalProvenance,
  ]);
  return createHash('sha256').update(text).digest('base64url').slice(0, 12);
}

/** Encodes a position as the opaque `nextToken` plus the informational unix-seconds timestamp. */
export function encodeCursor(position: KeysetPosition, scope: string): WireCursor {
  const key = position.key ? position.key.toString('hex') : '';
  const nextToken = Buffer.from(`${VERSION}|${position.micros}|${key}|${scope}`).toString('base64url');
  const seconds = position.micros < 0n ? 0 : Number(position.micros / 1_000_000n);
  return { timestamp: seconds, nextToken };
}

/**
 * Decodes a cursor sent back by a client. An absent cursor or empty token starts at `timestamp` (so a client
 * may begin from a point in time); anything else must be a token we issued for the same request scope, or the
 * call is INVALID_ARGUMENT.
 */
export function decodeCursor(cursor: WireCursor | null | undefined, scope: string): KeysetPosition {
  if (!cursor || cursor.nextToken === '') {
    const from = cursor?.timestamp ?? 0;
    if (!Number.isSafeInteger(from) || from > MAX_CURSOR_SECONDS) throw invalid('cursor timestamp out of range');
    // A time before the epoch means "from the start": the reference federation-in client sends Go's zero time
    // (time.Time{}.Unix() = -62135596800) until it has stored a state, and the reference server reads it as a
    // lower bound that every key passes.
    return startPosition(Math.max(from, 0));
  }
  if (cursor.nextToken.length > 200 || !/^[A-Za-z0-9_-]+$/.test(cursor.nextToken)) throw invalid('malformed nextToken');
  const parts = Buffer.from(cursor.nextToken, 'base64url').toString('utf8').split('|');
  if (parts.length !== 4 || parts[0] !== VERSION) throw invalid('malformed nextToken');
  const [, microsText = '', keyHex = '', tokenScope = ''] = parts;
  if (!/^-?\d{1,18}$/.test(microsText)) throw invalid('malformed nextToken');
  const micros = BigInt(microsText);
  if (micros < startPosition(0).micros || micros >= BigInt(MAX_CURSOR_SECONDS + 1) * 1_000_000n) {
    throw invalid('malformed nextToken');
  }
  if (keyHex !== '' && !new RegExp(`^[0-9a-f]{${KEY_LENGTH * 2}}$`).test(keyHex)) throw invalid('malformed nextToken');
  if (tokenScope !== scope) {
    throw new BadRequestError(
      'the fetch state belongs to a request with other regions or traveler parameters',
      'fetch_state_mismatch',
    );
  }
  return { micros, key: keyHex === '' ? null : Buffer.from(keyHex, 'hex') };
}

function invalid(message: string): BadRequestError {
  return new BadRequestError(message, 'invalid_fetch_state');
}
