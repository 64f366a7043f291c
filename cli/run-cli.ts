import { CommanderError } from 'commander';
import { ConfigError } from '../core/config/env';
import { StartupError } from '../core/server/dependency-checks';
import { buildProgram } from './program';
import { processContext, type CliContext } from './support/cli-context';
import { Refusal } from './support/refusal';

/** Commander outcomes that are not failures: help or the version was asked for. */
const ANSWERED = new Set(['commander.helpDisplayed', 'commander.version']);

/**
 * Runs `enfed <argv>` and resolves to the exit code: 0 done (or help/version shown), 1 an expected refusal
 * (`enfed: …` on stderr) or a fault, 2 a usage or configuration mistake (with the command's help).
 * `--help` on any command or group only prints: nothing is opened, created or bound.
 */
export async function runCli(argv: string[], ctx: CliContext = processContext()): Promise<number> {
  const program = buildProgram(ctx);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return ANSWERED.has(err.code) ? 0 : 2;
    if (err instanceof Refusal) {
      ctx.err(`enfed: ${err.message}\n`);
      return 1;
    }
    if (err instanceof ConfigError) {
      ctx.err(`enfed: ${err.message}\n`);
      return 2;
    }
    if (err instanceof StartupError) {
      ctx.err(`enfed: ${err.message}\n`);
      return 1;
    }
    ctx.err(`enfed: ${(err as Error)?.message ?? String(err)}\n`);
    return 1;
  }
}
