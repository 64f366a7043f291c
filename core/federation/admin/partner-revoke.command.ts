import { NotFoundError } from '../../errors/app-error';
import type { Command } from '../../../cli/command';
import { PartnerAuthorizationRepository } from '../partner-authorization.repository';
import { exitOneOn, parseOptions, required, withDatabase } from '../../../cli/admin-support';

/** `enfed admin partner revoke`: effective on the partner's next call (no restart; the row is read per call). */
export const partnerRevokeCommand: Command = {
  words: ['admin', 'partner', 'revoke'],
  usage: 'enfed admin partner revoke --name NAME',
  summary: 'revoke a partner authorization (effective on its next call)',
  async run(args, env) {
    const name = required(parseOptions(args, { name: { type: 'string' } }).values.name, 'name');
    return withDatabase(env, (db) =>
      exitOneOn(NotFoundError, async () => {
        await new PartnerAuthorizationRepository(db.pool).revoke(name);
        process.stdout.write(`partner ${name} revoked\n`);
        return 0;
      }),
    );
  },
};
