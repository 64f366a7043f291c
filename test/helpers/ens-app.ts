import { createHmac, createPublicKey, randomBytes, verify } from 'node:crypto';

/*
 * An app of the reference Exposure Notifications ecosystem, written from the protocol alone: it verifies a code
 * (/api/verify), asks for a certificate with its HMAC of its keys (/api/certificate), and publishes (/v1/publish).
 * It computes the HMAC itself and shares no code with the server.
 */

/** A key as the v1 publish API carries it. */
export interface EnsKey {
  key: string;
  rollingStartNumber: number;
  rollingPeriod: number;
  transmissionRisk: number;
}

/** `count` daily keys, newest yesterday relative to `now`. */
export function ensDailyKeys(now: Date, count: number): EnsKey[] {
  const today = Math.floor(now.getTime() / 600_000 / 144) * 144;
  return Array.from({ length: count }, (_, i) => ({
    key: randomBytes(16).toString('base64'),
    rollingStartNumber: today - (i + 1) * 144,
    rollingPeriod: 144,
    transmissionRisk: 0,
  }));
}

/** The reference's TEK HMAC: keys sorted by base64 text, `key.start.period.risk`, joined by commas. */
export function ensKeysHmac(keys: readonly EnsKey[], secret: Buffer): Buffer {
  const text = [...keys]
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((k) => `${k.key}.${k.rollingStartNumber}.${k.rollingPeriod}.${k.transmissionRisk}`)
    .join(',');
  return createHmac('sha256', secret).update(text).digest();
}

export interface JsonAnswer {
  status: number;
  json: Record<string, unknown>;
  headers: Headers;
}

/** POSTs JSON (or raw text) to the node as an app does. */
export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<JsonAnswer> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return {
    status: res.status,
    json: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>),
    headers: res.headers,
  };
}

/** An app: verify a code, get a certificate for its keys, publish them. */
export class EnsApp {
  constructor(
    private readonly baseUrl: string,
    readonly healthAuthorityID: string,
    private readonly address = `10.1.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`,
    private readonly headers: Record<string, string> = {},
  ) {}

  verify(code: string, extra: Record<string, unknown> = {}): Promise<JsonAnswer> {
    return postJson(
      `${this.baseUrl}/api/verify`,
      { code, ...extra },
      { ...this.headers, 'x-forwarded-for': this.address },
    );
  }

  certificate(token: string, ekeyhmac: string): Promise<JsonAnswer> {
    return postJson(
      `${this.baseUrl}/api/certificate`,
      { token, ekeyhmac },
      { ...this.headers, 'x-forwarded-for': this.address },
    );
  }

  /** The whole flow; returns the publish answer (and the certificate, for checks). */
  async publishWithCode(code: string, keys: readonly EnsKey[]): Promise<{ publish: JsonAnswer; certificate: string }> {
    const verified = await this.verify(code);
    if (verified.status !== 200) throw new Error(`verify: ${verified.status} ${JSON.stringify(verified.json)}`);
    const secret = randomBytes(32);
    const cert = await this.certificate(verified.json.token as string, ensKeysHmac(keys, secret).toString('base64'));
    if (cert.status !== 200) throw new Error(`certificate: ${cert.status} ${JSON.stringify(cert.json)}`);
    const certificate = cert.json.certificate as string;
    const publish = await postJson(`${this.baseUrl}/v1/publish`, {
      temporaryExposureKeys: keys,
      healthAuthorityID: this.healthAuthorityID,
      verificationPayload: certificate,
      hmacKey: secret.toString('base64'),
    });
    return { publish, certificate };
  }
}

/**
 * Checks a certificate by the reference key server's rules, independently of enfed's publish path: ES256 with a
 * kid, the issuer's audience, the signature under the given public key, exp/iat/nbf at `now` with no leeway, a
 * known reportType and a tekmac. Returns the claims, or throws naming the broken rule.
 */
export function checkCertificateAsReference(
  jwt: string,
  trusted: { iss: string; aud: string; kid: string; publicKeyPem: string },
  now: Date,
): Record<string, unknown> {
  const [h, p, s] = jwt.split('.');
  if (!h || !p || !s) throw new Error('not a compact JWS');
  const header = JSON.parse(Buffer.from(h, 'base64url').toString()) as Record<string, unknown>;
  const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
  if (header.alg !== 'ES256') throw new Error('alg');
  if (header.kid !== trusted.kid) throw new Error('kid');
  if (claims.iss !== trusted.iss) throw new Error('iss');
  if (claims.aud !== trusted.aud) throw new Error('aud');
  const ok = verify(
    'sha256',
    Buffer.from(`${h}.${p}`),
    { key: createPublicKey(trusted.publicKeyPem), dsaEncoding: 'ieee-p1363' },
    Buffer.from(s, 'base64url'),
  );
  if (!ok) throw new Error('signature');
  const t = now.getTime() / 1000;
  if (typeof claims.exp !== 'number' || t > claims.exp) throw new Error('exp');
  if (typeof claims.iat === 'number' && t < claims.iat) throw new Error('iat');
  if (typeof claims.nbf === 'number' && t < claims.nbf) throw new Error('nbf');
  if (!['confirmed', 'likely', 'negative', 'user-report'].includes(claims.reportType as string))
    throw new Error('reportType');
  if (typeof claims.tekmac !== 'string') throw new Error('tekmac');
  return claims;
}
