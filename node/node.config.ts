import { commonEnvShape } from '../core/config/common.config';
import { parseEnv } from '../core/config/env';

/** Every environment variable a jurisdiction node reads. Component shapes are merged here. */
export const nodeEnvShape = {
  ...commonEnvShape,
};

export type NodeConfig = ReturnType<typeof parseNodeConfig>;

/** Reads and validates the node's configuration; throws ConfigError listing every problem. */
export function parseNodeConfig(env: NodeJS.ProcessEnv) {
  return parseEnv(nodeEnvShape, env);
}
