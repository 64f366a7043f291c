import type { Command } from '../command';
import { migrateCommand } from './migrate.command';
import { runHubCommand, runNodeCommand } from './run-server.command';

/** Every `enfed` subcommand. Admin commands live beside the capability they administer. */
export const COMMANDS: Command[] = [runNodeCommand, runHubCommand, migrateCommand];
