import { createHmac, generateKeyPairSync, sign, type JsonWebKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TestCerts } from './federation-certs';

/** A signing key of the test issuer. */
export interface IssuerKey {
  kid: string;
  alg: 'ES256' | 'RS256';
  privateKey: KeyObject;
  publicJwk: JsonWebKey;
}

/** A local OIDC issuer: its JWKS served over HTTPS under the dev CA, tokens signed in the test. */
export interface TestIssuer {
  issuer: string;
  jwksUrl: string;
  es256: IssuerKey;
  rs256: IssuerKey;
  /** How many times the JWKS was downloaded. */
  readonly requests: number;
  /** Keys published from now on (default: es256 and rs256). */
  publish(keys: IssuerKey[]): void;
  /** A signed ID token; claims default to iss, sub, aud, iat = now, exp = now + 1 h. */
  token(claims: Record<string, unknown>, options?: { key?: IssuerKey; header?: Record<string, unknown> }): string;
  close(): Promise<void>;
}

/** A fresh ES256 or RS256 key with this kid. */
export function issuerKey(kid: string, alg: 'ES256' | 'RS256'): IssuerKey {
  const pair =
    alg === 'ES256'
      ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
      : generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { kid, alg, privateKey: pair.privateKey, publicJwk: pair.publicKey.export({ format: 'jwk' }) };
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Signs `payload` as a compact JWS with `key` (ES256 in IEEE P1363 form, as JWS wants). */
export function signJwt(
  payload: Record<string, unknown>,
  key: IssuerKey,
  header: Record<string, unknown> = {},
): string {
  const input = `${b64({ alg: key.alg, typ: 'JWT', kid: key.kid, ...header })}.${b64(payload)}`;
  const signature = sign(
    'sha256',
    Buffer.from(input),
    key.alg === 'ES256' ? { key: key.privateKey, dsaEncoding: 'ieee-p1363' } : key.privateKey,
  );
  return `${input}.${signature.toString('base64url')}`;
}

/** An unsigned token (`alg: none`), as an attacker would send it. */
export function unsignedJwt(payload: Record<string, unknown>, kid: string): string {
  return `${b64({ alg: 'none', typ: 'JWT', kid })}.${b64(payload)}.`;
}

/** An HS256 token whose HMAC key is the issuer's public JWK text: the classic algorithm confusion. */
export function hs256WithPublicKey(payload: Record<string, unknown>, key: IssuerKey): string {
  const input = `${b64({ alg: 'HS256', typ: 'JWT', kid: key.kid })}.${b64(payload)}`;
  const mac = createHmac('sha256', JSON.stringify(key.publicJwk)).update(input).digest();
  return `${input}.${mac.toString('base64url')}`;
}

/** Starts an issuer at https://127.0.0.1:<port>/ serving `/jwks.json` with the `partner` leaf of `certs`. */
export async function startTestIssuer(
  certs: TestCerts,
  defaults: { sub: string; aud: string; now?: () => Date },
): Promise<TestIssuer> {
  const es256 = issuerKey('es-1', 'ES256');
  const rs256 = issuerKey('rs-1', 'RS256');
  let published = [es256, rs256];
  let requests = 0;
  const server: Server = createServer(
    { cert: readFileSync(certs.certPath('partner')), key: readFileSync(certs.keyPath('partner')) },
    (req, res) => {
      if (req.url !== '/jwks.json') {
        res.writeHead(404).end();
        return;
      }
      requests += 1;
      const keys = published.map((k) => ({ ...k.publicJwk, kid: k.kid, alg: k.alg, use: 'sig' }));
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys }));
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    issuer: origin,
    jwksUrl: `${origin}/jwks.json`,
    es256,
    rs256,
    get requests() {
      return requests;
    },
    publish(keys) {
      published = keys;
    },
    token(claims, options = {}) {
      const now = Math.floor((defaults.now?.() ?? new Date()).getTime() / 1000);
      const payload = { iss: origin, sub: defaults.sub, aud: defaults.aud, iat: now, exp: now + 3600, ...claims };
      return signJwt(payload, options.key ?? es256, options.header);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
