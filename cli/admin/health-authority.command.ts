import { readFile } from 'node:fs/promises';
import { Command } from 'commander';
import { HealthAuthorityRepository } from '../../node/publish/authorities/health-authority.repository';
import { importHealthAuthorityKey, InvalidPublicKeyError } from '../../node/publish/authorities/public-key';
import type { CliContext } from '../support/cli-context';
import { setAction } from '../support/command-action';
import { Refusal } from '../support/refusal';
import { isoDate, required } from '../support/option-parsers';
import { UsageError } from '../support/usage-error';
import { withDatabase } from '../support/with-database';

function addCommand(ctx: CliContext): Command {
  const cmd = new Command('add')
    .description('trust a health authority: the iss of its certificates and the aud they must name')
    .option('--iss <iss>', 'the issuer its certificates carry')
    .option('--aud <aud>', 'the audience they must name (this node)')
    .option('--name <name>', 'a display name (default: the iss)')
    .option('--jwks-uri <url>', 'keep its keys current from this JWKS document (http or https)')
    .option('--no-jwks-uri', 'stop fetching its keys (they stay as they are)');
  return setAction(cmd, async (options: { iss?: string; aud?: string; name?: string; jwksUri?: string | false }) => {
    const iss = required(options.iss, 'iss');
    const aud = required(options.aud, 'aud');
    const name = options.name?.trim() ? options.name.trim() : iss;
    const jwksUri = options.jwksUri === false ? null : options.jwksUri;
    if (typeof jwksUri === 'string' && !/^https?:\/\/[^\s]+$/.test(jwksUri)) {
      throw new UsageError('--jwks-uri must be an http(s) URL');
    }
    await withDatabase(ctx.env, async (db) => {
      const repository = new HealthAuthorityRepository(db.orm.em.fork());
      const { created } = await repository.upsert({ iss, aud, name, jwksUri });
      ctx.out(`${created ? 'added' : 'updated'} health authority ${iss} (aud ${aud})\n`);
    });
  });
}

function listCommand(ctx: CliContext): Command {
  const cmd = new Command('list')
    .description('list trusted health authorities and their key versions')
    .option('--json', 'as JSON');
  return setAction(cmd, (options: { json?: boolean }) =>
    withDatabase(ctx.env, async (db) => {
      const all = await new HealthAuthorityRepository(db.orm.em.fork()).list();
      if (options.json) {
        const rows = all.map((a) => ({
          iss: a.iss,
          aud: a.aud,
          name: a.name,
          kids: a.keys.map((k) => k.version),
          jwks: a.jwks,
        }));
        return ctx.out(`${JSON.stringify(rows)}\n`);
      }
      if (all.length === 0) return ctx.out('no health authorities\n');
      for (const a of all) {
        const jwks = a.jwks
          ? `\tjwks=${a.jwks.uri}\trefreshed=${a.jwks.refreshedAt?.toISOString() ?? '-'}` +
            (a.jwks.error ? `\tjwks_error=${a.jwks.error} (${a.jwks.errorAt?.toISOString() ?? '?'})` : '')
          : '';
        ctx.out(
          `${a.iss}\taud=${a.aud}\tname=${a.name}\tkeys=${a.keys.map((k) => k.version).join(',') || '-'}${jwks}\n`,
        );
      }
    }),
  );
}

interface KeyAddOptions {
  iss?: string;
  kid?: string;
  keyFile?: string;
  from?: string;
  thru?: string;
}

