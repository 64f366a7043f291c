import { UsageError, type Command } from '../../../cli/command';
import { AuthorizedAppRepository } from '../apps/authorized-app.repository';
import { HealthAuthorityRepository } from '../authorities/health-authority.repository';
import { commaList, parseOptions, print, withDatabase } from '../../../cli/admin-support';

/** `enfed admin app add`: registers (or updates) an app allowed to publish. */
export const appAddCommand: Command = {
  words: ['admin', 'app', 'add'],
  usage:
    'enfed admin app add <healthAuthorityID> --regions R1[,R2] [--health-authorities ISS1[,ISS2]] [--bypass-verification] [--bypass-revision-token]',
  summary: 'authorize an app (healthAuthorityID / package name) to publish, with its regions and health authorities',
  async run(args, env) {
    const { values, positionals } = parseOptions(
      args,
      {
        regions: { type: 'string' },
        'health-authorities': { type: 'string' },
        'bypass-verification': { type: 'boolean' },
        'bypass-revision-token': { type: 'boolean' },
      },
      1,
    );
    const name = positionals[0];
    if (!name) throw new UsageError('the healthAuthorityID (app package name) is required');
    const regions = commaList(values.regions);
    if (regions.length === 0) throw new UsageError('--regions needs at least one region');
    const issuers = commaList(values['health-authorities']);
    const bypassVerification = values['bypass-verification'] === true;
    if (issuers.length === 0 && !bypassVerification) {
      throw new UsageError('give --health-authorities (or --bypass-verification for testing only)');
    }
    return withDatabase(env, async (db) => {
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
        bypassRevisionToken: values['bypass-revision-token'] === true,
      });
      print(`${created ? 'added' : 'updated'} app ${app.name}: regions ${app.allowedRegions.join(',')}`);
      if (app.bypassVerification) print('warning: certificate verification is bypassed for this app (testing only)');
      return 0;
    });
  },
};

/** `enfed admin app list`. */
export const appListCommand: Command = {
  words: ['admin', 'app', 'list'],
  usage: 'enfed admin app list [--json]',
  summary: 'list the apps allowed to publish',
  async run(args, env) {
    const { values } = parseOptions(args, { json: { type: 'boolean' } });
    return withDatabase(env, async (db) => {
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
      if (values.json) print(JSON.stringify(rows));
      else if (rows.length === 0) print('no apps');
      else
        for (const r of rows) {
          const flags = [
            r.bypassVerification ? 'bypass-verification' : '',
            r.bypassRevisionToken ? 'bypass-revision-token' : '',
          ]
            .filter(Boolean)
            .join(' ');
          print(
            `${r.healthAuthorityID}\tregions=${r.regions.join(',')}\thealth-authorities=${r.healthAuthorities.join(',')}${flags ? `\t${flags}` : ''}`,
          );
        }
      return 0;
    });
  },
};
