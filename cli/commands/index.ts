import type { Command } from '../command';
import { appAddCommand, appListCommand } from '../../node/publish/admin/app.command';
import {
  healthAuthorityAddCommand,
  healthAuthorityKeyAddCommand,
  healthAuthorityKeyListCommand,
  healthAuthorityListCommand,
} from '../../node/publish/admin/health-authority.command';
import { migrateCommand } from './migrate.command';
import { runHubCommand, runNodeCommand } from './run-server.command';

/** Every `enfed` subcommand. Admin commands live beside the capability they administer. */
export const COMMANDS: Command[] = [
  runNodeCommand,
  runHubCommand,
  migrateCommand,
  appAddCommand,
  appListCommand,
  healthAuthorityAddCommand,
  healthAuthorityListCommand,
  healthAuthorityKeyAddCommand,
  healthAuthorityKeyListCommand,
];
