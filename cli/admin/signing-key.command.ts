import { readFile } from 'node:fs/promises';
import { Command } from 'commander';
import { parseCommonConfig } from '../../core/config/common.config';
import { BadRequestError } from '../../core/errors/app-error';
import { Pkcs11Token } from '../../core/signing/pkcs11-token';
import { SigningKeyRepository, type SigningKeyInfo } from '../../core/signing/signing-key.repository';
import { createSigningKey, rotateSigningKey } from '../../core/signing/signing-keys';
import { SIGNATURE_ALGORITHM } from '../../core/signing/signature';
import type { CliContext } from '../support/cli-context';
import { setAction } from '../support/command-action';
import { durationOption, required } from '../support/option-parsers';
import { formatTable } from '../support/print-table';
import { UsageError } from '../support/usage-error';
import { withDatabase } from '../support/with-database';

/** What app developers need to verify files: printed by create and rotate. */
function forAppDevelopers(key: SigningKeyInfo): string {
  return (
    `verification_key_id: ${key.keyId}\nverification_key_version: ${key.version}\n` +
    `signature_algorithm: ${SIGNATURE_ALGORITHM}\nactive_from: ${key.activeFrom.toISOString()}\n` +
    (key.pkcs11Label ? `pkcs11_label: ${key.pkcs11Label}\n` : '') +
    `${key.publicKeyPem.trim()}\n`
  );
}

/** With --hsm, runs `work` with the PKCS#11 token of PKCS11_* (closed after); without, with none. */
async function withToken<T>(ctx: CliContext, hsm: boolean | undefined, work: (token?: Pkcs11Token) => Promise<T>) {
  if (!hsm) return work(undefined);
  const token = await Pkcs11Token.open(parseCommonConfig(ctx.env), ctx.env);
  if (!token) throw new UsageError('--hsm needs PKCS11_LIBRARY, PKCS11_TOKEN_LABEL and PKCS11_PIN');
  try {
    return await work(token);
  } finally {
    await token.close();
  }
}

async function readKeyFile(path: string | undefined): Promise<string | undefined> {
  if (path === undefined) return undefined;
  try {
    return await readFile(path, 'utf8');
  } catch {
    throw new UsageError(`--import ${path}: cannot read the file`);
  }
}

/** Domain input errors (a bad key id, an unusable key) are usage errors here (exit 2 with the message). */
async function asUsage<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof BadRequestError) throw new UsageError(err.message);
    throw err;
  }
}

interface CreateOptions {
  keyId?: string;
  version?: string;
  import?: string;
  hsm?: boolean;
}

const HSM_HELP = 'generate the key pair in the PKCS#11 token of PKCS11_* (the private key never leaves it)';

function createCommand(ctx: CliContext): Command {
  const cmd = new Command('create')
    .description('create (or import) an ECDSA P-256 export signing key, active now; prints its public key')
    .option('--key-id <id>', 'verification_key_id, by convention the mobile country code (e.g. 310)')
    .option('--version <v>', 'verification_key_version (default: the next free vN)')
    .option('--import <file>', 'import this PEM private key instead of generating one')
    .option('--hsm', HSM_HELP);
  return setAction(cmd, async (options: CreateOptions) => {
    const keyId = required(options.keyId, 'key-id');
    if (options.hsm && options.import) throw new UsageError('--import and --hsm: a key is imported or made in the HSM');
    const privateKeyPem = await readKeyFile(options.import);
    await withToken(ctx, options.hsm, (pkcs11) =>
      withDatabase(ctx.env, async (db, sealer) => {
        const key = await asUsage(() =>
          createSigningKey(new SigningKeyRepository(db.pool, sealer), {
            keyId,
            version: options.version,
            privateKeyPem,
            pkcs11,
            now: new Date(),
          }),
        );
        ctx.out(forAppDevelopers(key));
      }),
    );
  });
}

function rotateCommand(ctx: CliContext): Command {
  const cmd = new Command('rotate')
    .description('add a new signing key now; the others retire after the overlap (files carry both signatures)')
    .option('--key-id <id>', 'verification_key_id of the new key')
    .option('--version <v>', 'its version (default: the next free vN)')
    .option('--overlap <duration>', 'how long the old keys keep signing', '7d')
    .option('--import <file>', 'import this PEM private key instead of generating one')
    .option('--hsm', HSM_HELP);
  return setAction(cmd, async (options: CreateOptions & { overlap: string }) => {
    const keyId = required(options.keyId, 'key-id');
    const overlapSeconds = durationOption(options.overlap, 'overlap', 7 * 86400);
    if (options.hsm && options.import) throw new UsageError('--import and --hsm: a key is imported or made in the HSM');
    const privateKeyPem = await readKeyFile(options.import);
    await withToken(ctx, options.hsm, (pkcs11) =>
      withDatabase(ctx.env, async (db, sealer) => {
        const rotated = await asUsage(() =>
          rotateSigningKey(db.pool, sealer, {
            keyId,
            version: options.version,
            privateKeyPem,
            pkcs11,
            now: new Date(),
            overlapSeconds,
          }),
        );
        ctx.out(forAppDevelopers(rotated.key));
        ctx.out(`${rotated.retiring} older key(s) retire at ${rotated.retiresAt.toISOString()}\n`);
      }),
    );
  });
}

function listCommand(ctx: CliContext): Command {
  const cmd = new Command('list')
    .description('list signing keys (key id, version, activity window)')
    .option('--pem', 'also print the public keys');
  return setAction(cmd, (options: { pem?: boolean }) =>
    withDatabase(ctx.env, async (db, sealer) => {
      const keys = await new SigningKeyRepository(db.pool, sealer).list();
      const now = new Date();
      const state = (k: SigningKeyInfo) =>
        k.activeFrom <= now && (!k.activeUntil || k.activeUntil > now)
          ? 'active'
          : k.activeFrom > now
            ? 'pending'
            : 'retired';
      ctx.out(
        formatTable(
          ['ID', 'KEY_ID', 'VERSION', 'ACTIVE_FROM', 'ACTIVE_UNTIL', 'STATE'],
          keys.map((k) => [
            String(k.id),
            k.keyId,
            k.version,
            k.activeFrom.toISOString(),
            k.activeUntil?.toISOString() ?? '',
            state(k),
          ]),
        ),
      );
      if (options.pem) for (const k of keys) ctx.out(`\n# ${k.keyId} ${k.version}\n${k.publicKeyPem.trim()}\n`);
    }),
  );
}

/** `enfed admin signing-key create|rotate|list`: the keys export files are signed with. */
export function signingKeyCommand(ctx: CliContext): Command {
  return new Command('signing-key')
    .description('export signing keys (what phones verify files with)')
    .addCommand(createCommand(ctx))
    .addCommand(rotateCommand(ctx))
    .addCommand(listCommand(ctx));
}