function keyAddCommand(ctx: CliContext): Command {
  const cmd = new Command('add')
    .description('add a P-256 public key (PEM or JWK file) of a health authority under a kid')
    .option('--iss <iss>', 'the health authority')
    .option('--kid <kid>', 'the key id its certificates name')
    .option('--key-file <file>', 'the public key, PEM or JWK')
    .option('--from <iso>', 'valid from (default now)')
    .option('--thru <iso>', 'valid until (default: no end)');
  return setAction(cmd, async (options: KeyAddOptions) => {
    const iss = required(options.iss, 'iss');
    const kid = required(options.kid, 'kid');
    const file = required(options.keyFile, 'key-file');
    const from = isoDate(options.from, 'from', new Date()) as Date;
    const thru = isoDate(options.thru, 'thru', null);
    if (thru && thru <= from) throw new UsageError('--thru must be after --from');
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      throw new UsageError(`cannot read --key-file ${file}`);
    }
    let publicKeyPem: string;
    try {
      publicKeyPem = await importHealthAuthorityKey(text);
    } catch (err) {
      if (err instanceof InvalidPublicKeyError) throw new UsageError(`${file}: ${err.message}`);
      throw err;
    }
    await withDatabase(ctx.env, async (db) => {
      const repository = new HealthAuthorityRepository(db.orm.em.fork());
      const authority = await repository.find(iss);
      if (!authority) throw new UsageError(`no health authority with iss "${iss}"; add it first`);
      const { created } = await repository.upsertKey(authority.id, { version: kid, from, thru, publicKeyPem });
      const window = `valid from ${from.toISOString()}${thru ? ` thru ${thru.toISOString()}` : ''}`;
      ctx.out(`${created ? 'added' : 'replaced'} key ${kid} of ${iss}, ${window}\n`);
    });
  });
}

function keyListCommand(ctx: CliContext): Command {
  const cmd = new Command('list')
    .description('list health authority public keys with their validity windows')
    .option('--iss <iss>', 'only this health authority')
    .option('--json', 'as JSON');
  return setAction(cmd, (options: { iss?: string; json?: boolean }) =>
    withDatabase(ctx.env, async (db) => {
      const all = (await new HealthAuthorityRepository(db.orm.em.fork()).list()).filter(
        (a) => options.iss === undefined || a.iss === options.iss,
      );
      const rows = all.flatMap((a) =>
        a.keys.map((k) => ({
          iss: a.iss,
          kid: k.version,
          from: k.from.toISOString(),
          thru: k.thru?.toISOString() ?? null,
          publicKeyPem: k.publicKeyPem,
        })),
      );
      if (options.json) return ctx.out(`${JSON.stringify(rows)}\n`);
      if (rows.length === 0) return ctx.out('no keys\n');
      for (const r of rows) ctx.out(`${r.iss}\tkid=${r.kid}\tfrom=${r.from}\tthru=${r.thru ?? '-'}\n`);
    }),
  );
}

function keyRevocationCommand(ctx: CliContext, action: 'revoke' | 'reinstate'): Command {
  const cmd = new Command(action)
    .description(
      action === 'revoke'
        ? 'revoke a key now: certificates it signs are refused once the publish cache expires (PUBLISH_CACHE_TTL)'
        : 'reinstate a revoked key: it is valid again, with no end, once the publish cache expires',
    )
    .option('--iss <iss>', 'the health authority')
    .option('--kid <kid>', 'the key id');
  return setAction(cmd, async (options: { iss?: string; kid?: string }) => {
    const iss = required(options.iss, 'iss');
    const kid = required(options.kid, 'kid');
    await withDatabase(ctx.env, async (db) => {
      const repository = new HealthAuthorityRepository(db.orm.em.fork());
      const authority = await repository.find(iss);
      if (!authority) throw new Refusal(`no health authority with iss "${iss}"`);
      const outcome =
        action === 'revoke'
          ? await repository.revokeKey(authority.id, kid, new Date())
          : await repository.reinstateKey(authority.id, kid);
      if (outcome === 'missing') throw new Refusal(`no key ${kid} of ${iss}`);
      if (outcome === 'already') {
        ctx.out(`key ${kid} of ${iss} was already ${action === 'revoke' ? 'revoked' : 'without an end'}\n`);
        return;
      }
      ctx.out(`${outcome} key ${kid} of ${iss}\n`);
    });
  });
}

/** `enfed admin health-authority add|list|key add|key list|key revoke|key reinstate`: whose verification certificates this node trusts. */
export function healthAuthorityCommand(ctx: CliContext): Command {
  const key = new Command('key')
    .description("a health authority's public keys")
    .addCommand(keyAddCommand(ctx))
    .addCommand(keyListCommand(ctx))
    .addCommand(keyRevocationCommand(ctx, 'revoke'))
    .addCommand(keyRevocationCommand(ctx, 'reinstate'));
  return new Command('health-authority')
    .description('health authorities (verification servers) whose certificates this node trusts')
    .addCommand(addCommand(ctx))
    .addCommand(listCommand(ctx))
    .addCommand(key);
}
