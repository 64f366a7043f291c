import { commonEnvShape } from '../core/config/common.config';
import { parseEnv } from '../core/config/env';
import { publishEnvShape } from './publish/publish.config';
import { federationOutEnvShape } from '../core/federation/federation-out.config';
import { exportEnvShape } from '../core/export/export.config';
import { retentionEnvShape } from '../core/retention/retention.config';

/** Every environment variable a jurisdiction node reads. Component shapes are merged here. */
export const nodeEnvShape = {
  ...commonEnvShape,
  ...publishEnvShape,
  ...federationOutEnvShape,
  ...exportEnvShape,
  ...retentionEnvShape,
};

export type NodeConfig = ReturnType<typeof parseNodeConfig>;

/** Reads and validates the node's configuration; throws ConfigError listing every problem. */
export function parseNodeConfig(env: NodeJS.ProcessEnv) {
  return parseEnv(nodeEnvShape, env);
}
