import { readFileSync } from 'node:fs';
import { status } from '@grpc/grpc-js';
import test from 'ava';
import { FederationCallError, FederationClient } from '../../../core/federation/federation-client';
import { truncate } from '../../../core/keys/intervals';
import { captureLogs } from '../../helpers/captured-logs';
import { authorizePartner, generateTestCerts, type TestCerts } from '../../helpers/federation-certs';
import { insertKeys, makeKey, type SeedKey } from '../../helpers/key-factory';
import {
  hs256WithPublicKey,
  issuerKey,
  signJwt,
  startTestIssuer,
  unsignedJwt,
  type TestIssuer,
} from '../../helpers/oidc-issuer';
import { startTestNode } from '../../helpers/test-servers';

const AUDIENCE = 'https://node-a.example/federation';
const HOUR = 3600_000;
const logs = captureLogs('debug');
let certs: TestCerts;
let issuer: TestIssuer;
let node: Awaited<ReturnType<typeof startTestNode>>;
let tokenAddress: string;
let mtlsAddress: string;
let keys: SeedKey[];
const sentTokens: string[] = [];

test.before(async () => {
  certs = await generateTestCerts(['node-a']);
  issuer = await startTestIssuer(certs, { sub: 'svc-reference', aud: AUDIENCE });
  node = await startTestNode({
    logger: logs.logger,
    env: {
      ...certs.serverEnv('node-a'),
      GRPC_TOKEN_PORT: '0',
      FEDERATION_TOKEN_AUDIENCE: AUDIENCE,
      FEDERATION_JWKS_CA_PATH: certs.caPath,
    },
  });
  tokenAddress = node.server.addresses.grpcToken as string;
  mtlsAddress = node.server.addresses.grpc as string;
  const pool = node.db.pool;
  await pool.query('insert into token_issuers (issuer, jwks_url) values ($1, $2)', [issuer.issuer, issuer.jwksUrl]);
  const addToken = (name: string, sub: string, include: string[], audience: string | null, exclude: string[] = []) =>
    pool.query(
      `insert into partner_authorizations (name, token_issuer, token_subject, token_audience, include_regions, exclude_regions)
       values ($1, $2, $3, $4, $5, $6)`,
      [name, issuer.issuer, sub, audience, include, exclude],
    );
  await addToken('reference-state', 'svc-reference', ['CA', 'NY'], null);
  await addToken('own-audience', 'svc-other', ['TX'], 'urn:enfed:other');
  // A certificate partner with the same regions: both kinds must see the same keys.
  await authorizePartner(pool, { name: 'hub', fingerprint: certs.fingerprint('hub'), include: ['CA', 'NY'] });
  const old = new Date(truncate(new Date(), 3600).getTime() - 3 * HOUR);
  keys = [
    makeKey({ regions: ['CA'], createdAt: old }),
    makeKey({ regions: ['NY', 'WA'], createdAt: old }),
    makeKey({ regions: ['TX'], createdAt: old }),
  ];
  await insertKeys(pool, keys);
});

test.after.always(async () => {
  await node?.destroy();
  await issuer?.close();
  await certs?.destroy();
});

function tokenClient(token: string | undefined, address = tokenAddress): FederationClient {
  if (token) sentTokens.push(token);
  return new FederationClient({
    address,
    tls: { caCertPath: certs.caPath },
    ...(token === undefined ? {} : { bearerToken: async () => token }),
  });
}

/** The outcome of one call: 'OK' or the gRPC code with the error's stable code. */
async function outcome(token: string | undefined, regions = ['CA', 'NY', 'TX', 'WA'], address = tokenAddress) {
  const client = tokenClient(token, address);
  try {
    await client.fetch({ includeRegions: regions }, 5000);
    return 'OK';
  } catch (err) {
    if (!(err instanceof FederationCallError)) throw err;
    const code = /: ([a-z_]+):/.exec(err.message)?.[1];
    return `${status[err.grpcCode]}${code ? ` ${code}` : ''}`;
  } finally {
    client.close();
  }
}

const hex = (ks: { exposureKey: Buffer }[]) => ks.map((k) => k.exposureKey.toString('hex')).sort();
const now = () => Math.floor(Date.now() / 1000);

test.serial('a good ES256 or RS256 token: keys intersected with the authorization, as for a certificate', async (t) => {
  for (const key of [issuer.es256, issuer.rs256]) {
    const client = tokenClient(issuer.token({}, { key }));
    try {
      const page = await client.fetch({ includeRegions: ['CA', 'NY', 'TX', 'WA'] });
      t.deepEqual(hex(page.keys), hex([keys[0]!, keys[1]!].map((k) => ({ exposureKey: k.key }))), key.alg);
      t.deepEqual(page.keys.find((k) => k.exposureKey.equals(keys[1]!.key))?.regions, ['NY']);
    } finally {
      client.close();
    }
  }
  const byCert = certs.client(mtlsAddress, 'hub');
  try {
    const page = await byCert.fetch({ includeRegions: ['CA', 'NY', 'TX', 'WA'] });
    t.deepEqual(hex(page.keys), hex([keys[0]!, keys[1]!].map((k) => ({ exposureKey: k.key }))));
  } finally {
    byCert.close();
  }
});

