import type { Command } from '../../../../cli/command';
import { parseOptions, printTable, withDatabase } from '../../../../cli/admin-support';
import { UpstreamQueryRepository } from '../upstream-query.repository';

/** `enfed admin upstream list`: upstreams with their backoff state. */
export const upstreamListCommand: Command = {
  words: ['admin', 'upstream', 'list'],
  usage: 'enfed admin upstream list',
  summary: 'list the upstreams the hub pulls, with their backoff state',
  async run(args, env) {
    parseOptions(args, {});
    return withDatabase(env, async (db) => {
      const upstreams = await new UpstreamQueryRepository(db.pool).list();
      printTable(
        ['ID', 'NAME', 'KIND', 'ADDRESS', 'INCLUDE', 'EXCLUDE', 'LOCAL ONLY', 'EVERY', 'FAILURES', 'NEXT ATTEMPT'],
        upstreams.map((u) => [
          String(u.id),
          u.name,
          u.upstreamKind,
          u.address,
          u.includeRegions.join(','),
          u.excludeRegions.join(','),
          u.onlyLocalProvenance ? 'yes' : 'no',
          `${u.intervalSeconds}s`,
          String(u.consecutiveFailures),
          u.nextAttemptAt ? u.nextAttemptAt.toISOString() : '-',
        ]),
      );
      return 0;
    });
  },
};
