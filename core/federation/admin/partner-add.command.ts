import { UsageError, type Command } from '../../../cli/command';
import { fingerprintOfPemFile, normalizeFingerprint } from '../../tls/fingerprint';
import { PartnerAuthorizationRepository } from '../partner-authorization.repository';
import { exitOneOn, parseOptions, regionList, required, withDatabase } from '../../../cli/admin-support';
import { AlreadyExistsError } from '../../errors/app-error';

/** `enfed admin partner add`: authorizes a client certificate to call Federation.Fetch. */
export const partnerAddCommand: Command = {
  words: ['admin', 'partner', 'add'],
  usage:
    'enfed admin partner add --name NAME (--cert FILE | --fingerprint SHA256) --include CA,NY [--exclude TX] [--upstream NAME]',
  summary: 'authorize a partner certificate for Federation.Fetch (--upstream: the hub query pulling that partner)',
  async run(args, env) {
    const { values } = parseOptions(args, {
      name: { type: 'string' },
      cert: { type: 'string' },
      fingerprint: { type: 'string' },
      include: { type: 'string' },
      exclude: { type: 'string' },
      upstream: { type: 'string' },
    });
    const name = required(values.name, 'name');
    if ((values.cert === undefined) === (values.fingerprint === undefined)) {
      throw new UsageError('give exactly one of --cert or --fingerprint');
    }
    let fingerprint: string | undefined;
    if (values.cert !== undefined) {
      try {
        fingerprint = fingerprintOfPemFile(values.cert);
      } catch {
        throw new UsageError(`--cert ${values.cert}: not a readable PEM certificate`);
      }
    } else {
      fingerprint = normalizeFingerprint(values.fingerprint ?? '');
      if (!fingerprint)
        throw new UsageError('--fingerprint must be a SHA-256 fingerprint (64 hex digits, colons allowed)');
    }
    const includeRegions = regionList(values.include);
    if (includeRegions.length === 0) throw new UsageError('--include needs at least one region');
    const excludeRegions = regionList(values.exclude);
    return withDatabase(env, async (db) => {
      let originQueryId: number | null = null;
      if (values.upstream !== undefined) {
        const found = await db.pool.query<{ id: number }>('select id from federation_in_queries where name = $1', [
          values.upstream,
        ]);
        if (!found.rows[0]) throw new UsageError(`--upstream ${values.upstream}: no such upstream`);
        originQueryId = found.rows[0].id;
      }
      return exitOneOn(AlreadyExistsError, async () => {
        const added = await new PartnerAuthorizationRepository(db.pool).add({
          name,
          certFingerprint: fingerprint as string,
          includeRegions,
          excludeRegions,
          originQueryId,
        });
        process.stdout.write(`partner ${added.name} authorized (fingerprint ${added.certFingerprint})\n`);
        return 0;
      });
    });
  },
};