test.serial('exp, iat and nbf are checked with the leeway; a lifetime over 24 h is refused', async (t) => {
  const n = now();
  t.is(await outcome(issuer.token({ iat: n - 7200, exp: n - 120 })), 'UNAUTHENTICATED token_expired');
  t.is(await outcome(issuer.token({ iat: n - 3600, exp: n - 20 })), 'OK');
  t.is(await outcome(issuer.token({ iat: n + 600, exp: n + 3600 })), 'UNAUTHENTICATED token_not_yet_valid');
  t.is(await outcome(issuer.token({ nbf: n + 600 })), 'UNAUTHENTICATED token_not_yet_valid');
  t.is(await outcome(issuer.token({ exp: undefined })), 'UNAUTHENTICATED token_malformed');
  t.is(await outcome(issuer.token({ exp: n + 25 * 3600 })), 'UNAUTHENTICATED token_lifetime_too_long');
});

test.serial('audience: the server default, or the one in the authorization', async (t) => {
  t.is(await outcome(issuer.token({ aud: 'https://elsewhere.example' })), 'UNAUTHENTICATED token_audience_mismatch');
  t.is(await outcome(issuer.token({ aud: ['https://elsewhere.example', AUDIENCE] })), 'OK');
  t.is(await outcome(issuer.token({ aud: undefined })), 'UNAUTHENTICATED token_audience_mismatch');
  t.is(await outcome(issuer.token({ sub: 'svc-other' })), 'UNAUTHENTICATED token_audience_mismatch');
  t.is(await outcome(issuer.token({ sub: 'svc-other', aud: 'urn:enfed:other' }), ['TX']), 'OK');
});

test.serial('an untrusted issuer, an unknown kid or another key under a known kid is refused', async (t) => {
  t.is(await outcome(issuer.token({ iss: 'https://evil.example' })), 'UNAUTHENTICATED token_issuer_unknown');
  t.is(await outcome(issuer.token({}, { header: { kid: 'nope' } })), 'UNAUTHENTICATED token_key_unknown');
  const impostor = { ...issuerKey('es-1', 'ES256') };
  const forged = signJwt(
    { iss: issuer.issuer, sub: 'svc-reference', aud: AUDIENCE, iat: now(), exp: now() + 600 },
    impostor,
  );
  t.is(await outcome(forged), 'UNAUTHENTICATED token_signature_invalid');
});

test.serial('alg none, HS256 keyed with the public key and an algorithm that does not match its key', async (t) => {
  const claims = { iss: issuer.issuer, sub: 'svc-reference', aud: AUDIENCE, iat: now(), exp: now() + 600 };
  t.is(await outcome(unsignedJwt(claims, 'es-1')), 'UNAUTHENTICATED token_malformed');
  const noneSigned = `${unsignedJwt(claims, 'es-1')}AAAA`;
  t.is(await outcome(noneSigned), 'UNAUTHENTICATED token_algorithm_refused');
  t.is(await outcome(hs256WithPublicKey(claims, issuer.rs256)), 'UNAUTHENTICATED token_algorithm_refused');
  t.is(await outcome(hs256WithPublicKey(claims, issuer.es256)), 'UNAUTHENTICATED token_algorithm_refused');
  // An RS256 signature presented as ES256 under the RSA key's kid.
  t.is(
    await outcome(issuer.token({}, { key: issuer.rs256, header: { alg: 'ES256' } })),
    'UNAUTHENTICATED token_algorithm_refused',
  );
});

test.serial('a verified token whose subject has no authorization, or a revoked one, is refused', async (t) => {
  t.is(await outcome(issuer.token({ sub: 'svc-stranger' })), 'UNAUTHENTICATED partner_not_authorized');
  await node.db.pool.query(`update partner_authorizations set enabled = false where name = 'reference-state'`);
  t.is(await outcome(issuer.token({})), 'UNAUTHENTICATED partner_not_authorized');
  await node.db.pool.query(`update partner_authorizations set enabled = true where name = 'reference-state'`);
  t.is(await outcome(issuer.token({})), 'OK');
});

test.serial('no token, a malformed header, or a token-only client on the mTLS port', async (t) => {
  t.is(await outcome(undefined), 'UNAUTHENTICATED token_required');
  t.is(await outcome('not-a-jwt'), 'UNAUTHENTICATED token_malformed');
  t.is(await outcome('a'.repeat(10_000)), 'UNAUTHENTICATED token_malformed');
  // The mTLS listener still demands a client certificate: a token does not get past its handshake.
  t.is(await outcome(issuer.token({}), ['CA'], mtlsAddress), 'UNAVAILABLE');
});

test.serial('the token listener serves TLS under the server certificate only', async (t) => {
  const { X509Certificate } = await import('node:crypto');
  const { connect } = await import('node:tls');
  const [host, port] = tokenAddress.split(':') as [string, string];
  const peer = await new Promise<string>((resolve, reject) => {
    const socket = connect({ host, port: Number(port), ca: readFileSync(certs.caPath), ALPNProtocols: ['h2'] }, () => {
      resolve(new X509Certificate(socket.getPeerCertificate(true).raw).subject);
      socket.end();
    });
    socket.on('error', reject);
  });
  t.regex(peer, /node-a/);
});

test.serial('outcomes are counted in enfed_federation_token_calls_total', async (t) => {
  const text = await (await fetch(`${node.server.httpUrl}/metrics`)).text();
  const count = (outcome: string) =>
    Number(new RegExp(`enfed_federation_token_calls_total\\{outcome="${outcome}"\\} (\\d+)`).exec(text)?.[1] ?? 0);
  t.true(count('ok') >= 5);
  t.true(count('token_expired') >= 1);
  t.true(count('token_algorithm_refused') >= 4);
  t.is(count('token_required'), 1);
});

test.serial('tokens never reach the logs', (t) => {
  t.true(sentTokens.length > 10);
  const text = logs.text();
  t.true(text.includes('gRPC call rejected'));
  for (const token of sentTokens) {
    t.false(text.includes(token.split('.')[2] || token), 'a token (or its signature) was logged');
  }
});
