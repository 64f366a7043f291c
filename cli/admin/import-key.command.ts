import { readFile } from 'node:fs/promises';
import { Command } from 'commander';
import { AlreadyExistsError, BadRequestError, NotFoundError } from '../../core/errors/app-error';
import { isKeyValidAt, ImportPublicKeyRepository } from '../../hub/sources/imports/import-public-keys.repository';
import { ImportRepository, type ExportImport } from '../../hub/sources/imports/imports.repository';
import type pg from 'pg';
import type { CliContext } from '../support/cli-context';
import { setAction } from '../support/command-action';
import { isoDate, required } from '../support/option-parsers';
import { formatTable } from '../support/print-table';
import { Refusal, refuseOn } from '../support/refusal';
import { UsageError } from '../support/usage-error';
import { withDatabase } from '../support/with-database';

async function findImport(pool: pg.Pool, name: string): Promise<ExportImport> {
  const imp = await new ImportRepository(pool).findByName(name);
  if (!imp) throw new Refusal(`no import named ${name}`);
  return imp;
}

interface KeyAddOptions {
  import?: string;
  keyId?: string;
  keyVersion?: string;
  publicKey?: string;
  validFrom?: string;
  validUntil?: string;
}

function addCommand(ctx: CliContext): Command {
  const cmd = new Command('add')
    .description("trust one of the server's export signing keys for this import")
    .option('--import <name>', 'the import')
    .option('--key-id <id>', 'verification_key_id the files name (e.g. 310)')
    .option('--key-version <v>', 'verification_key_version the files name (e.g. v1)')
    .option('--public-key <file>', 'the public key, PEM (EC P-256)')
    .option('--valid-from <date>', 'ISO 8601; files are accepted under it from then on (default: now)')
    .option('--valid-until <date>', 'ISO 8601; and until then (default: no end)');
  return setAction(cmd, async (options: KeyAddOptions) => {
    const name = required(options.import, 'import');
    const keyId = required(options.keyId, 'key-id');
    const keyVersion = required(options.keyVersion, 'key-version');
    const file = required(options.publicKey, 'public-key');
    let publicKeyPem: string;
    try {
      publicKeyPem = await readFile(file, 'utf8');
    } catch {
      throw new UsageError(`--public-key ${file}: cannot read the file`);
    }
    const validFrom = isoDate(options.validFrom, 'valid-from', new Date()) as Date;
    const validUntil = isoDate(options.validUntil, 'valid-until', null);
    if (validUntil && validUntil <= validFrom) throw new UsageError('--valid-until must be after --valid-from');
    await withDatabase(ctx.env, async (db) => {
      const imp = await findImport(db.pool, name);
      try {
        await refuseOn(AlreadyExistsError, () =>
          new ImportPublicKeyRepository(db.pool).add({
            importId: imp.id,
            keyId,
            keyVersion,
            publicKeyPem,
            validFrom,
            validUntil,
          }),
        );
      } catch (err) {
        if (err instanceof BadRequestError) throw new UsageError(`--public-key: ${err.message}`);
        throw err;
      }
    });
    ctx.out(`key ${keyId}/${keyVersion} trusted for import ${name}\n`);
  });
}

function listCommand(ctx: CliContext): Command {
  const cmd = new Command('list')
    .description("list an import's trusted signing keys and whether each is valid now")
    .option('--import <name>', 'the import');
  return setAction(cmd, async (options: { import?: string }) => {
    const name = required(options.import, 'import');
    await withDatabase(ctx.env, async (db) => {
      const imp = await findImport(db.pool, name);
      const now = new Date();
      const keys = await new ImportPublicKeyRepository(db.pool).listFor(imp.id);
      ctx.out(
        formatTable(
          ['KEY ID', 'VERSION', 'VALID FROM', 'VALID UNTIL', 'REVOKED', 'VALID NOW'],
          keys.map((k) => [
            k.keyId,
            k.keyVersion,
            k.validFrom.toISOString(),
            k.validUntil ? k.validUntil.toISOString() : '-',
            k.revokedAt ? k.revokedAt.toISOString() : '-',
            isKeyValidAt(k, now) ? 'yes' : 'no',
          ]),
        ),
      );
    });
  });
}

function revokeCommand(ctx: CliContext): Command {
  const cmd = new Command('revoke')
    .description('stop accepting files signed with this key (files already imported stay)')
    .option('--import <name>', 'the import')
    .option('--key-id <id>', 'verification_key_id')
    .option('--key-version <v>', 'verification_key_version');
  return setAction(cmd, async (options: { import?: string; keyId?: string; keyVersion?: string }) => {
    const name = required(options.import, 'import');
    const keyId = required(options.keyId, 'key-id');
    const keyVersion = required(options.keyVersion, 'key-version');
    await withDatabase(ctx.env, async (db) => {
      const imp = await findImport(db.pool, name);
      await refuseOn(NotFoundError, () =>
        new ImportPublicKeyRepository(db.pool).revoke(imp.id, keyId, keyVersion, new Date()),
      );
    });
    ctx.out(`key ${keyId}/${keyVersion} of import ${name} revoked\n`);
  });
}

/** `enfed admin import key add|list|revoke`: the export signing keys an import's files are verified with. */
export function importKeyCommand(ctx: CliContext): Command {
  return new Command('key')
    .description("the remote server's export signing public keys, matched by key id and version")
    .addCommand(addCommand(ctx))
    .addCommand(listCommand(ctx))
    .addCommand(revokeCommand(ctx));
}
