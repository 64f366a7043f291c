import { Command } from 'commander';
import { stopOnSignals } from '../../core/lifecycle/lifecycle';
import { createLogger } from '../../core/logging/logger';
import { parseHubConfig } from '../../hub/hub.config';
import { startHub } from '../../hub/main';
import { parseNodeConfig } from '../../node/node.config';
import { startNode } from '../../node/main';
import type { CliContext } from '../support/cli-context';
import { setAction } from '../support/command-action';
import { parentPidFromEnv, watchParent } from './parent-watch';

/**
 * Runs a role until SIGTERM/SIGINT, or until the process named by ENFED_PARENT_PID is gone; `stopOnSignals`
 * then stops it in order and exits the process.
 */
async function runRole(role: 'node' | 'hub', ctx: CliContext): Promise<never> {
  const config = role === 'node' ? parseNodeConfig(ctx.env) : parseHubConfig(ctx.env);
  const parentPid = parentPidFromEnv(ctx.env);
  const logger = createLogger({
    level: config.LOG_LEVEL,
    name: role,
    instance: config.ENFED_INSTANCE,
    format: config.LOG_FORMAT,
  });
  let stop: ((reason: string) => void) | undefined;
  // Watched from the start: a supervisor that dies while this server starts must not leave it running.
  if (parentPid !== undefined) {
    watchParent(parentPid, () => {
      logger.warn({ parentPid }, `parent process ${parentPid} is gone: stopping`);
      if (stop) stop('parent process gone');
      else process.exit(1); // still starting: nothing serves yet
    });
  }
  const server =
    role === 'node'
      ? await startNode(parseNodeConfig(ctx.env), { logger, env: ctx.env })
      : await startHub(parseHubConfig(ctx.env), { logger, env: ctx.env });
  stop = stopOnSignals(server, logger);
  return new Promise<never>(() => {
    // Runs until a signal or the parent's end stops it.
  });
}

const CONFIGURED =
  '\nConfigured by environment variables (README: "Running a node", "Running the hub").\n' +
  'ENFED_PARENT_PID=<pid>: stop cleanly, as on SIGTERM, within a second of that process ending (for supervisors).';

/** `enfed node`. */
export function nodeCommand(ctx: CliContext): Command {
  const cmd = new Command('node')
    .description('run a jurisdiction node (publish API, exports, federation-out)')
    .addHelpText('after', CONFIGURED);
  return setAction(cmd, () => runRole('node', ctx));
}

/** `enfed hub`. */
export function hubCommand(ctx: CliContext): Command {
  const cmd = new Command('hub')
    .description('run the hub (federation-in, pooled exports, federation-out to partners)')
    .addHelpText('after', CONFIGURED);
  return setAction(cmd, () => runRole('hub', ctx));
}
