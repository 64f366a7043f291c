import type { Command } from '../../../../cli/command';
import { NotFoundError } from '../../../../core/errors/app-error';
import { exitOneOn, parseOptions, required, withDatabase } from '../../../../cli/admin-support';
import { UpstreamQueryRepository } from '../upstream-query.repository';

/**
 * `enfed admin upstream remove`: deletes the query and its runs; keys it brought stay pooled (their
 * origin_query_id then points nowhere). The running hub drops the schedule at its next reconciliation.
 */
export const upstreamRemoveCommand: Command = {
  words: ['admin', 'upstream', 'remove'],
  usage: 'enfed admin upstream remove --name NAME',
  summary: 'remove an upstream (its schedule stops within FEDERATION_SYNC_INTERVAL)',
  async run(args, env) {
    const name = required(parseOptions(args, { name: { type: 'string' } }).values.name, 'name');
    return withDatabase(env, (db) =>
      exitOneOn(NotFoundError, async () => {
        await new UpstreamQueryRepository(db.pool).remove(name);
        process.stdout.write(`upstream ${name} removed\n`);
        return 0;
      }),
    );
  },
};
