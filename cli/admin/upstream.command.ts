import { resolve } from 'node:path';
import { Command } from 'commander';
import { AlreadyExistsError, NotFoundError } from '../../core/errors/app-error';
import { tlsFileProblems } from '../../core/tls/tls-file-problems';
import {
  UpstreamQueryRepository,
  type UpstreamKind,
  type UpstreamQuery,
} from '../../hub/sources/federation/upstream-query.repository';
import type { CliContext } from '../support/cli-context';
import { setAction } from '../support/command-action';
import { durationOption, regionList, required } from '../support/option-parsers';
import { formatTable } from '../support/print-table';
import { refuseOn } from '../support/refusal';
import { UsageError } from '../support/usage-error';
import { withDatabase } from '../support/with-database';
import { bearerOption, tokenJwksCommand, type TokenOptions } from './upstream-token-options';

interface UpstreamAddOptions extends TokenOptions {
  name?: string;
  address?: string;
  ca?: string;
  cert?: string;
  key?: string;
  include?: string;
  exclude?: string;
  kind?: string;
  serverName?: string;
  allProvenance?: boolean;
  onlyTravelers?: boolean;
  interval?: string;
}

function addCommand(ctx: CliContext): Command {
  const cmd = new Command('add')
    .description('add a node or partner hub for the hub to pull (picked up without a restart)')
    .option('--name <name>', 'the upstream (unique): letters, digits, . _ -')
    .option('--address <host:port>', 'its Federation.Fetch address')
    .option('--ca <file>', 'CA bundle its server certificate chains to (PEM)')
    .option('--cert <file>', "the hub's client certificate for it (PEM); optional with a bearer token")
    .option('--key <file>', "the hub's client key (PEM)")
    .option('--token-file <file>', 'send the OIDC ID token held in this file (re-read when it changes)')
    .option('--token-key <file>', 'or mint self-signed ES256 tokens with this EC P-256 private key (PEM)')
    .option('--token-issuer <iss>', 'iss of minted tokens')
    .option('--token-subject <sub>', 'sub of minted tokens (default: the issuer)')
    .option('--token-audience <aud>', 'aud of minted tokens (what the upstream expects)')
    .option('--token-key-id <kid>', "kid of minted tokens (default: the key's RFC 7638 thumbprint)")
    .option('--include <regions>', 'regions to ask for, comma-separated')
    .option('--exclude <regions>', 'regions to leave out')
    .option('--kind <kind>', 'node (one of ours: local provenance) or partner (another hub)', 'node')
    .option('--server-name <name>', 'TLS name to verify when it differs from the address host')
    .option('--all-provenance', 'also take keys the upstream did not publish itself')
    .option('--only-travelers', 'take traveler keys only')
    .option('--interval <duration>', 'how often to pull', '5m');
  return setAction(cmd, async (options: UpstreamAddOptions) => {
    const name = required(options.name, 'name');
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(name))
      throw new UsageError('--name: letters, digits, . _ - (max 63)');
    const address = required(options.address, 'address');
    if (!/^[^\s:]+:\d{1,5}$|^\[[0-9a-fA-F:]+\]:\d{1,5}$/.test(address)) {
      throw new UsageError('--address must be HOST:PORT');
    }
    const bearer = bearerOption(options);
    if (!bearer && (options.cert === undefined || options.key === undefined)) {
      throw new UsageError('give --cert and --key, or a bearer token (--token-file or --token-key)');
    }
    if ((options.cert === undefined) !== (options.key === undefined)) throw new UsageError('give --cert with --key');
    // Stored absolute: the hub reads them from wherever it was started.
    const files = {
      ca: resolve(required(options.ca, 'ca')),
      cert: options.cert === undefined ? null : resolve(options.cert),
      key: options.key === undefined ? null : resolve(options.key),
    };
    const problems = tlsFileProblems({
      ca: { path: files.ca, name: '--ca' },
      ...(files.cert && files.key
        ? { cert: { path: files.cert, name: '--cert' }, key: { path: files.key, name: '--key' } }
        : {}),
    });
    if (problems.length > 0) throw new UsageError(problems.join('; '));
    const includeRegions = regionList(options.include);
    if (includeRegions.length === 0) throw new UsageError('--include needs at least one region');
    const kind = options.kind as UpstreamKind;
    if (kind !== 'node' && kind !== 'partner') throw new UsageError('--kind is node or partner');
    const intervalSeconds = durationOption(options.interval, 'interval', 300);
    if (intervalSeconds <= 0) throw new UsageError('--interval must be a duration such as 30s or 5m');
    const added = await withDatabase(ctx.env, (db) =>
      refuseOn(AlreadyExistsError, () =>
        new UpstreamQueryRepository(db.pool).add({
          name,
          address,
          serverName: options.serverName ?? null,
          caCertPath: files.ca,
          clientCertPath: files.cert,
          clientKeyPath: files.key,
          includeRegions,
          excludeRegions: regionList(options.exclude),
          onlyLocalProvenance: options.allProvenance !== true,
          onlyTravelers: options.onlyTravelers === true,
          intervalSeconds,
          upstreamKind: kind,
          bearer,
        }),
      ),
    );
    ctx.out(`upstream ${added.name} added (id ${added.id}, every ${added.intervalSeconds}s)\n`);
  });
}

