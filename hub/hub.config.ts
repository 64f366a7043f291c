import { blobStoreConfig } from '../core/blob-store/blob-store.config';
import { commonConfig } from '../core/config/common.config';
import { componentsRule, parseSections, type ConfigOfAll } from '../core/config/config-section';
import { exportConfig } from '../core/export/export.config';
import { federationOutConfig } from '../core/federation/federation-out.config';
import { federationTokenConfig } from '../core/federation/federation-token.config';
import { retentionConfig } from '../core/retention/retention.config';
import { covidAlertPullConfig } from './sources/covid-alert/covid-alert-pull.config';
import { federationInConfig } from './sources/federation/federation-in.config';
import { importConfig } from './sources/imports/import.config';

/** The components the hub runs, by the names ENFED_COMPONENTS uses. */
export const HUB_COMPONENT_NAMES = [
  'federation-in',
  'federation-out',
  'export',
  'cleanup',
  'status',
  'covid-alert-pull',
  'import',
] as const;

/** Every module's settings the hub reads. */
const HUB_SECTIONS = [
  commonConfig,
  federationOutConfig,
  federationTokenConfig,
  federationInConfig,
  exportConfig,
  retentionConfig,
  blobStoreConfig,
  covidAlertPullConfig,
  importConfig,
] as const;

export type HubConfig = ConfigOfAll<typeof HUB_SECTIONS>;

/** Reads and validates the hub's configuration; throws one ConfigError listing every problem. */
export function parseHubConfig(env: NodeJS.ProcessEnv): HubConfig {
  return parseSections(HUB_SECTIONS, env, [componentsRule('hub', HUB_COMPONENT_NAMES)]);
}
