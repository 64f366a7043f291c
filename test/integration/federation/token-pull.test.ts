import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { jwkThumbprint } from '../../../core/federation/oidc/jwk-thumbprint';
import { truncate } from '../../../core/keys/intervals';
import { pullUpstream, type PullDeps } from '../../../hub/sources/federation/pull-upstream';
import { enfedInProcess } from '../../helpers/cli';
import { generateTestCerts, type TestCerts } from '../../helpers/federation-certs';
import { pullDeps, TestClock } from '../../helpers/federation-harness';
import { insertKeys, makeKey, type SeedKey } from '../../helpers/key-factory';
import { startTestIssuer, type IssuerKey, type TestIssuer } from '../../helpers/oidc-issuer';
import { createTestDatabase, type TestDatabase } from '../../helpers/test-database';
import { startTestNode } from '../../helpers/test-servers';

const AUDIENCE = 'https://node-a.example/federation';
let certs: TestCerts;
let issuer: TestIssuer;
let node: Awaited<ReturnType<typeof startTestNode>>;
let hubDb: TestDatabase;
let deps: PullDeps;
let keys: SeedKey[];
let hubKeyPath: string;
let tokenFile: string;

test.before(async () => {
  certs = await generateTestCerts(['node-a']);
  [node, hubDb] = await Promise.all([
    // Real time on both sides: tokens are minted and checked against the wall clock.
    startTestNode({
      env: {
        ...certs.serverEnv('node-a'),
        GRPC_TOKEN_PORT: '0',
        FEDERATION_TOKEN_AUDIENCE: AUDIENCE,
        FEDERATION_JWKS_CA_PATH: certs.caPath,
      },
    }),
    createTestDatabase(),
  ]);
  issuer = await startTestIssuer(certs, { sub: 'sidecar-holder', aud: AUDIENCE });
  // The hub's service-account key: the node trusts tokens it signs, published (as an operator would with
  // `enfed admin upstream token-jwks`) in the issuer's JWKS next to the issuer's own key.
  const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  hubKeyPath = join(certs.dir, 'hub-token.key');
  writeFileSync(hubKeyPath, pair.privateKey.export({ format: 'pem', type: 'pkcs8' }));
  const hubKey: IssuerKey = {
    kid: jwkThumbprint(createPublicKey(pair.privateKey)),
    alg: 'ES256',
    privateKey: pair.privateKey,
    publicJwk: pair.publicKey.export({ format: 'jwk' }),
  };
  issuer.publish([issuer.es256, hubKey]);
  tokenFile = join(certs.dir, 'id-token');

  const pool = node.db.pool;
  await pool.query('insert into token_issuers (issuer, jwks_url) values ($1, $2)', [issuer.issuer, issuer.jwksUrl]);
  for (const [name, sub] of [
    ['hub-minted', 'enfed-hub'],
    ['hub-file', 'sidecar-holder'],
  ]) {
    await pool.query(
      `insert into partner_authorizations (name, token_issuer, token_subject, include_regions) values ($1, $2, $3, $4)`,
      [name, issuer.issuer, sub, ['CA', 'NY']],
    );
  }
  const old = new Date(truncate(new Date(), 3600).getTime() - 3 * 3600_000);
  keys = [
    makeKey({ regions: ['CA'], createdAt: old }),
    makeKey({ regions: ['NY'], createdAt: old }),
    makeKey({ regions: ['TX'], createdAt: old }),
  ];
  await insertKeys(pool, keys);
  deps = pullDeps(hubDb.pool, new TestClock(), { now: () => new Date() });
});

test.after.always(async () => {
  deps?.clients.close();
  await Promise.allSettled([node?.destroy(), hubDb?.destroy(), issuer?.close()]);
  await certs?.destroy();
});

async function addUpstream(name: string, address: string, tokenArgs: string[]): Promise<number> {
  const run = await enfedInProcess(
    [
      'admin',
      'upstream',
      'add',
      '--name',
      name,
      '--address',
      address,
      '--ca',
      certs.caPath,
      '--include',
      'CA,NY,TX',
      ...tokenArgs,
    ],
    { DATABASE_URL: hubDb.url, LOG_LEVEL: 'silent' },
  );
  if (run.code !== 0) throw new Error(run.stderr);
  const row = await hubDb.pool.query<{ id: number }>('select id from federation_in_queries where name = $1', [name]);
  return (row.rows[0] as { id: number }).id;
}

const pooled = async () =>
  (await hubDb.pool.query<{ k: string }>(`select encode(key, 'hex') as k from exposure_keys order by 1`)).rows.map(
    (r) => r.k,
  );

test.serial('the hub pulls over the token port with a minted ES256 token: the partner regions only', async (t) => {
  const id = await addUpstream('minted', node.server.addresses.grpcToken!, [
    '--token-key',
    hubKeyPath,
    '--token-issuer',
    issuer.issuer,
    '--token-subject',
    'enfed-hub',
    '--token-audience',
    AUDIENCE,
  ]);
  const outcome = await pullUpstream(deps, id);
  t.like(outcome, { status: 'done', counts: { received: 2, inserted: 2 } });
  t.deepEqual(await pooled(), [keys[0]!.key, keys[1]!.key].map((k) => k.toString('hex')).sort());
});

test.serial('a token-only upstream on the mTLS port fails the handshake; the run says so', async (t) => {
  const id = await addUpstream('minted-on-mtls', node.server.addresses.grpc!, [
    '--token-key',
    hubKeyPath,
    '--token-issuer',
    issuer.issuer,
    '--token-audience',
    AUDIENCE,
  ]);
  const outcome = await pullUpstream(deps, id);
  t.is(outcome.status, 'failed');
  t.regex(outcome.status === 'failed' ? outcome.error : '', /^grpc_status_14/);
});

test.serial('a token file: missing, then expired, then refreshed, each picked up on the next pull', async (t) => {
  const id = await addUpstream('file', node.server.addresses.grpcToken!, ['--token-file', tokenFile]);
  const errorOf = async () => {
    const outcome = await pullUpstream(deps, id, { ignoreBackoff: true });
    return outcome.status === 'failed' ? outcome.error : outcome.status;
  };
  t.is(await errorOf(), `upstream_token_unreadable: bearer token source ${tokenFile}: no such file`);
  const n = Math.floor(Date.now() / 1000);
  writeFileSync(tokenFile, `${issuer.token({ iat: n - 7200, exp: n - 3600 })}\n`);
  t.regex(await errorOf(), /^grpc_status_16: .*token_expired/);
  writeFileSync(tokenFile, issuer.token({}));
  t.is(await errorOf(), 'done');
  rmSync(tokenFile);
});
