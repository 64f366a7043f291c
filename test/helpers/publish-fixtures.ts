import { createPrivateKey, randomBytes, type KeyObject } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/postgresql';
import test from 'ava';
import {
  certificateClaims,
  createDevHealthAuthority,
  pastDailyKeys,
  registerDevHealthAuthority,
  signJws,
} from '../../cli/demo/dev-health-authority';
import type { PublishKeyInput } from '../../node/publish/request/publish-request';
import { computeTekmac } from '../../node/publish/verification/tekmac';
import type { NodeConfig } from '../../node/node.config';
import { startTestNode, type TestServer } from './test-servers';

/** A health authority's signing identity for tests. */
export interface TestAuthority {
  id: number;
  iss: string;
  aud: string;
  kid: string;
  privateKey: KeyObject;
  publicKeyPem: string;
}

/** What `registerAuthorityAndApp` may be told; every field has a default. */
export interface AuthorityAndAppOptions {
  app?: string;
  iss?: string;
  aud?: string;
  kid?: string;
  regions?: string[];
  now?: Date;
  bypass?: boolean;
}

/** Registers a health authority with one fresh P-256 key (valid from an hour before `now`) and an app using it. */
export async function registerAuthorityAndApp(
  orm: MikroORM,
  options: AuthorityAndAppOptions = {},
): Promise<TestAuthority> {
  const iss = options.iss ?? 'test-ha';
  const aud = options.aud ?? 'test-node';
  const kid = options.kid ?? 'v1';
  const dev = createDevHealthAuthority({ healthAuthorityID: options.app ?? 'com.example.app', iss, aud, kid });
  const id = await registerDevHealthAuthority(orm.em.fork(), dev, {
    name: iss,
    regions: options.regions ?? ['US-CA'],
    now: options.now ?? new Date(),
    bypassVerification: options.bypass ?? false,
  });
  return { id, iss, aud, kid, privateKey: createPrivateKey(dev.privateKeyPem), publicKeyPem: dev.publicKeyPem };
}

/** A running node with a registered authority and app; both fields are set once the `before` hook ran. */
export interface PublishTestNode {
  node: TestServer<NodeConfig>;
  authority: TestAuthority;
}

/**
 * For a test file about publishing: registers hooks that start a node whose clock reads `now`, with
 * `registerAuthorityAndApp(…, { ...options, now })` done, before the file's tests, and destroy it after them.
 */
export function usePublishTestNode(now: Date, options: Omit<AuthorityAndAppOptions, 'now'> = {}): PublishTestNode {
  const setup = {} as PublishTestNode;
  test.before(async () => {
    setup.node = await startTestNode({ now: () => now });
    setup.authority = await registerAuthorityAndApp(setup.node.db.orm, { ...options, now });
  });
  test.after.always(async () => {
    await setup.node?.destroy();
  });
  return setup;
}

/** `count` keys, one per day ending yesterday (relative to `now`), with distinct random bytes. */
export const dailyKeys = pastDailyKeys;

/** A compact JWS signed with ES256 by `authority` (header and claims overridable, for attack cases). */
export function signCertificate(
  authority: TestAuthority,
  claims: Record<string, unknown>,
  header: Record<string, unknown> = {},
): string {
  return signJws(authority.privateKey, { alg: 'ES256', kid: authority.kid, typ: 'JWT', ...header }, claims);
}

/** base64 tekmac of `keys` under `hmacKey` (four-part form). */
export function tekmacFor(keys: readonly PublishKeyInput[], hmacKey: Buffer, withRisk = true): string {
  return computeTekmac(keys, hmacKey, withRisk).toString('base64');
}

/** Standard claims for `keys`, valid at `now`. */
export function claimsFor(
  authority: TestAuthority,
  keys: readonly PublishKeyInput[],
  hmacKey: Buffer,
  now: Date,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return { ...certificateClaims(authority, keys, hmacKey, { reportType: 'confirmed', now }), ...extra };
}

/** A complete, valid publish body for `keys`. */
export function publishBody(
  authority: TestAuthority,
  keys: readonly PublishKeyInput[],
  now: Date,
  options: {
    app?: string;
    claims?: Record<string, unknown>;
    header?: Record<string, unknown>;
    revisionToken?: string;
    extra?: Record<string, unknown>;
  } = {},
): Record<string, unknown> {
  const hmacKey = randomBytes(32);
  return {
    temporaryExposureKeys: keys,
    healthAuthorityID: options.app ?? 'com.example.app',
    verificationPayload: signCertificate(
      authority,
      claimsFor(authority, keys, hmacKey, now, options.claims),
      options.header,
    ),
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
