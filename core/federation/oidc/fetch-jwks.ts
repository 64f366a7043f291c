import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { request } from 'node:https';
import { UnavailableError } from '../../errors/app-error';

/** Algorithms a token may be signed with. Everything else (none, HS256, PS256, …) is refused. */
export type TokenAlgorithm = 'ES256' | 'RS256';

/** A usable signing key from a JWKS. */
export interface PublishedKey {
  alg: TokenAlgorithm;
  key: KeyObject;
}

/** Bounds of one JWKS download. */
export interface JwksFetchLimits {
  timeoutMs: number;
  maxBytes: number;
  /** Extra CA bundle (PEM) for issuers behind a private CA; the system roots otherwise. */
  ca?: Buffer | undefined;
}

const MIN_RSA_BITS = 2048;
const MAX_KEYS = 100;

/**
 * Downloads a JWKS over HTTPS and keeps the keys that can verify ES256 or RS256 signatures, by kid. Redirects
 * are not followed, the body is capped at `maxBytes` and the whole exchange at `timeoutMs`. Any failure is an
 * UnavailableError (the caller may retry); the URL is named, the body never.
 */
export async function fetchJwks(url: string, limits: JwksFetchLimits): Promise<Map<string, PublishedKey>> {
  const body = await download(url, limits);
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw new UnavailableError(`JWKS at ${url} is not JSON`, 'jwks_unavailable');
  }
  const keys = (parsed as { keys?: unknown }).keys;
  if (!Array.isArray(keys)) throw new UnavailableError(`JWKS at ${url} has no keys array`, 'jwks_unavailable');
  const usable = new Map<string, PublishedKey>();
  for (const jwk of keys.slice(0, MAX_KEYS)) {
    const key = usableKey(jwk);
    if (key) usable.set(key.kid, key.published);
  }
  return usable;
}

function usableKey(jwk: unknown): { kid: string; published: PublishedKey } | undefined {
  if (typeof jwk !== 'object' || jwk === null) return undefined;
  const { kid, kty, crv, alg, use } = jwk as Record<string, unknown>;
  if (typeof kid !== 'string' || kid.length === 0) return undefined;
  if (use !== undefined && use !== 'sig') return undefined;
  const expected: TokenAlgorithm | undefined =
    kty === 'EC' && crv === 'P-256' ? 'ES256' : kty === 'RSA' ? 'RS256' : undefined;
  if (!expected || (alg !== undefined && alg !== expected)) return undefined;
  let key: KeyObject;
  try {
    // Only the public members are passed: a JWKS that leaks private parameters must not yield a private key.
    const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicPart } = jwk as JsonWebKey;
    key = createPublicKey({ key: publicPart, format: 'jwk' });
  } catch {
    return undefined;
  }
  if (expected === 'RS256' && (key.asymmetricKeyDetails?.modulusLength ?? 0) < MIN_RSA_BITS) return undefined;
  return { kid, published: { alg: expected, key } };
}

function download(url: string, limits: JwksFetchLimits): Promise<Buffer> {
  const failed = (why: string) => new UnavailableError(`JWKS at ${url}: ${why}`, 'jwks_unavailable');
  return new Promise((resolve, reject) => {
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      reject(failed('not a URL'));
      return;
    }
    if (target.protocol !== 'https:') {
      reject(failed('only https is allowed'));
      return;
    }
    const req = request(target, { method: 'GET', ca: limits.ca, headers: { accept: 'application/json' } }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        reject(failed(`HTTP ${res.statusCode ?? '?'}`));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > limits.maxBytes) {
          req.destroy(failed(`larger than ${limits.maxBytes} bytes`));
          return;
        }
        chunks.push(chunk);
      });
      res.on('end', () => resolve(Buffer.concat(chunks)));
      res.on('error', (err) => reject(err instanceof UnavailableError ? err : failed('connection lost')));
    });
    const timer = setTimeout(() => req.destroy(failed(`no answer within ${limits.timeoutMs} ms`)), limits.timeoutMs);
    req.on('close', () => clearTimeout(timer));
    req.on('error', (err) => reject(err instanceof UnavailableError ? err : failed(err.message)));
    req.end();
  });
}
