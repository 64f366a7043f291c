import { Command } from 'commander';
import { kekIdHex } from '../../core/secrets/kek';
import { KekSealer } from '../../core/secrets/kek-sealer';
import { resolveKek } from '../../core/secrets/open-sealer';
import { rewrapSecrets, sealPlaintextSecrets, type SealCounts } from '../../core/secrets/sealed-columns';
import { parseSecretReference, SUPPORTED_SECRET_REFERENCES } from '../../core/secrets/secret-reference';
import type { CliContext } from '../support/cli-context';
import { setAction } from '../support/command-action';
import { required } from '../support/option-parsers';
import { Refusal } from '../support/refusal';
import { UsageError } from '../support/usage-error';
import { withDatabase } from '../support/with-database';

/** "3 secret(s): signing_keys 2, server_secrets 1" (tables with none left out). */
function summary(counts: SealCounts): string {
  const parts = Object.entries(counts).filter(([, n]) => n > 0);
  const total = parts.reduce((n, [, c]) => n + c, 0);
  return `${total} secret(s)${parts.length > 0 ? `: ${parts.map(([t, n]) => `${t} ${n}`).join(', ')}` : ''}`;
}

async function kekOption(ctx: CliContext, value: string | undefined, name: string): Promise<KekSealer> {
  const ref = parseSecretReference(required(value, name));
  if ('problem' in ref) throw new UsageError(`--${name}: ${ref.problem}`);
  return new KekSealer(await resolveKek(ref, ctx.env));
}

function sealCommand(ctx: CliContext): Command {
  const cmd = new Command('seal').description(
    'seal every secret still stored in plaintext under the configured KEK (servers also do this at start)',
  );
  return setAction(cmd, () =>
    withDatabase(ctx.env, async (db, sealer) => {
      if (!(sealer instanceof KekSealer)) throw new Refusal('KEK is not set: nothing to seal with');
      const counts = await sealPlaintextSecrets(db.pool, sealer);
      ctx.out(`sealed ${summary(counts)} under KEK ${sealer.kekId}\n`);
    }),
  );
}

function rewrapCommand(ctx: CliContext): Command {
  const cmd = new Command('rewrap')
    .description(
      'KEK rotation: open every sealed secret with the old KEK and seal it under the new one, in one transaction',
    )
    .option('--from <reference>', `the KEK the secrets are sealed under now (${SUPPORTED_SECRET_REFERENCES})`)
    .option('--to <reference>', 'the new KEK (same forms)');
  return setAction(cmd, async (options: { from?: string; to?: string }) => {
    const from = await kekOption(ctx, options.from, 'from');
    const to = await kekOption(ctx, options.to, 'to');
    if (from.kekId === to.kekId) throw new UsageError('--from and --to are the same KEK');
    await withDatabase(ctx.env, async (db) => {
      const counts = await rewrapSecrets(db.pool, from, to);
      ctx.out(
        `re-wrapped ${summary(counts)} from KEK ${kekIdHex(from.current)} to KEK ${to.kekId}\n` +
          'now point KEK at the new key on every process (KEK_PREVIOUS may name the old one until all have restarted)\n',
      );
    });
  });
}

/** `enfed admin kek seal|rewrap`: the key-encryption key that seals the secrets kept in PostgreSQL. */
export function kekCommand(ctx: CliContext): Command {
  return new Command('kek')
    .description('the key-encryption key sealing secrets in the database (docs/secrets.md)')
    .addCommand(sealCommand(ctx))
    .addCommand(rewrapCommand(ctx));
}
