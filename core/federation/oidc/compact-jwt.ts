import { UnauthenticatedError } from '../../errors/app-error';

/** Longest token accepted; ID tokens are around 1 KB, and a huge one is refused before any parsing. */
export const MAX_TOKEN_CHARS = 8192;

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** A compact JWS split into its parts; nothing in it is trusted yet. */
export interface CompactJwt {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  /** `base64url(header).base64url(payload)`, the bytes the signature covers. */
  signingInput: Buffer;
  signature: Buffer;
}

function malformed(): never {
  throw new UnauthenticatedError('the bearer token is not a well-formed JWT', 'token_malformed');
}

function jsonObject(part: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    malformed();
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) malformed();
  return value as Record<string, unknown>;
}

/** Splits a compact JWS (three base64url parts). Refuses anything else, including unsigned tokens. */
export function parseCompactJwt(token: string): CompactJwt {
  if (token.length > MAX_TOKEN_CHARS) malformed();
  const parts = token.split('.');
  if (parts.length !== 3 || !parts.every((p) => BASE64URL.test(p))) malformed();
  const [header, payload, signature] = parts as [string, string, string];
  return {
    header: jsonObject(header),
    payload: jsonObject(payload),
    signingInput: Buffer.from(`${header}.${payload}`, 'ascii'),
    signature: Buffer.from(signature, 'base64url'),
  };
}
