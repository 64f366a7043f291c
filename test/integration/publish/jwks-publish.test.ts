import { createPublicKey } from 'node:crypto';
import test from 'ava';
import { HealthAuthorityRepository } from '../../../node/publish/authorities/health-authority.repository';
import type { NodeConfig } from '../../../node/node.config';
import { startJwksServer, type JwksServer } from '../../helpers/jwks-server';
import { jwkOf, newP256Key } from '../../helpers/p256-keys';
import {
  dailyKeys,
  postPublish,
  publishBody,
  registerAuthorityAndApp,
  type TestAuthority,
} from '../../helpers/publish-fixtures';
import { startTestNode, type TestServer } from '../../helpers/test-servers';

// The node's scheduled refresher (every second) and its trust store (1 s TTL), on a real clock.
let node: TestServer<NodeConfig>;
let jwks: JwksServer;
let v1: TestAuthority;
let v2: TestAuthority;

test.before(async () => {
  jwks = await startJwksServer();
  node = await startTestNode({ env: { JWKS_REFRESH_INTERVAL: '1', PUBLISH_CACHE_TTL: '1' } });
  v1 = await registerAuthorityAndApp(node.db.orm, { now: new Date() });
  const fresh = newP256Key();
  v2 = { ...v1, kid: 'v2', privateKey: fresh.privateKey };
  jwks.reply = {
    status: 200,
    body: JSON.stringify({
      keys: [
        { ...jwkOf(createPublicKey(v1.publicKeyPem)), kid: 'v1' },
        { ...jwkOf(fresh.publicKey), kid: 'v2' },
      ],
    }),
  };
  await new HealthAuthorityRepository(node.db.orm.em.fork()).upsert({
    iss: v1.iss,
    aud: v1.aud,
    name: v1.iss,
    jwksUri: jwks.url,
  });
});
test.after.always(async () => {
  await node?.destroy();
  await jwks?.close();
});

async function publishWith(authority: TestAuthority): Promise<number> {
  const now = new Date();
  return (await postPublish(node.server.httpUrl, publishBody(authority, dailyKeys(now, 2), now))).status;
}

async function until(authority: TestAuthority, status: number): Promise<number> {
  let last = await publishWith(authority);
  for (let i = 0; i < 120 && last !== status; i++) {
    await new Promise((r) => setTimeout(r, 250));
    last = await publishWith(authority);
  }
  return last;
}

test.serial('a key published in the JWKS signs certificates; a key withdrawn from it stops', async (t) => {
  t.is(await until(v2, 200), 200);
  t.is(await publishWith(v1), 200);

  jwks.reply = { status: 200, body: JSON.stringify({ keys: [{ ...jwkOf(newP256Key().publicKey), kid: 'v3' }] }) };
  t.is(await until(v1, 401), 401);
  t.is(await until(v2, 401), 401);
  const ha = await new HealthAuthorityRepository(node.db.orm.em.fork()).find(v1.iss);
  t.deepEqual(
    ha?.keys.map((k) => [k.version, k.thru !== null]),
    [
      ['v1', true],
      ['v2', true],
      ['v3', false],
    ],
  );
  t.is(ha?.jwks?.error, null);
});
