import { Command } from 'commander';
import { AlreadyExistsError, NotFoundError } from '../../core/errors/app-error';
import { TokenIssuerRepository } from '../../core/federation/oidc/token-issuer.repository';
import {
  PartnerAuthorizationRepository,
  type PartnerAuthorization,
} from '../../core/federation/partner-authorization.repository';
import { fingerprintOfPemFile, normalizeFingerprint } from '../../core/tls/fingerprint';
import { UpstreamQueryRepository } from '../../hub/sources/federation/upstream-query.repository';
import type { CliContext } from '../support/cli-context';
import { setAction } from '../support/command-action';
import { regionList, required } from '../support/option-parsers';
import { formatTable } from '../support/print-table';
import { refuseOn } from '../support/refusal';
import { UsageError } from '../support/usage-error';
import { withDatabase } from '../support/with-database';

interface PartnerAddOptions {
  name?: string;
  cert?: string;
  fingerprint?: string;
  issuer?: string;
  subject?: string;
  audience?: string;
  include?: string;
  exclude?: string;
  upstream?: string;
}

/** The partner's identity: a certificate fingerprint, or the issuer and subject of its ID tokens. */
type PartnerIdentity =
  | { certFingerprint: string }
  | { tokenIssuer: string; tokenSubject: string; tokenAudience: string | null };

function identityOf(options: PartnerAddOptions): PartnerIdentity {
  const byCert = options.cert !== undefined || options.fingerprint !== undefined;
  const byToken = options.issuer !== undefined || options.subject !== undefined || options.audience !== undefined;
  if (byCert === byToken) {
    throw new UsageError('give either --cert or --fingerprint, or --issuer and --subject (an OIDC token partner)');
  }
  if (byCert) return { certFingerprint: fingerprintOf(options) };
  return {
    tokenIssuer: required(options.issuer, 'issuer'),
    tokenSubject: required(options.subject, 'subject'),
    tokenAudience: options.audience === undefined ? null : required(options.audience, 'audience'),
  };
}

function fingerprintOf(options: PartnerAddOptions): string {
  if ((options.cert === undefined) === (options.fingerprint === undefined)) {
    throw new UsageError('give exactly one of --cert or --fingerprint');
  }
  if (options.cert !== undefined) {
    try {
      return fingerprintOfPemFile(options.cert);
    } catch {
      throw new UsageError(`--cert ${options.cert}: not a readable PEM certificate`);
    }
  }
  const fingerprint = normalizeFingerprint(options.fingerprint ?? '');
  if (!fingerprint) throw new UsageError('--fingerprint must be a SHA-256 fingerprint (64 hex digits, colons allowed)');
  return fingerprint;
}

function addCommand(ctx: CliContext): Command {
  const cmd = new Command('add')
    .description('authorize a partner certificate or token subject for Federation.Fetch (effective on its next call)')
    .option('--name <name>', 'the partner (unique)')
    .option('--cert <file>', "the partner's client certificate (PEM)")
    .option('--fingerprint <sha256>', 'or its SHA-256 fingerprint (hex, colons allowed)')
    .option('--issuer <iss>', "or, for a partner sending OIDC ID tokens, the tokens' issuer (see token-issuer add)")
    .option('--subject <sub>', "and the tokens' subject (e.g. the service account's id)")
    .option('--audience <aud>', 'audience its tokens must carry (default FEDERATION_TOKEN_AUDIENCE)')
    .option('--include <regions>', 'regions it may read, comma-separated')
    .option('--exclude <regions>', 'regions it may never read')
    .option('--upstream <name>', "the hub's upstream pulling from this same partner (its keys are never sent back)");
  return setAction(cmd, async (options: PartnerAddOptions) => {
    const name = required(options.name, 'name');
    const identity = identityOf(options);
    const includeRegions = regionList(options.include);
    if (includeRegions.length === 0) throw new UsageError('--include needs at least one region');
    await withDatabase(ctx.env, async (db) => {
      let originQueryId: number | null = null;
      if (options.upstream !== undefined) {
        const upstream = await new UpstreamQueryRepository(db.pool).findByName(options.upstream);
        if (!upstream) throw new UsageError(`--upstream ${options.upstream}: no such upstream`);
        originQueryId = upstream.id;
      }
      const partners = new PartnerAuthorizationRepository(db.pool);
      const settings = { name, includeRegions, excludeRegions: regionList(options.exclude), originQueryId };
      if ('certFingerprint' in identity) {
        const added = await refuseOn(AlreadyExistsError, () => partners.add({ ...settings, ...identity }));
        ctx.out(`partner ${added.name} authorized (fingerprint ${identity.certFingerprint})\n`);
        return;
      }
      if (!(await new TokenIssuerRepository(db.pool).find(identity.tokenIssuer))) {
        throw new UsageError(`--issuer ${identity.tokenIssuer}: not trusted yet (enfed admin token-issuer add)`);
      }
      const added = await refuseOn(AlreadyExistsError, () => partners.addToken({ ...settings, ...identity }));
      ctx.out(`partner ${added.name} authorized (issuer ${identity.tokenIssuer}, subject ${identity.tokenSubject})\n`);
    });
  });
}

function listCommand(ctx: CliContext): Command {
  return setAction(new Command('list').description('list partner authorizations (federation-out callers)'), () =>
    withDatabase(ctx.env, async (db) => {
      const partners = await new PartnerAuthorizationRepository(db.pool).list();
      ctx.out(
        formatTable(
          ['NAME', 'ENABLED', 'INCLUDE', 'EXCLUDE', 'ORIGIN QUERY', 'IDENTITY'],
          partners.map((p) => [
            p.name,
            p.enabled ? 'yes' : 'revoked',
            p.includeRegions.join(','),
            p.excludeRegions.join(','),
            p.originQueryId === null ? '-' : String(p.originQueryId),
            identityText(p),
          ]),
        ),
      );
    }),
  );
}

function identityText(p: PartnerAuthorization): string {
  if (p.certFingerprint !== null) return `cert ${p.certFingerprint}`;
  const audience = p.tokenAudience === null ? '' : ` aud=${p.tokenAudience}`;
  return `token iss=${p.tokenIssuer ?? ''} sub=${p.tokenSubject ?? ''}${audience}`;
}

function revokeCommand(ctx: CliContext): Command {
  const cmd = new Command('revoke')
    .description('revoke a partner authorization (effective on its next call, no restart)')
    .option('--name <name>', 'the partner');
  return setAction(cmd, async (options: { name?: string }) => {
    const name = required(options.name, 'name');
    await withDatabase(ctx.env, (db) =>
      refuseOn(NotFoundError, () => new PartnerAuthorizationRepository(db.pool).revoke(name)),
    );
    ctx.out(`partner ${name} revoked\n`);
  });
}

/** `enfed admin partner add|list|revoke`: who may call this server's Federation.Fetch. */
export function partnerCommand(ctx: CliContext): Command {
  return new Command('partner')
    .description('partners allowed to pull from this server (federation-out)')
    .addCommand(addCommand(ctx))
    .addCommand(listCommand(ctx))
    .addCommand(revokeCommand(ctx));
}
