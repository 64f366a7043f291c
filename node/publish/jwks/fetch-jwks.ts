import { importHealthAuthorityKey, InvalidPublicKeyError } from '../authorities/public-key';

/** A refresh that could not read a usable JWKS document; its message is stored and logged (no secrets in it). */
export class JwksFetchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JwksFetchError';
  }
}

/** One key of a JWKS document: its kid and its public key as the stored PEM form. */
export interface JwksKey {
  kid: string;
  publicKeyPem: string;
}

/** The bounds of one fetch. */
export interface JwksFetchLimits {
  timeoutMs: number;
  maxBytes: number;
}

/**
 * GETs `uri` and reads at most `maxBytes` of it within `timeoutMs` (a slow or endless body is cut off, not
 * buffered). Anything but a 200 is a failure.
 */
async function readBounded(uri: string, limits: JwksFetchLimits): Promise<string> {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new JwksFetchError('jwks_uri is not a URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new JwksFetchError('jwks_uri must be http(s)');
  const signal = AbortSignal.timeout(limits.timeoutMs);
  try {
    const res = await fetch(url, { signal, redirect: 'follow', headers: { accept: 'application/json' } });
    if (res.status !== 200) {
      await res.body?.cancel();
      throw new JwksFetchError(`HTTP ${res.status}`);
    }
    const declared = Number(res.headers.get('content-length') ?? NaN);
    if (declared > limits.maxBytes) {
      await res.body?.cancel();
      throw new JwksFetchError(`document larger than ${limits.maxBytes} bytes`);
    }
    const chunks: Uint8Array[] = [];
    let size = 0;
    if (res.body) {
      for await (const chunk of res.body) {
        size += chunk.byteLength;
        if (size > limits.maxBytes) throw new JwksFetchError(`document larger than ${limits.maxBytes} bytes`);
        chunks.push(chunk);
      }
    }
    return Buffer.concat(chunks).toString('utf8');
  } catch (err) {
    if (err instanceof JwksFetchError) throw err;
    if (signal.aborted) throw new JwksFetchError(`no complete answer within ${limits.timeoutMs} ms`);
    throw new JwksFetchError(`fetch failed: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/**
 * Parses a JWKS document: a JSON array of JWKs (as the reference key server reads it) or the RFC 7517 form
 * `{"keys": [...]}`. Every key must be an EC P-256 public key with a kid; one bad key fails the whole
 * document, so that a broken publication never revokes the keys it failed to list.
 */
export async function parseJwks(text: string): Promise<JwksKey[]> {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new JwksFetchError('document is not JSON');
  }
  const list = Array.isArray(doc) ? doc : (doc as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(list)) throw new JwksFetchError('document is neither a JWK array nor {"keys": [...]}');
  const keys: JwksKey[] = [];
  const kids = new Set<string>();
  for (const [i, jwk] of list.entries()) {
    const kid = (jwk as { kid?: unknown } | null)?.kid;
    if (typeof kid !== 'string' || kid === '' || kid.length > 200) throw new JwksFetchError(`key ${i} has no kid`);
    if (kids.has(kid)) throw new JwksFetchError(`kid ${kid} appears twice`);
    kids.add(kid);
    try {
      keys.push({ kid, publicKeyPem: await importHealthAuthorityKey(JSON.stringify(jwk)) });
    } catch (err) {
      if (err instanceof InvalidPublicKeyError) throw new JwksFetchError(`key ${kid}: ${err.message}`);
      throw err;
    }
  }
  return keys;
}

/** Fetches and parses the JWKS document at `uri` within `limits`. */
export async function fetchJwks(uri: string, limits: JwksFetchLimits): Promise<JwksKey[]> {
  return parseJwks(await readBounded(uri, limits));
}
