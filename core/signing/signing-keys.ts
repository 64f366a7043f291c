import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import type pg from 'pg';
import { inTransaction } from '../db/transaction';
import type { SecretSealer } from '../secrets/secret-sealer';
import { BadRequestError } from '../errors/app-error';
import { SIGNATURE_ALGORITHM } from './signature';
import { toExportSigningKey, toPkcs11SigningKey, type ExportSigningKey } from './file-signer';
import type { Pkcs11Token } from './pkcs11-token';
import { isP256Key, p256PrivateKeyPem, p256PublicKeyPem } from './p256-key';
import { SigningKeyRepository, type SigningKeyInfo } from './signing-key.repository';

/** `verification_key_id`: by convention the mobile country code; kept to a safe short token. */
const KEY_ID = /^[A-Za-z0-9._-]{1,32}$/;
const VERSION = /^[A-Za-z0-9._-]{1,16}$/;

/** A P-256 key pair as PEM (PKCS#8 private, SPKI public). */
export interface PemKeyPair {
  privateKeyPem: string;
  publicKeyPem: string;
}

/** Generates an ECDSA P-256 key pair. */
export async function generateSigningKeyPair(): Promise<PemKeyPair> {
  return toPemKeyPair(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
}

/** Imports a private key PEM (PKCS#8 or SEC1), refusing anything but an EC P-256 private key. */
export async function importSigningKeyPair(privateKeyPem: string): Promise<PemKeyPair> {
  let key: KeyObject;
  try {
    key = createPrivateKey(privateKeyPem);
  } catch {
    // A public key (or certificate) is a key, just not the kind that signs.
    if (isPublicKeyPem(privateKeyPem))
      throw new BadRequestError('signing keys must be ECDSA P-256 private keys', 'invalid_signing_key');
    throw new BadRequestError('not a PEM private key', 'invalid_signing_key');
  }
  if (!isP256Key(key)) {
    throw new BadRequestError('signing keys must be ECDSA P-256 private keys', 'invalid_signing_key');
  }
  return toPemKeyPair(key);
}

function isPublicKeyPem(pem: string): boolean {
  try {
    createPublicKey(pem);
    return true;
  } catch {
    return false;
  }
}

/** The stored forms: PKCS#8 private and SPKI public PEM, whatever encoding the key came in. */
function toPemKeyPair(privateKey: KeyObject): PemKeyPair {
  return { privateKeyPem: p256PrivateKeyPem(privateKey), publicKeyPem: p256PublicKeyPem(privateKey) };
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
  /** Generate the key pair in this PKCS#11 token instead (the private key never leaves it). */
  pkcs11?: Pkcs11Token;
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
  if (input.pkcs11) {
    if (input.privateKeyPem) throw new BadRequestError('a key is imported or made in the HSM, not both', 'hsm_import');
    // A random suffix: several servers (a node and its hub) may share one token, with the same key ids.
    const label = `enfed-export-${input.keyId}-${version}-${randomBytes(4).toString('hex')}`;
    const publicKeyPem = await input.pkcs11.generateP256KeyPair(label);
    return repo.insert({
      keyId: input.keyId,
      version,
      private: { pkcs11Label: label },
      publicKeyPem,
      activeFrom: input.now,
    });
  }
  const pair = input.privateKeyPem ? await importSigningKeyPair(input.privateKeyPem) : await generateSigningKeyPair();
  return repo.insert({
    keyId: input.keyId,
    version,
    private: { privateKeyPem: pair.privateKeyPem },
    publicKeyPem: pair.publicKeyPem,
    activeFrom: input.now,
  });
}

/**
 * Rotation: a new key becomes active now and every other key retires after `overlapSeconds`. During the
 * overlap every file carries both signatures, so apps can switch to the new public key without a gap.
 * Both writes commit together.
 */
export async function rotateSigningKey(
  pool: pg.Pool,
  sealer: SecretSealer,
  input: CreateSigningKeyInput & { overlapSeconds: number },
): Promise<{ key: SigningKeyInfo; retiring: number; retiresAt: Date }> {
  return inTransaction(pool, async (client) => {
    await client.query('lock table signing_keys in share row exclusive mode');
    const repo = new SigningKeyRepository(client, sealer);
    const key = await createSigningKey(repo, input);
    const retiresAt = new Date(input.now.getTime() + input.overlapSeconds * 1000);
    const retiring = await repo.retireAllBut(key.id, retiresAt);
    return { key, retiring, retiresAt };
  });
}

/**
 * The keys that sign exports at `at`, parsed and ready (every active key signs every file); keys in the HSM sign
 * through `token`.
 */
export async function loadExportSigningKeys(
  repository: SigningKeyRepository,
  at: Date,
  token?: Pkcs11Token,
): Promise<ExportSigningKey[]> {
  const keys = await repository.activeAt(at);
  return keys.map((k) => {
    const info = {
      verificationKeyVersion: k.version,
      verificationKeyId: k.keyId,
      signatureAlgorithm: SIGNATURE_ALGORITHM,
    };
    if ('pkcs11Label' in k.private) {
      if (!token) throw new Error(`signing key ${k.keyId} ${k.version} is in a PKCS#11 token, but PKCS11_* is not set`);
      return toPkcs11SigningKey(info, token, k.private.pkcs11Label);
    }
    return toExportSigningKey(info, k.private.privateKeyPem);
  });
}
