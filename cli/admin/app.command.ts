import { Command } from 'commander';
import { AuthorizedAppRepository } from '../../node/publish/apps/authorized-app.repository';
import { HealthAuthorityRepository } from '../../node/publish/authorities/health-authority.repository';
import type { CliContext } from '../support/cli-context';
import { setAction } from '../support/command-action';
import { commaList } from '../support/option-parsers';
import { UsageError } from '../support/usage-error';
import { withDatabase } from '../support/with-database';

interface AppAddOptions {
  regions?: string;
  healthAuthorities?: string;
  bypassVerification?: boolean;
  bypassRevisionToken?: boolean;
}

function addCommand(ctx: CliContext): Command {
  const cmd = new Command('add')
    .description('authorize an app (its healthAuthorityID / package name) to publish, or update it')
    .argument('<healthAuthorityID>', 'what the app sends as healthAuthorityID (case-insensitive)')
    .option('--regions <regions>', 'regions its keys are stored with, comma-separated')
    .option('--health-authorities <iss>', 'iss of the health authorities whose certificates it may use')
    .option('--bypass-verification', 'accept publishes without a certificate (testing only)')
    .option('--bypass-revision-token', 'allow revisions without a revision token (testing only)');
  return setAction(cmd, async (name: string, options: AppAddOptions) => {
    const regions = commaList(options.regions);
    if (regions.length === 0) throw new UsageError('--regions needs at least one region');
    const issuers = commaList(options.healthAuthorities);
    const bypassVerification = options.bypassVerification === true;
    if (issuers.length === 0 && !bypassVerification) {
      throw new UsageError('give --health-authorities (or --bypass-verification for testing only)');
    }
    await withDatabase(ctx.env, async (db) => {
      const em = db.orm.em.fork();
      let ids: number[];
      try {
        ids = await new HealthAuthorityRepository(em).idsByIss(issuers);
      } catch (err) {
        throw new UsageError(`${(err as Error).message}; add it first with: enfed admin health-authority add`);
      }
      const { created, app } = await new AuthorizedAppRepository(em).upsert({
        name,
        allowedRegions: regions,
        allowedHealthAuthorityIds: ids,
        bypassVerification,
        bypassRevisionToken: options.bypassRevisionToken === true,
      });
      ctx.out(`${created ? 'added' : 'updated'} app ${app.name}: regions ${app.allowedRegions.join(',')}\n`);
      if (app.bypassVerification)
        ctx.out('warning: certificate verification is bypassed for this app (testing only)\n');
    });
  });
}

function listCommand(ctx: CliContext): Command {
  const cmd = new Command('list').description('list the apps allowed to publish').option('--json', 'as JSON');
  return setAction(cmd, (options: { json?: boolean }) =>
    withDatabase(ctx.env, async (db) => {
      const em = db.orm.em.fork();
      const apps = await new AuthorizedAppRepository(em).list();
      const issById = new Map((await new HealthAuthorityRepository(em).list()).map((a) => [a.id, a.iss]));
      const rows = apps.map((a) => ({
        healthAuthorityID: a.name,
        regions: a.allowedRegions,
        healthAuthorities: [...a.allowedHealthAuthorityIds].map((id) => issById.get(id) ?? `#${id}`),
        bypassVerification: a.bypassVerification,
        bypassRevisionToken: a.bypassRevisionToken,
      }));
      if (options.json) return ctx.out(`${JSON.stringify(rows)}\n`);
      if (rows.length === 0) return ctx.out('no apps\n');
      for (const r of rows) {
        const flags = [
          r.bypassVerification ? 'bypass-verification' : '',
          r.bypassRevisionToken ? 'bypass-revision-token' : '',
        ]
          .filter(Boolean)
          .join(' ');
        ctx.out(
          `${r.healthAuthorityID}\tregions=${r.regions.join(',')}\thealth-authorities=${r.healthAuthorities.join(',')}${flags ? `\t${flags}` : ''}\n`,
        );
      }
    }),
  );
}

/** `enfed admin app add|list`: the apps allowed to publish at this node. */
export function appCommand(ctx: CliContext): Command {
  return new Command('app')
    .description('apps allowed to publish at this node')
    .addCommand(addCommand(ctx))
    .addCommand(listCommand(ctx));
}
