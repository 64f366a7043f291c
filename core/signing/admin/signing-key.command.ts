import { readFile } from 'node:fs/promises';
import { UsageError, type Command } from '../../../cli/command';
import { duration } from '../../config/env';
import { BadRequestError } from '../../errors/app-error';
import { parseOptions, printTable, required, withDatabase } from '../../../cli/admin-support';
import { SIGNATURE_ALGORITHM } from '../signature';
import type { SigningKeyInfo } from '../signing-key.repository';
import { SigningKeyRepository } from '../signing-key.repository';
import { createSigningKey, rotateSigningKey } from '../signing-keys';

/** What app developers need to verify files: printed by create and rotate. */
function printForAppDevelopers(key: SigningKeyInfo): void {
  process.stdout.write(
    `verification_key_id: ${key.keyId}\nverification_key_version: ${key.version}\n` +
      `signature_algorithm: ${SIGNATURE_ALGORITHM}\nactive_from: ${key.activeFrom.toISOString()}\n${key.publicKeyPem.trim()}\n`,
  );
}

async function readKeyFile(path: string | undefined): Promise<string | undefined> {
  if (path === undefined) return undefined;
  try {
    return await readFile(path, 'utf8');
  } catch {
    throw new UsageError(`--import ${path}: cannot read the file`);
  }
}

/** Turns domain input errors into usage errors (exit 2 with the message). */
async function asUsage<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof BadRequestError) throw new UsageError(err.message);
    throw err;
  }
}

function overlapSeconds(value: string | undefined): number {
  const parsed = duration(7 * 86400).safeParse(value);
  if (!parsed.success) throw new UsageError('--overlap: a duration such as 7d or 12h');
  return parsed.data;
}

/** `enfed admin signing-key create`. */
export const signingKeyCreateCommand: Command = {
  words: ['admin', 'signing-key', 'create'],
  usage: 'enfed admin signing-key create --key-id 310 [--version v1] [--import key.pem]',
  summary: 'create (or import) an ECDSA P-256 export signing key, active now; prints its public key',
  async run(args, env) {
    const { values: v } = parseOptions(args, {
      'key-id': { type: 'string' },
      version: { type: 'string' },
      import: { type: 'string' },
    });
    const keyId = required(v['key-id'], 'key-id');
    const privateKeyPem = await readKeyFile(v.import);
    return withDatabase(env, async (db) => {
      const key = await asUsage(() =>
        createSigningKey(new SigningKeyRepository(db.pool), {
          keyId,
          version: v.version,
          privateKeyPem,
          now: new Date(),
        }),
      );
      printForAppDevelopers(key);
      return 0;
    });
  },
};

/** `enfed admin signing-key rotate`. */
export const signingKeyRotateCommand: Command = {
  words: ['admin', 'signing-key', 'rotate'],
  usage: 'enfed admin signing-key rotate --key-id 310 [--version v2] [--overlap 7d] [--import key.pem]',
  summary: 'add a new signing key now; the others retire after the overlap (files carry both signatures meanwhile)',
  async run(args, env) {
    const { values: v } = parseOptions(args, {
      'key-id': { type: 'string' },
      version: { type: 'string' },
      overlap: { type: 'string' },
      import: { type: 'string' },
    });
    const keyId = required(v['key-id'], 'key-id');
    const overlap = overlapSeconds(v.overlap);
    const privateKeyPem = await readKeyFile(v.import);
    return withDatabase(env, async (db) => {
      const rotated = await asUsage(() =>
        rotateSigningKey(db.pool, {
          keyId,
          version: v.version,
          privateKeyPem,
          now: new Date(),
          overlapSeconds: overlap,
        }),
      );
      printForAppDevelopers(rotated.key);
      process.stdout.write(`${rotated.retiring} older key(s) retire at ${rotated.retiresAt.toISOString()}\n`);
      return 0;
    });
  },
};

/** `enfed admin signing-key list`. */
export const signingKeyListCommand: Command = {
  words: ['admin', 'signing-key', 'list'],
  usage: 'enfed admin signing-key list [--pem]',
  summary: 'list signing keys (key id, version, activity window; --pem adds the public keys)',
  async run(args, env) {
    const { values: v } = parseOptions(args, { pem: { type: 'boolean' } });
    return withDatabase(env, async (db) => {
      const keys = await new SigningKeyRepository(db.pool).list();
      const now = new Date();
      printTable(
        ['ID', 'KEY_ID', 'VERSION', 'ACTIVE_FROM', 'ACTIVE_UNTIL', 'STATE'],
        keys.map((k) => [
          String(k.id),
          k.keyId,
          k.version,
          k.activeFrom.toISOString(),
          k.activeUntil?.toISOString() ?? '',
          k.activeFrom <= now && (!k.activeUntil || k.activeUntil > now)
            ? 'active'
            : k.activeFrom > now
              ? 'pending'
              : 'retired',
        ]),
      );
      if (v.pem) for (const k of keys) process.stdout.write(`\n# ${k.keyId} ${k.version}\n${k.publicKeyPem.trim()}\n`);
      return 0;
    });
  },
};
