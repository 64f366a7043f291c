import type { Command } from 'commander';
import { UsageError } from './usage-error';

/**
 * Sets `cmd`'s action. A UsageError thrown by it is reported the commander way: the message, then the
 * command's help, exit 2. Anything else propagates to `runCli`, which maps it to an exit code.
 */
export function setAction<A extends unknown[]>(cmd: Command, action: (...args: A) => Promise<void> | void): Command {
  return cmd.action(async (...args: unknown[]) => {
    try {
      await action(...(args as A));
    } catch (err) {
      if (err instanceof UsageError) cmd.error(err.message, { exitCode: 2, code: 'enfed.usage' });
      throw err;
    }
  });
}
