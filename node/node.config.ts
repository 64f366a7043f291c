import { blobStoreConfig } from '../core/blob-store/blob-store.config';
import { commonConfig } from '../core/config/common.config';
import { componentsRule, parseSections, type ConfigOfAll } from '../core/config/config-section';
import { exportConfig } from '../core/export/export.config';
import { federationOutConfig } from '../core/federation/federation-out.config';
import { federationTokenConfig } from '../core/federation/federation-token.config';
import { rateLimitConfig } from '../core/http/rate-limit/rate-limit.config';
import { retentionConfig } from '../core/retention/retention.config';
import { appMetricsConfig } from './app-metrics/app-metrics.config';
import { codesConfig } from './codes/codes.config';
import { covidAlertConfig } from './covid-alert/covid-alert.config';
import { deviceApiConfig } from './device-api/device-api.config';
import { jwksConfig } from './publish/jwks/jwks.config';
import { publishConfig } from './publish/publish.config';
import { statsConfig } from './publish/stats/stats.config';

/** The components a node runs, by the names ENFED_COMPONENTS uses. */
export const NODE_COMPONENT_NAMES = [
  'publish',
  'federation-out',
  'export',
  'cleanup',
  'codes',
  'covid-alert',
  'device-api',
  'app-metrics',
] as const;

/** Every module's settings a jurisdiction node reads. */
const NODE_SECTIONS = [
  commonConfig,
  publishConfig,
  rateLimitConfig,
  jwksConfig,
  statsConfig,
  federationOutConfig,
  federationTokenConfig,
  exportConfig,
  retentionConfig,
  blobStoreConfig,
  codesConfig,
  covidAlertConfig,
  deviceApiConfig,
  appMetricsConfig,
] as const;

export type NodeConfig = ConfigOfAll<typeof NODE_SECTIONS>;

/** Reads and validates the node's configuration; throws one ConfigError listing every problem. */
export function parseNodeConfig(env: NodeJS.ProcessEnv): NodeConfig {
  return parseSections(NODE_SECTIONS, env, [componentsRule('node', NODE_COMPONENT_NAMES)]);
}
