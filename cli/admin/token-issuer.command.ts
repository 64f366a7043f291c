import { Command } from 'commander';
import { AlreadyExistsError, NotFoundError } from '../../core/errors/app-error';
import { TokenIssuerRepository } from '../../core/federation/oidc/token-issuer.repository';
import type { CliContext } from '../support/cli-context';
import { setAction } from '../support/command-action';
import { required } from '../support/option-parsers';
import { formatTable } from '../support/print-table';
import { refuseOn } from '../support/refusal';
import { UsageError } from '../support/usage-error';
import { withDatabase } from '../support/with-database';

function httpsUrl(value: string, name: string): string {
  try {
    if (new URL(value).protocol === 'https:') return value;
  } catch {
    // reported below
  }
  throw new UsageError(`--${name} must be an https:// URL`);
}

function addCommand(ctx: CliContext): Command {
  const cmd = new Command('add')
    .description('trust the ID tokens of an OIDC issuer, verified with the keys it publishes')
    .option('--issuer <iss>', 'the issuer, exactly as in its tokens (e.g. https://accounts.google.com)')
    .option('--jwks-url <url>', 'HTTPS URL of its JSON Web Key Set (e.g. https://www.googleapis.com/oauth2/v3/certs)');
  return setAction(cmd, async (options: { issuer?: string; jwksUrl?: string }) => {
    const issuer = required(options.issuer, 'issuer');
    const jwksUrl = httpsUrl(required(options.jwksUrl, 'jwks-url'), 'jwks-url');
    await withDatabase(ctx.env, (db) =>
      refuseOn(AlreadyExistsError, () => new TokenIssuerRepository(db.pool).add({ issuer, jwksUrl })),
    );
    ctx.out(`issuer ${issuer} trusted (keys from ${jwksUrl})\n`);
  });
}

function listCommand(ctx: CliContext): Command {
  return setAction(new Command('list').description('list the trusted token issuers'), () =>
    withDatabase(ctx.env, async (db) => {
      const issuers = await new TokenIssuerRepository(db.pool).list();
      ctx.out(
        formatTable(
          ['ISSUER', 'JWKS URL', 'ADDED'],
          issuers.map((i) => [i.issuer, i.jwksUrl, i.createdAt.toISOString()]),
        ),
      );
    }),
  );
}

function removeCommand(ctx: CliContext): Command {
  const cmd = new Command('remove')
    .description("stop trusting an issuer (its partners' next calls are refused)")
    .option('--issuer <iss>', 'the issuer');
  return setAction(cmd, async (options: { issuer?: string }) => {
    const issuer = required(options.issuer, 'issuer');
    await withDatabase(ctx.env, (db) =>
      refuseOn(NotFoundError, () => new TokenIssuerRepository(db.pool).remove(issuer)),
    );
    ctx.out(`issuer ${issuer} removed\n`);
  });
}

/** `enfed admin token-issuer add|list|remove`: whose ID tokens the token listener of federation-out accepts. */
export function tokenIssuerCommand(ctx: CliContext): Command {
  return new Command('token-issuer')
    .description('OIDC issuers trusted for token partners (federation-out on GRPC_TOKEN_PORT)')
    .addCommand(addCommand(ctx))
    .addCommand(listCommand(ctx))
    .addCommand(removeCommand(ctx));
}
