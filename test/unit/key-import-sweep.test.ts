import test from 'ava';
import { importSigningKeyPair } from '../../core/signing/signing-keys';
import { importHealthAuthorityKey, toVerifyKey } from '../../node/publish/authorities/public-key';
import { newP256Key } from '../helpers/p256-keys';

/**
 * Random keys through every import path. About 1 key in 256 has an X starting 0x3F, which node-jose's PEM
 * import refused; 3000 keys hold about a dozen of them (and as many with leading zero bytes).
 */
const SWEEP = 3000;

test(`${SWEEP} random P-256 keys import through every path`, async (t) => {
  const failures: string[] = [];
  const fail = (i: number, x0: number, path: string, err?: unknown) =>
    failures.push(`key ${i} (X starts 0x${x0.toString(16).padStart(2, '0')}): ${path}${err ? `: ${String(err)}` : ''}`);
  let x3f = 0;
  let leadingZero = 0;
  for (let i = 0; i < SWEEP; i++) {
    const key = newP256Key();
    const x0 = key.x[0]!;
    if (x0 === 0x3f) x3f++;
    if (x0 === 0 || key.y[0] === 0) leadingZero++;
    // Equal PEM and DER mean the same key came out; the tables check signatures as well.
    try {
      if ((await importHealthAuthorityKey(key.spkiPem)) !== key.spkiPem) fail(i, x0, 'health authority PEM: changed');
      if ((await importHealthAuthorityKey(key.publicJwk)) !== key.spkiPem) fail(i, x0, 'health authority JWK: changed');
    } catch (err) {
      fail(i, x0, 'health authority import', err);
    }
    try {
      const verifyKey = await toVerifyKey(key.spkiPem);
      if (!verifyKey.export({ type: 'spki', format: 'der' }).equals(key.spkiDer))
        fail(i, x0, 'verify key: another key');
    } catch (err) {
      fail(i, x0, 'verify key', err);
    }
    try {
      const pair = await importSigningKeyPair(key.pkcs8Pem);
      if (pair.privateKeyPem !== key.pkcs8Pem || pair.publicKeyPem !== key.spkiPem) fail(i, x0, 'signing key: changed');
    } catch (err) {
      fail(i, x0, 'signing key', err);
    }
  }
  t.log(`${SWEEP} keys, ${x3f} with X starting 0x3F, ${leadingZero} with a leading zero byte in X or Y`);
  t.deepEqual(failures, []);
});
