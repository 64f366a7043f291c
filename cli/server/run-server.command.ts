import { Command } from 'commander';
import { stopOnSignals } from '../../core/lifecycle/lifecycle';
import { createLogger } from '../../core/logging/logger';
import { parseHubConfig } from '../../hub/hub.config';
import { startHub } from '../../hub/main';
import { parseNodeConfig } from '../../node/node.config';
import { startNode } from '../../node/main';
import type { CliContext } from '../support/cli-context';
import { setAction } from '../support/command-action';

/** Runs a role until SIGTERM/SIGINT; `stopOnSignals` then stops it in order and exits the process. */
async function runRole(role: 'node' | 'hub', ctx: CliContext): Promise<never> {
  const config = role === 'node' ? parseNodeConfig(ctx.env) : parseHubConfig(ctx.env);
  const logger = createLogger({
    level: config.LOG_LEVEL,
    name: role,
    instance: config.ENFED_INSTANCE,
    format: config.LOG_FORMAT,
  });
  const server =
    role === 'node'
      ? await startNode(parseNodeConfig(ctx.env), { logger })
      : await startHub(parseHubConfig(ctx.env), { logger });
  stopOnSignals(server, logger);
  return new Promise<never>(() => {
    // Runs until a signal stops it.
  });
}

const CONFIGURED = '\nConfigured by environment variables (README: "Running a node", "Running the hub").';

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