/** How the hub identifies itself to an upstream: mtls, token-file, token-minted, or both. */
function authText(u: UpstreamQuery): string {
  const parts = u.clientCertPath ? ['mtls'] : [];
  if (u.bearer) parts.push(u.bearer.kind === 'file' ? 'token-file' : 'token-minted');
  return parts.join('+');
}

function listCommand(ctx: CliContext): Command {
  return setAction(new Command('list').description('list the upstreams the hub pulls, with their backoff state'), () =>
    withDatabase(ctx.env, async (db) => {
      const upstreams = await new UpstreamQueryRepository(db.pool).list();
      ctx.out(
        formatTable(
          [
            'ID',
            'NAME',
            'KIND',
            'ADDRESS',
            'AUTH',
            'INCLUDE',
            'EXCLUDE',
            'LOCAL ONLY',
            'EVERY',
            'FAILURES',
            'NEXT ATTEMPT',
          ],
          upstreams.map((u) => [
            String(u.id),
            u.name,
            u.upstreamKind,
            u.address,
            authText(u),
            u.includeRegions.join(','),
            u.excludeRegions.join(','),
            u.onlyLocalProvenance ? 'yes' : 'no',
            `${u.intervalSeconds}s`,
            String(u.consecutiveFailures),
            u.nextAttemptAt ? u.nextAttemptAt.toISOString() : '-',
          ]),
        ),
      );
    }),
  );
}

/**
 * `remove` deletes the query and its runs; keys it brought stay pooled (their origin_query_id then points
 * nowhere). The running hub drops the schedule at its next reconciliation.
 */
function removeCommand(ctx: CliContext): Command {
  const cmd = new Command('remove')
    .description('remove an upstream (its schedule stops within FEDERATION_SYNC_INTERVAL)')
    .option('--name <name>', 'the upstream');
  return setAction(cmd, async (options: { name?: string }) => {
    const name = required(options.name, 'name');
    await withDatabase(ctx.env, (db) =>
      refuseOn(NotFoundError, () => new UpstreamQueryRepository(db.pool).remove(name)),
    );
    ctx.out(`upstream ${name} removed\n`);
  });
}

/** `enfed admin upstream add|list|remove`: the servers the hub pulls over federation. */
export function upstreamCommand(ctx: CliContext): Command {
  return new Command('upstream')
    .description('servers the hub pulls over federation (federation-in), by mTLS and/or a bearer token')
    .addCommand(addCommand(ctx))
    .addCommand(listCommand(ctx))
    .addCommand(removeCommand(ctx))
    .addCommand(tokenJwksCommand(ctx));
}
