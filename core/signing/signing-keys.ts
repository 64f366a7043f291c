import { createPrivateKey, createPublicKey } from 'node:crypto';
import jose from 'node-jose';
import type pg from 'pg';
import { inTransaction } from '../db/transaction';
import { BadRequestError } from '../errors/app-error';
import { SIGNATURE_ALGORITHM } from './signature';
import { toExportSigningKey, type ExportSigningKey } from './file-signer';
import { SigningKeyRepository, type SigningKeyInfo } from './signing-key.repository';

/** `verification_key_id`: by convention the mobile country code; kept to a safe short token. */
const KEY_ID = /^[A-Za-z0-9._-]{1,32}$/;
const VERSION = /^[A-Za-z0-9._-]{1,16}$/;

/** A P-256 key pair as PEM (PKCS#8 private, SPKI public). */
export interface PemKeyPair {
  privateKeyPem: string;
  publicKeyPem: string;
}

/** Generates an ECDSA P-256 key pair with node-jose. */
export async function generateSigningKeyPair(): Promise<PemKeyPair> {
  const key = await jose.JWK.createKey('EC', 'P-256', { alg: 'ES256', use: 'sig' });
  return normalize(key.toPEM(true));
}

/** Imports a private key PEM with node-jose, refusing anything but an EC P-256 private key. */
export async function importSigningKeyPair(privateKeyPem: string): Promise<PemKeyPair> {
  let key: jose.JWK.Key;
  try {
    key = await jose.JWK.asKey(privateKeyPem, 'pem');
  } catch {
    throw new BadRequestError('not a PEM private key', 'invalid_signing_key');
  }
  const json = key.toJSON(true) as { kty?: string; crv?: string; d?: string };
  if (json.kty !== 'EC' || json.crv !== 'P-256' || !json.d) {
    throw new BadRequestError('signing keys must be ECDSA P-256 private keys', 'invalid_signing_key');
  }
  return normalize(key.toPEM(true));
}

function normalize(pem: string): PemKeyPair {
  const privateKey = createPrivateKey(pem);
  return {
    privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    publicKeyPem: createPublicKey(privateKey).export({ format: 'pem', type: 'spki' }).toString(),
  };
}

/** The next free version under a key id: v1, v2, … */
function nextVersion(used: string[]): string {
  let n = 1;
  while (used.includes(`v${n}`)) n++;
  return `v${n}`;
}

export interface CreateSigningKeyInput {
  keyId: string;
  version?: string;
  /** Import this key instead of generating one. */
  privateKeyPem?: string;
  now: Date;
}

/** Stores a new signing key, active from `now`. Other active keys stay active (see `rotateSigningKey`). */
export async function createSigningKey(
  repo: SigningKeyRepository,
  input: CreateSigningKeyInput,
): Promise<SigningKeyInfo> {
  if (!KEY_ID.test(input.keyId)) throw new BadRequestError('key id: 1–32 letters, digits, . _ -', 'invalid_key_id');
  const used = await repo.versions(input.keyId);
  const version = input.version ?? nextVersion(used);
  if (!VERSION.test(version)) throw new BadRequestError('version: 1–16 letters, digits, . _ -', 'invalid_key_version');
  if (used.includes(version))
    throw new BadRequestError(`version ${version} exists for key id ${input.keyId}`, 'key_version_exists');
  const pair = input.privateKeyPem ? await importSigningKeyPair(input.privateKeyPem) : await generateSigningKeyPair();
  return repo.insert({ keyId: input.keyId, version, ...pair, activeFrom: input.now });
}

/**
 * Rotation: a new key becomes active now and every other key retires after `overlapSeconds`. During the
 * overlap every file carries both signatures, so apps can switch to the new public key without a gap.
 * Both writes commit together.
 */
export async function rotateSigningKey(
  pool: pg.Pool,
  input: CreateSigningKeyInput & { overlapSeconds: number },
): Promise<{ key: SigningKeyInfo; retiring: number; retiresAt: Date }> {
  return inTransaction(pool, async (client) => {
    await client.query('lock table signing_keys in share row exclusive mode');
    const repo = new SigningKeyRepository(client);
    const key = await createSigningKey(repo, input);
    const retiresAt = new Date(input.now.getTime() + input.overlapSeconds * 1000);
    const retiring = await repo.retireAllBut(key.id, retiresAt);
    return { key, retiring, retiresAt };
  });
}

/** The keys that sign exports at `at`, parsed and ready (every active key signs every file). */
export async function loadExportSigningKeys(repository: SigningKeyRepository, at: Date): Promise<ExportSigningKey[]> {
  const keys = await repository.activeAt(at);
  return keys.map((k) =>
    toExportSigningKey(
      { verificationKeyVersion: k.version, verificationKeyId: k.keyId, signatureAlgorithm: SIGNATURE_ALGORITHM },
      k.privateKeyPem,
    ),
  );
}
