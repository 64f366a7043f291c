import { createPrivateKey, createPublicKey, sign, type KeyObject } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { UnavailableError } from '../../errors/app-error';
import { MAX_TOKEN_CHARS } from './compact-jwt';
import { jwkThumbprint } from './jwk-thumbprint';

/** Where federation-in gets the bearer token it sends to an upstream. */
export type BearerTokenConfig =
  | {
      /** A file holding the token, kept fresh by something else (e.g. a sidecar asking Google for ID tokens). */
      kind: 'file';
      path: string;
    }
  | {
      /** Minted here: a self-signed ES256 JWT under a service-account key (EC P-256, PEM). */
      kind: 'minted';
      keyPath: string;
      issuer: string;
      subject: string;
      audience: string;
      /** kid of the tokens; null: the key's RFC 7638 thumbprint. */
      keyId: string | null;
    };

/** Lifetime of a minted token; a fresh one is minted when less than MINT_MARGIN remains. */
const MINT_LIFETIME_SECONDS = 3600;
const MINT_MARGIN_SECONDS = 300;

function unreadable(path: string, why: string): UnavailableError {
  return new UnavailableError(`bearer token source ${path}: ${why}`, 'upstream_token_unreadable');
}

/** A function giving the token for the next call. Failures are UnavailableError naming the file, never a token. */
export function createTokenSource(
  config: BearerTokenConfig,
  now: () => Date = () => new Date(),
): () => Promise<string> {
  return config.kind === 'file' ? fileTokenSource(config.path) : mintedTokenSource(config, now);
}

/** Re-reads the file only when its size or modification time changed (a stat per call, no read). */
function fileTokenSource(path: string): () => Promise<string> {
  let cached: { stamp: string; token: string } | undefined;
  return async () => {
    let stamp: string;
    try {
      const stat = statSync(path);
      stamp = `${stat.mtimeMs}:${stat.size}:${stat.ino}`;
      if (stat.size > MAX_TOKEN_CHARS + 2) throw unreadable(path, `larger than ${MAX_TOKEN_CHARS} bytes`);
    } catch (err) {
      if (err instanceof UnavailableError) throw err;
      throw unreadable(path, (err as { code?: string }).code === 'ENOENT' ? 'no such file' : 'cannot be read');
    }
    if (cached?.stamp === stamp) return cached.token;
    let token: string;
    try {
      token = readFileSync(path, 'utf8').trim();
    } catch {
      throw unreadable(path, 'cannot be read');
    }
    if (!/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token)) throw unreadable(path, 'does not hold a JWT');
    cached = { stamp, token };
    return token;
  };
}

function mintedTokenSource(
  config: Extract<BearerTokenConfig, { kind: 'minted' }>,
  now: () => Date,
): () => Promise<string> {
  let signer: { key: KeyObject; kid: string } | undefined;
  let cached: { token: string; exp: number } | undefined;
  return async () => {
    const seconds = Math.floor(now().getTime() / 1000);
    if (cached && cached.exp - seconds > MINT_MARGIN_SECONDS) return cached.token;
    signer ??= loadSigner(config.keyPath, config.keyId);
    const exp = seconds + MINT_LIFETIME_SECONDS;
    const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const input = `${part({ alg: 'ES256', typ: 'JWT', kid: signer.kid })}.${part({
      iss: config.issuer,
      sub: config.subject,
      aud: config.audience,
      iat: seconds,
      exp,
    })}`;
    const signature = sign('sha256', Buffer.from(input), { key: signer.key, dsaEncoding: 'ieee-p1363' });
    cached = { token: `${input}.${signature.toString('base64url')}`, exp };
    return cached.token;
  };
}

/** Reads an EC P-256 private key (PEM) and the kid its tokens carry. */
export function loadSigner(keyPath: string, keyId: string | null): { key: KeyObject; kid: string } {
  let key: KeyObject;
  try {
    key = createPrivateKey(readFileSync(keyPath));
  } catch {
    throw unreadable(keyPath, 'not a readable PEM private key');
  }
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw unreadable(keyPath, 'must be an EC P-256 key (ES256)');
  }
  return { key, kid: keyId ?? jwkThumbprint(createPublicKey(key)) };
}
