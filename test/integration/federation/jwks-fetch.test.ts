import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import test from 'ava';
import { UnavailableError } from '../../../core/errors/app-error';
import { fetchJwks } from '../../../core/federation/oidc/fetch-jwks';
import { generateTestCerts, type TestCerts } from '../../helpers/federation-certs';
import { issuerKey } from '../../helpers/oidc-issuer';

let certs: TestCerts;
let server: Server;
let base: string;
const es = issuerKey('es', 'ES256');
const rsa = issuerKey('rs', 'RS256');
// RSA below 2048 bits is refused.
const small = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'jwk' });

/** Answers by path: the bounds and filters of fetchJwks each get one. */
const routes: Record<string, (res: import('node:http').ServerResponse) => void> = {
  '/good': (res) =>
    res.end(
      JSON.stringify({
        keys: [
          { ...es.publicJwk, kid: 'es', use: 'sig' },
          { ...rsa.publicJwk, kid: 'rs', alg: 'RS256' },
          { ...es.publicJwk, kid: 'enc', use: 'enc' },
          { ...es.publicJwk, kid: 'wrong-alg', alg: 'RS256' },
          { kty: 'oct', k: 'c2VjcmV0', kid: 'hmac' },
          { ...es.publicJwk },
          { ...small, kid: 'small' },
        ],
      }),
    ),
  '/huge': (res) => res.end(JSON.stringify({ keys: [], pad: 'x'.repeat(300_000) })),
  '/error': (res) => res.writeHead(500).end(),
  '/redirect': (res) => res.writeHead(302, { location: '/good' }).end(),
  '/html': (res) => res.end('<html>hello</html>'),
  '/stall': () => undefined,
};

test.before(async () => {
  certs = await generateTestCerts([]);
  server = createServer(
    { cert: readFileSync(certs.certPath('partner')), key: readFileSync(certs.keyPath('partner')) },
    (req, res) => routes[req.url ?? '']?.(res),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

test.after.always(async () => {
  server?.closeAllConnections();
  server?.close();
  await certs?.destroy();
});

const limits = () => ({ timeoutMs: 1000, maxBytes: 64 * 1024, ca: readFileSync(certs.caPath) });

test('keeps only signing keys usable with ES256 or RS256', async (t) => {
  const keys = await fetchJwks(`${base}/good`, limits());
  t.deepEqual([...keys.keys()].sort(), ['es', 'rs']);
  t.is(keys.get('es')?.alg, 'ES256');
  t.is(keys.get('rs')?.alg, 'RS256');
  t.is(keys.get('es')?.key.type, 'public');
});

test('oversized, failing, redirected, non-JSON and stalled answers are UNAVAILABLE', async (t) => {
  for (const path of ['/huge', '/error', '/redirect', '/html', '/stall']) {
    const err = await t.throwsAsync(fetchJwks(`${base}${path}`, limits()), { instanceOf: UnavailableError }, path);
    t.is((err as UnavailableError).code, 'jwks_unavailable');
  }
});

test('only https, and only under a trusted CA', async (t) => {
  await t.throwsAsync(fetchJwks(`http://127.0.0.1:1/jwks`, limits()), { instanceOf: UnavailableError });
  await t.throwsAsync(fetchJwks(`${base}/good`, { timeoutMs: 1000, maxBytes: 65536 }), {
    instanceOf: UnavailableError,
  });
});
