import { existsSync } from 'node:fs';
import { UsageError, type Command } from '../../../../cli/command';
import { duration } from '../../../../core/config/env';
import { AlreadyExistsError } from '../../../../core/errors/app-error';
import { exitOneOn, parseOptions, regionList, required, withDatabase } from '../../../../cli/admin-support';
import { UpstreamQueryRepository, type UpstreamKind } from '../upstream-query.repository';

/** `enfed admin upstream add`: a node or partner hub for the hub to pull; picked up without a restart. */
export const upstreamAddCommand: Command = {
  words: ['admin', 'upstream', 'add'],
  usage:
    'enfed admin upstream add --name NAME --address HOST:PORT --ca FILE --cert FILE --key FILE --include CA,NY ' +
    '[--exclude TX] [--kind node|partner] [--server-name NAME] [--all-provenance] [--only-travelers] [--interval 5m]',
  summary: 'add an upstream for the hub to pull (federation-in)',
  async run(args, env) {
    const { values } = parseOptions(args, {
      name: { type: 'string' },
      address: { type: 'string' },
      ca: { type: 'string' },
      cert: { type: 'string' },
      key: { type: 'string' },
      include: { type: 'string' },
      exclude: { type: 'string' },
      kind: { type: 'string' },
      'server-name': { type: 'string' },
      'all-provenance': { type: 'boolean' },
      'only-travelers': { type: 'boolean' },
      interval: { type: 'string' },
    });
    const name = required(values.name, 'name');
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(name))
      throw new UsageError('--name: letters, digits, . _ - (max 63)');
    const address = required(values.address, 'address');
    if (!/^[^\s:]+:\d{1,5}$|^\[[0-9a-fA-F:]+\]:\d{1,5}$/.test(address))
      throw new UsageError('--address must be HOST:PORT');
    const files = {
      ca: required(values.ca, 'ca'),
      cert: required(values.cert, 'cert'),
      key: required(values.key, 'key'),
    };
    for (const [option, path] of Object.entries(files)) {
      if (!existsSync(path)) throw new UsageError(`--${option} ${path}: no such file`);
    }
    const includeRegions = regionList(values.include);
    if (includeRegions.length === 0) throw new UsageError('--include needs at least one region');
    const kind = (values.kind ?? 'node') as UpstreamKind;
    if (kind !== 'node' && kind !== 'partner') throw new UsageError('--kind is node or partner');
    const interval = duration(300).safeParse(values.interval);
    if (!interval.success || interval.data <= 0)
      throw new UsageError('--interval must be a duration such as 30s or 5m');

    return withDatabase(env, (db) =>
      exitOneOn(AlreadyExistsError, async () => {
        const added = await new UpstreamQueryRepository(db.pool).add({
          name,
          address,
          serverName: values['server-name'] ?? null,
          caCertPath: files.ca,
          clientCertPath: files.cert,
          clientKeyPath: files.key,
          includeRegions,
          excludeRegions: regionList(values.exclude),
          onlyLocalProvenance: values['all-provenance'] !== true,
          onlyTravelers: values['only-travelers'] === true,
          intervalSeconds: interval.data,
          upstreamKind: kind,
        });
        process.stdout.write(`upstream ${added.name} added (id ${added.id}, every ${added.intervalSeconds}s)\n`);
        return 0;
      }),
    );
  },
};
