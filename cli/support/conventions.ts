import type { Command } from 'commander';
import type { CliContext } from './cli-context';

/** Applies the CLI's conventions to every command of the tree (commander copies them only to `.command()` children). */
export function applyConventions(root: Command, ctx: CliContext): void {
  const visit = (cmd: Command) => {
    cmd
      // Options after a subcommand belong to it (`enfed demo publish --manifest x` is publish's, not demo's).
      .enablePositionalOptions()
      .exitOverride()
      .showHelpAfterError()
      .configureOutput({ writeOut: ctx.out, writeErr: ctx.err })
      .helpOption('-h, --help', 'show this help');
    for (const sub of cmd.commands) visit(sub);
  };
  visit(root);
}
