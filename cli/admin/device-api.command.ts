import { Command } from 'commander';
import { BadRequestError } from '../../core/errors/app-error';
import {
  DEFAULT_DEVICE_API_AUD,
  DEFAULT_DEVICE_API_ISS,
  DeviceKeyRepository,
} from '../../node/device-api/keys/device-key.repository';
import { AuthorizedAppRepository } from '../../node/publish/apps/authorized-app.repository';
import type { CliContext } from '../support/cli-context';
import { setAction } from '../support/command-action';
import { commaList } from '../support/option-parsers';
import { formatTable } from '../support/print-table';
import { UsageError } from '../support/usage-error';
import { withDatabase } from '../support/with-database';

interface CreateOptions {
  iss: string;
  aud: string;
  name?: string;
  apps?: string;
}

function createCommand(ctx: CliContext): Command {
  const cmd = new Command('create')
    .description("create a P-256 key that this node's device API signs certificates with, trusted by its publish path")
    .option('--iss <iss>', "the node's health authority: the iss of its certificates", DEFAULT_DEVICE_API_ISS)
    .option('--aud <aud>', 'the aud its certificates name', DEFAULT_DEVICE_API_AUD)
    .option('--name <name>', 'display name of the health authority (default: the iss)')
    .option('--apps <healthAuthorityIDs>', 'also let these authorized apps publish with its certificates');
  return setAction(cmd, async (options: CreateOptions) => {
    const iss = options.iss.trim();
    const aud = options.aud.trim();
    if (iss === '' || aud === '') throw new UsageError('--iss and --aud must not be empty');
    const apps = commaList(options.apps);
    await withDatabase(ctx.env, async (db, sealer) => {
      const em = db.orm.em.fork();
      const appRepository = new AuthorizedAppRepository(em);
      const found = await Promise.all(apps.map((name) => appRepository.find(name)));
      const missing = apps.find((_, i) => !found[i]);
      if (missing !== undefined) throw new UsageError(`no app "${missing}"; add it first: enfed admin app add`);
      let key;
      try {
        key = await new DeviceKeyRepository(db.pool, sealer).create({
          iss,
          aud,
          name: options.name?.trim() || iss,
          now: new Date(),
        });
      } catch (err) {
        if (err instanceof BadRequestError) throw new UsageError(err.message);
        throw err;
      }
      const authorityId = (
        await db.pool.query<{ id: number }>('select id from health_authorities where iss = $1', [iss])
      ).rows[0]!.id;
      for (const app of found) {
        if (!app) continue;
        await appRepository.upsert({
          name: app.name,
          allowedRegions: app.allowedRegions,
          allowedHealthAuthorityIds: [...app.allowedHealthAuthorityIds, authorityId],
          bypassVerification: app.bypassVerification,
          bypassRevisionToken: app.bypassRevisionToken,
        });
      }
      ctx.out(
        `created device API signing key ${key.kid} of ${iss} (aud ${aud}), trusted from ${key.createdAt.toISOString()}\n`,
      );
      if (apps.length > 0) ctx.out(`apps allowed to publish with its certificates: ${apps.join(', ')}\n`);
      ctx.out(key.publicKeyPem ?? '');
    });
  });
}

function listCommand(ctx: CliContext): Command {
  const cmd = new Command('list')
    .description('list the device API signing keys (never their private halves) and whether they are trusted')
    .option('--json', 'as JSON');
  return setAction(cmd, (options: { json?: boolean }) =>
    withDatabase(ctx.env, async (db, sealer) => {
      const keys = await new DeviceKeyRepository(db.pool, sealer).list();
      if (options.json) return ctx.out(`${JSON.stringify(keys)}\n`);
      const now = new Date();
      const state = (k: (typeof keys)[number]) =>
        !k.trustedFrom ? 'untrusted' : k.trustedThru && k.trustedThru <= now ? 'revoked' : 'trusted';
      ctx.out(
        formatTable(
          ['ISS', 'AUD', 'KID', 'CREATED', 'STATE'],
          keys.map((k) => [k.iss, k.aud, k.kid, k.createdAt.toISOString(), state(k)]),
        ),
      );
    }),
  );
}

/** `enfed admin device-api key create|list`: the keys this node signs verification certificates with. */
export function deviceApiCommand(ctx: CliContext): Command {
  const key = new Command('key')
    .description('signing keys of verification certificates (private keys stay in the database, sealed)')
    .addCommand(createCommand(ctx))
    .addCommand(listCommand(ctx));
  return new Command('device-api')
    .description("the node's own verification certificates (device API: /api/verify, /api/certificate)")
    .addCommand(key);
}
