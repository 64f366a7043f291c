import { commonEnvShape } from '../core/config/common.config';
import { parseEnv } from '../core/config/env';
import { federationOutEnvShape } from '../core/federation/federation-out.config';
import { federationInEnvShape } from './sources/federation/federation-in.config';
import { exportEnvShape } from '../core/export/export.config';
import { retentionEnvShape } from '../core/retention/retention.config';

/** Every environment variable the hub reads. Component shapes are merged here. */
export const hubEnvShape = {
  ...commonEnvShape,
  ...federationOutEnvShape,
  ...federationInEnvShape,
  ...exportEnvShape,
  ...retentionEnvShape,
};

export type HubConfig = ReturnType<typeof parseHubConfig>;

/** Reads and validates the hub's configuration; throws ConfigError listing every problem. */
export function parseHubConfig(env: NodeJS.ProcessEnv) {
  return parseEnv(hubEnvShape, env);
}
