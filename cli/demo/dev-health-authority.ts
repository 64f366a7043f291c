import { createPrivateKey, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { intervalNumber } from '../../core/keys/intervals';
import { AuthorizedAppRepository } from '../../node/publish/apps/authorized-app.repository';
import { HealthAuthorityRepository } from '../../node/publish/authorities/health-authority.repository';
import { importHealthAuthorityKey } from '../../node/publish/authorities/public-key';
import type { PublishKeyInput } from '../../node/publish/request/publish-request';
import { computeTekmac } from '../../node/publish/verification/tekmac';

/**
 * A development verification server: it holds a health authority's P-256 private key and issues the ES256
 * verification certificates a phone would get after a positive test. Only for demos, seeding and tests;
 * a real health authority runs its own verification server.
 */
export interface DevHealthAuthority {
  healthAuthorityID: string;
  iss: string;
  aud: string;
  kid: string;
  privateKeyPem: string;
  publicKeyPem: string;
}

/** A new authority identity with a fresh P-256 key (PKCS#8 private, SPKI public). */
export function createDevHealthAuthority(ids: {
  healthAuthorityID: string;
  iss: string;
  aud: string;
  kid: string;
}): DevHealthAuthority {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    ...ids,
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

/**
 * Makes a node trust `authority`: the authority with its key (valid from an hour before `now`) and its app
 * (`healthAuthorityID`), allowed to publish for `regions`. Returns the authority's id.
 */
export async function registerDevHealthAuthority(
  em: EntityManager,
  authority: Omit<DevHealthAuthority, 'privateKeyPem'>,
  options: { name: string; regions: string[]; now: Date; bypassVerification?: boolean },
): Promise<number> {
  const { id } = await new HealthAuthorityRepository(em).upsert({
    iss: authority.iss,
    aud: authority.aud,
    name: options.name,
  });
  await new HealthAuthorityRepository(em).upsertKey(id, {
    version: authority.kid,
    from: new Date(options.now.getTime() - 3600_000),
    thru: null,
    publicKeyPem: await importHealthAuthorityKey(authority.publicKeyPem),
  });
  await new AuthorizedAppRepository(em).upsert({
    name: authority.healthAuthorityID,
    allowedRegions: options.regions,
    allowedHealthAuthorityIds: [id],
    bypassVerification: options.bypassVerification ?? false,
    bypassRevisionToken: false,
  });
  return id;
}

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A compact JWS of `payload` under `header`, signed ES256 (P-256, IEEE P1363 signature) with `privateKey`. */
export function signJws(
  privateKey: KeyObject,
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
): string {
  const input = `${b64url(header)}.${b64url(payload)}`;
  const signature = sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' });
  return `${input}.${signature.toString('base64url')}`;
}

/** The claims of a verification certificate for `keys`, valid at `now` (default: the clock) for 15 minutes. */
export function certificateClaims(
  authority: Pick<DevHealthAuthority, 'iss' | 'aud'>,
  keys: readonly PublishKeyInput[],
  hmacKey: Buffer,
  claims: { reportType: string; symptomOnsetInterval?: number; now?: Date },
): Record<string, unknown> {
  const now = Math.floor((claims.now ?? new Date()).getTime() / 1000);
  return {
    iss: authority.iss,
    aud: authority.aud,
    iat: now - 5,
    nbf: now - 5,
    exp: now + 900,
    reportType: claims.reportType,
    ...(claims.symptomOnsetInterval === undefined ? {} : { symptomOnsetInterval: claims.symptomOnsetInterval }),
    tekmac: computeTekmac(keys, hmacKey).toString('base64'),
  };
}

/** Signs a verification certificate (compact JWS, ES256) binding `keys` through their tekmac. */
export function issueCertificate(
  authority: Pick<DevHealthAuthority, 'iss' | 'aud' | 'kid'> & { privateKey: KeyObject },
  keys: readonly PublishKeyInput[],
  hmacKey: Buffer,
  claims: { reportType: string; symptomOnsetInterval?: number; now?: Date },
): string {
  return signJws(
    authority.privateKey,
    { alg: 'ES256', kid: authority.kid, typ: 'JWT' },
    certificateClaims(authority, keys, hmacKey, claims),
  );
}

/** `count` random daily keys that have already expired (so they are not embargoed), newest yesterday. */
export function pastDailyKeys(now: Date, count: number, transmissionRisk = 0): PublishKeyInput[] {
  const today = Math.floor(intervalNumber(now) / 144) * 144;
  return Array.from({ length: count }, (_, i) => ({
    key: randomBytes(16).toString('base64'),
    rollingStartNumber: today - (i + 1) * 144,
    rollingPeriod: 144,
    transmissionRisk,
  }));
}

/** A complete v1 publish request body for `keys`, certified by `authority`. */
export function publishBody(
  authority: Omit<DevHealthAuthority, 'publicKeyPem'>,
  keys: readonly PublishKeyInput[],
  options: { reportType?: string; traveler?: boolean; revisionToken?: string; now?: Date } = {},
): Record<string, unknown> {
  const hmacKey = randomBytes(32);
  const privateKey = createPrivateKey(authority.privateKeyPem);
  return {
    temporaryExposureKeys: keys,
    healthAuthorityID: authority.healthAuthorityID,
    verificationPayload: issueCertificate({ ...authority, privateKey }, keys, hmacKey, {
      reportType: options.reportType ?? 'confirmed',
      now: options.now,
    }),
    hmacKey: hmacKey.toString('base64'),
    ...(options.traveler ? { traveler: true } : {}),
    ...(options.revisionToken ? { revisionToken: options.revisionToken } : {}),
  };
}
