import type { Command } from '../../../cli/command';
import { PartnerAuthorizationRepository } from '../partner-authorization.repository';
import { parseOptions, printTable, withDatabase } from '../../../cli/admin-support';

/** `enfed admin partner list`. */
export const partnerListCommand: Command = {
  words: ['admin', 'partner', 'list'],
  usage: 'enfed admin partner list',
  summary: 'list partner authorizations (federation-out callers)',
  async run(args, env) {
    parseOptions(args, {});
    return withDatabase(env, async (db) => {
      const partners = await new PartnerAuthorizationRepository(db.pool).list();
      printTable(
        ['NAME', 'ENABLED', 'INCLUDE', 'EXCLUDE', 'ORIGIN QUERY', 'FINGERPRINT'],
        partners.map((p) => [
          p.name,
          p.enabled ? 'yes' : 'revoked',
          p.includeRegions.join(','),
          p.excludeRegions.join(','),
          p.originQueryId === null ? '-' : String(p.originQueryId),
          p.certFingerprint,
        ]),
      );
      return 0;
    });
  },
};
