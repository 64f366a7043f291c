import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { jwkThumbprint } from '../../../core/federation/oidc/jwk-thumbprint';
import { JwksCache } from '../../../core/federation/oidc/jwks-cache';
import { createTokenSource } from '../../../core/federation/oidc/token-source';
import { verifyIdToken } from '../../../core/federation/oidc/verify-id-token';

const dir = mkdtempSync(join(tmpdir(), 'enfed-token-source-'));
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

test('a minted token verifies under its public key, and is reused until 5 minutes before it expires', async (t) => {
  const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const keyPath = join(dir, 'sa.key');
  writeFileSync(keyPath, pair.privateKey.export({ format: 'pem', type: 'sec1' }));
  let clock = Date.UTC(2026, 10, 30, 8, 0, 0);
  const now = () => new Date(clock);
  const source = createTokenSource(
    { kind: 'minted', keyPath, issuer: 'enfed-hub', subject: 'hub-1', audience: 'https://node.example', keyId: null },
    now,
  );
  const first = await source();
  const kid = jwkThumbprint(createPublicKey(pair.privateKey));
  const keys = new JwksCache({
    load: async () => new Map([[kid, { alg: 'ES256' as const, key: pair.publicKey }]]),
    ttlSeconds: 300,
    minRefreshSeconds: 30,
    now,
  });
  const verified = await verifyIdToken(first, {
    jwksUrlOf: async (iss) => (iss === 'enfed-hub' ? 'https://jwks.example' : undefined),
    keys,
    leewaySeconds: 0,
    now,
  });
  t.deepEqual(verified, { issuer: 'enfed-hub', subject: 'hub-1', audiences: ['https://node.example'] });
  clock += 54 * 60_000;
  t.is(await source(), first);
  clock += 2 * 60_000;
  t.not(await source(), first);
});

test('a token file is re-read when it changes; an empty or missing one is a clear error', async (t) => {
  const path = join(dir, 'token');
  const source = createTokenSource({ kind: 'file', path });
  await t.throwsAsync(source(), { message: `bearer token source ${path}: no such file` });
  writeFileSync(path, 'aaa.bbb.ccc\n');
  t.is(await source(), 'aaa.bbb.ccc');
  writeFileSync(path, 'dddd.eeee.ffff');
  t.is(await source(), 'dddd.eeee.ffff');
  writeFileSync(path, '');
  await t.throwsAsync(source(), { message: /does not hold a JWT/ });
});

test('a key that is not EC P-256 is refused, naming the file', async (t) => {
  const keyPath = join(dir, 'rsa.key');
  writeFileSync(
    keyPath,
    generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'pem', type: 'pkcs8' }),
  );
  const source = createTokenSource({ kind: 'minted', keyPath, issuer: 'i', subject: 'i', audience: 'a', keyId: 'k' });
  await t.throwsAsync(source(), { message: `bearer token source ${keyPath}: must be an EC P-256 key (ES256)` });
});
