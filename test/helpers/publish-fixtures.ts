import { createHmac, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/postgresql';
import { intervalNumber } from '../../core/keys/intervals';
import { upsertAuthorizedApp } from '../../node/publish/apps/authorized-app.repository';
import { upsertHealthAuthority, upsertHealthAuthorityKey } from '../../node/publish/authorities/health-authority.repository';
import { importHealthAuthorityKey } from '../../node/publish/authorities/public-key';
import type { PublishKeyInput } from '../../node/publish/request/publish-request';
import { tekmacText } from '../../node/publish/verification/tekmac';

/** A health authority's signing identity for tests. */
export interface TestAuthority {
  id: number;
  iss: string;
  aud: string;
  kid: string;
  privateKey: KeyObject;
  publicKeyPem: string;
}

/** Registers a health authority with one fresh P-256 key (valid from an hour before `now`) and an app using it. */
export async function registerAuthorityAndApp(
  orm: MikroORM,
  options: { app?: string; iss?: string; aud?: string; kid?: string; regions?: string[]; now?: Date; bypass?: boolean } = {},
): Promise<TestAuthority> {
  const iss = options.iss ?? 'test-ha';
  const aud = options.aud ?? 'test-node';
  const kid = options.kid ?? 'v1';
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const em = orm.em.fork();
  const { id } = await upsertHealthAuthority(em, { iss, aud, name: iss });
  const from = new Date((options.now ?? new Date()).getTime() - 3600_000);
  await upsertHealthAuthorityKey(em, id, { version: kid, from, thru: null, publicKeyPem: await importHealthAuthorityKey(publicKeyPem) });
  await upsertAuthorizedApp(em, {
    name: options.app ?? 'com.example.app',
    allowedRegions: options.regions ?? ['US-CA'],
    allowedHealthAuthorityIds: [id],
    bypassVerification: options.bypass ?? false,
    bypassRevisionToken: false,
  });
  return { id, iss, aud, kid, privateKey, publicKeyPem };
}

/** `count` keys, one per day ending yesterday (relative to `now`), with distinct random bytes. */
export function dailyKeys(now: Date, count: number, transmissionRisk = 0): PublishKeyInput[] {
  const today = Math.floor(intervalNumber(now) / 144) * 144;
  return Array.from({ length: count }, (_, i) => ({
    key: randomBytes(16).toString('base64'),
    rollingStartNumber: today - (i + 1) * 144,
    rollingPeriod: 144,
    transmissionRisk,
  }));
}

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A compact JWS signed with ES256 by `authority` (header and claims overridable, for attack cases). */
export function signCertificate(
  authority: TestAuthority,
  claims: Record<string, unknown>,
  header: Record<string, unknown> = {},
): string {
  const input = `${b64url({ alg: 'ES256', kid: authority.kid, typ: 'JWT', ...header })}.${b64url(claims)}`;
  const signature = sign('sha256', Buffer.from(input), { key: authority.privateKey, dsaEncoding: 'ieee-p1363' });
  return `${input}.${signature.toString('base64url')}`;
}

/** base64 tekmac of `keys` under `hmacKey` (four-part form). */
export function tekmacFor(keys: readonly PublishKeyInput[], hmacKey: Buffer, withRisk = true): string {
  return createHmac('sha256', hmacKey).update(tekmacText(keys, withRisk)).digest('base64');
}

/** Standard claims for `keys`, valid at `now`. */
export function claimsFor(
  authority: TestAuthority,
  keys: readonly PublishKeyInput[],
  hmacKey: Buffer,
  now: Date,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  const t = Math.floor(now.getTime() / 1000);
  return {
    iss: authority.iss,
    aud: authority.aud,
    iat: t - 10,
    nbf: t - 10,
    exp: t + 900,
    reportType: 'confirmed',
    tekmac: tekmacFor(keys, hmacKey),
    ...extra,
  };
}

/** A complete, valid publish body for `keys`. */
export function publishBody(
  authority: TestAuthority,
  keys: readonly PublishKeyInput[],
  now: Date,
  options: { app?: string; claims?: Record<string, unknown>; header?: Record<string, unknown>; revisionToken?: string; extra?: Record<string, unknown> } = {},
): Record<string, unknown> {
  const hmacKey = randomBytes(32);
  return {
    temporaryExposureKeys: keys,
    healthAuthorityID: options.app ?? 'com.example.app',
    verificationPayload: signCertificate(authority, claimsFor(authority, keys, hmacKey, now, options.claims), options.header),
    hmacKey: hmacKey.toString('base64'),
    ...(options.revisionToken ? { revisionToken: options.revisionToken } : {}),
    ...options.extra,
  };
}

/** POSTs a publish body (object or raw text) and returns status, headers and parsed JSON. */
export async function postPublish(
  baseUrl: string,
  body: unknown,
  contentType = 'application/json',
): Promise<{ status: number; headers: Headers; json: Record<string, unknown> }> {
  const res = await fetch(`${baseUrl}/v1/publish`, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: JSON.parse(text) as Record<string, unknown> };
}
