import { ConfigError } from '../../core/config/env';
import { stopOnSignals } from '../../core/lifecycle/lifecycle';
import { createLogger } from '../../core/logging/logger';
import { startHub } from '../../hub/main';
import { parseHubConfig } from '../../hub/hub.config';
import { startNode } from '../../node/main';
import { parseNodeConfig } from '../../node/node.config';
import type { Command } from '../command';

async function runRole(role: 'node' | 'hub', env: NodeJS.ProcessEnv): Promise<number> {
  let logger;
  try {
    const config = role === 'node' ? parseNodeConfig(env) : parseHubConfig(env);
    logger = createLogger({ level: config.LOG_LEVEL, name: role });
    const server =
      role === 'node'
        ? await startNode(parseNodeConfig(env), { logger })
        : await startHub(parseHubConfig(env), { logger });
    stopOnSignals(server, logger);
    return await new Promise<number>(() => {
      // Runs until a signal stops it; stopOnSignals exits the process.
    });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`enfed ${role}: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
}

export const runNodeCommand: Command = {
  words: ['node'],
  usage: 'enfed node',
  summary: 'run a jurisdiction node (publish API, exports, federation-out); configured by environment',
  run: (_args, env) => runRole('node', env),
};

export const runHubCommand: Command = {
  words: ['hub'],
  usage: 'enfed hub',
  summary: 'run the hub (federation-in, pooled exports, federation-out to partners); configured by environment',
  run: (_args, env) => runRole('hub', env),
};
