import { Command } from 'commander';
import type { CliContext } from '../support/cli-context';
import { appCommand } from './app.command';
import { covidAlertSourceCommand } from './covid-alert-source.command';
import { deviceApiCommand } from './device-api.command';
import { exportConfigCommand } from './export-config.command';
import { healthAuthorityCommand } from './health-authority.command';
import { importCommand } from './import.command';
import { kekCommand } from './kek.command';
import { partnerCommand } from './partner.command';
import { signingKeyCommand } from './signing-key.command';
import { tokenIssuerCommand } from './token-issuer.command';
import { upstreamCommand } from './upstream.command';

/** `enfed admin …`: configuration kept in the server's database, against DATABASE_URL. */
export function adminCommand(ctx: CliContext): Command {
  return new Command('admin')
    .description("manage this server's configuration in DATABASE_URL (apps, keys, partners, upstreams, exports)")
    .addCommand(appCommand(ctx))
    .addCommand(healthAuthorityCommand(ctx))
    .addCommand(signingKeyCommand(ctx))
    .addCommand(exportConfigCommand(ctx))
    .addCommand(partnerCommand(ctx))
    .addCommand(tokenIssuerCommand(ctx))
    .addCommand(upstreamCommand(ctx))
    .addCommand(deviceApiCommand(ctx))
    .addCommand(covidAlertSourceCommand(ctx))
    .addCommand(importCommand(ctx))
    .addCommand(kekCommand(ctx));
}
