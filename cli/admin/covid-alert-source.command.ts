import { createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { NotFoundError } from '../../core/errors/app-error';
import { REGION_CODE } from '../../core/keys/regions';
import { isP256Key, p256PublicKeyPem } from '../../core/signing/p256-key';
import { CovidAlertRunsRepository } from '../../hub/sources/covid-alert/covid-alert-runs.repository';
import { CovidAlertSourceRepository } from '../../hub/sources/covid-alert/covid-alert-source.repository';
import type { CliContext } from '../support/cli-context';
import { setAction } from '../support/command-action';
import { durationOption, required } from '../support/option-parsers';
import { formatTable } from '../support/print-table';
import { Refusal, refuseOn } from '../support/refusal';
import { UsageError } from '../support/usage-error';
import { withDatabase } from '../support/with-database';

interface AddOptions {
  name?: string;
  url?: string;
  mcc?: string;
  region?: string;
  publicKey?: string;
  retrieveKeyFile?: string;
  retrieveKeyEnv?: string;
  interval?: string;
}

/**
 * The retrieve key, hex, from a file or an environment variable: never from argv, where every user of the machine
 * could read it. The reference requires at least 32 bytes.
 */
function readRetrieveKey(options: AddOptions, env: NodeJS.ProcessEnv): Buffer {
  if ((options.retrieveKeyFile === undefined) === (options.retrieveKeyEnv === undefined)) {
    throw new UsageError('give the retrieve key with exactly one of --retrieve-key-file or --retrieve-key-env');
  }
  let text: string | undefined;
  if (options.retrieveKeyFile !== undefined) {
    try {
      text = readFileSync(options.retrieveKeyFile, 'utf8');
    } catch {
      throw new UsageError('--retrieve-key-file cannot be read');
    }
  } else {
    text = env[options.retrieveKeyEnv as string];
    if (text === undefined) throw new UsageError(`--retrieve-key-env: ${options.retrieveKeyEnv} is not set`);
  }
  const hex = text.trim();
  if (!/^([0-9a-fA-F]{2}){32,}$/.test(hex)) throw new UsageError('the retrieve key must be hex, at least 32 bytes');
  return Buffer.from(hex, 'hex');
}

function readPublicKey(path: string): string {
  try {
    const key = createPublicKey(readFileSync(path, 'utf8'));
    if (isP256Key(key)) return p256PublicKeyPem(key);
  } catch {
    // reported below, without the parser's text
  }
  throw new UsageError('--public-key must be a P-256 public key (PEM)');
}

function addCommand(ctx: CliContext): Command {
  const cmd = new Command('add')
    .description('add a COVID Shield / COVID Alert server for the hub to pull (picked up without a restart)')
    .option('--name <name>', 'the source (unique): letters, digits, . _ -')
    .option('--url <url>', 'base URL of its retrieval API (https://…; /retrieve/… is appended)')
    .option('--mcc <digits>', 'the region in its retrieve URLs and MACs (three digits)', '302')
    .option('--region <code>', 'region code the pulled keys are pooled under, e.g. CA')
    .option('--public-key <file>', 'its export signing public key (P-256, PEM)')
    .option('--retrieve-key-file <file>', 'file holding the shared retrieve key (hex)')
    .option('--retrieve-key-env <variable>', 'environment variable holding the shared retrieve key (hex)')
    .option('--interval <duration>', 'how often to pull', '1h');
  return setAction(cmd, async (options: AddOptions) => {
    const name = required(options.name, 'name');
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(name)) {
      throw new UsageError('--name: letters, digits, . _ - (max 63)');
    }
    const url = required(options.url, 'url');
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new UsageError('--url must be an absolute http(s) URL');
    }
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
      throw new UsageError('--url must be an absolute http(s) URL');
    }
    const mcc = options.mcc ?? '302';
    if (!/^[0-9]{3}$/.test(mcc)) throw new UsageError('--mcc is three digits');
    const region = required(options.region, 'region').trim().toUpperCase();
    if (!REGION_CODE.test(region)) throw new UsageError('--region must be a region code such as CA');
    const publicKeyPem = readPublicKey(required(options.publicKey, 'public-key'));
    const retrieveKey = readRetrieveKey(options, ctx.env);
    const intervalSeconds = durationOption(options.interval, 'interval', 3600);
    if (intervalSeconds <= 0) throw new UsageError('--interval must be a duration such as 30m or 1h');
    const added = await withDatabase(ctx.env, (db, sealer) =>
      new CovidAlertSourceRepository(db.pool, sealer).add({
        name,
        baseUrl: parsed.toString().replace(/\/+$/, ''),
        retrieveRegion: mcc,
        region,
        retrieveKey,
        publicKeyPem,
        intervalSeconds,
      }),
    );
    if (!added) throw new Refusal(`a covid-alert source called ${name} already exists`);
    ctx.out(`covid-alert source ${added.name} added (id ${added.id}, every ${added.intervalSeconds}s)\n`);
  });
}

function listCommand(ctx: CliContext): Command {
  const cmd = new Command('list').description('list the COVID Alert sources with their last pull (never the key)');
  return setAction(cmd, () =>
    withDatabase(ctx.env, async (db, sealer) => {
      const [sources, runs] = await Promise.all([
        new CovidAlertSourceRepository(db.pool, sealer).list(),
        new CovidAlertRunsRepository(db.pool).latest(),
      ]);
      ctx.out(
        formatTable(
          ['ID', 'NAME', 'URL', 'MCC', 'REGION', 'EVERY', 'FAILURES', 'NEXT ATTEMPT', 'LAST PULL', 'RESULT'],
          sources.map((s) => {
            const run = runs.get(s.id);
            return [
              String(s.id),
              s.name,
              s.baseUrl,
              s.retrieveRegion,
              s.region,
              `${s.intervalSeconds}s`,
              String(s.consecutiveFailures),
              s.nextAttemptAt ? s.nextAttemptAt.toISOString() : '-',
              run?.finishedAt ? run.finishedAt.toISOString() : '-',
              run ? (run.error ?? `ok: ${run.inserted} new key(s) from ${run.days} day file(s)`) : '-',
            ];
          }),
        ),
      );
    }),
  );
}

function removeCommand(ctx: CliContext): Command {
  const cmd = new Command('remove')
    .description('remove a source with its ledger and runs (its pooled keys stay; its schedule stops)')
    .option('--name <name>', 'the source');
  return setAction(cmd, async (options: { name?: string }) => {
    const name = required(options.name, 'name');
    await withDatabase(ctx.env, (db, sealer) =>
      refuseOn(NotFoundError, async () => {
        if (!(await new CovidAlertSourceRepository(db.pool, sealer).remove(name))) {
          throw new NotFoundError(`no covid-alert source called ${name}`);
        }
      }),
    );
    ctx.out(`covid-alert source ${name} removed\n`);
  });
}

/** `enfed admin covid-alert-source add|list|remove`: COVID Shield / COVID Alert servers the hub pulls. */
export function covidAlertSourceCommand(ctx: CliContext): Command {
  return new Command('covid-alert-source')
    .description('COVID Shield / COVID Alert servers the hub pulls through their retrieve API (covid-alert-pull)')
    .addCommand(addCommand(ctx))
    .addCommand(listCommand(ctx))
    .addCommand(removeCommand(ctx));
}
