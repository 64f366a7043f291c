import { exportComponent } from '../core/export/export.component';
import { federationOutComponent } from '../core/federation/federation-out.component';
import type { Logger } from '../core/logging/logger';
import { cleanupComponent } from '../core/retention/cleanup.component';
import type { Component } from '../core/server/component';
import { startKeyServer, type RunningKeyServer } from '../core/server/key-server';
import { covidAlertPullComponent } from './sources/covid-alert/covid-alert-pull.component';
import { federationInComponent } from './sources/federation/federation-in.component';
import { importComponent } from './sources/imports/import.component';
import type { HubConfig } from './hub.config';
import { pruneRunHistory } from './sources/run-history-retention';
import { statusComponent } from './status/status.component';

/** The components of the hub, in start order. */
export function hubComponents(): Component<HubConfig>[] {
  return [
    federationInComponent(),
    federationOutComponent(),
    exportComponent(),
    cleanupComponent([pruneRunHistory]),
    statusComponent,
    covidAlertPullComponent(),
    importComponent(),
  ];
}

/** Composition root of the hub: the shared key server with federation-in instead of publish. */
export function startHub(
  config: HubConfig,
  overrides: { logger?: Logger; now?: () => Date; env?: NodeJS.ProcessEnv } = {},
): Promise<RunningKeyServer<HubConfig>> {
  return startKeyServer({ role: 'hub', config, components: hubComponents(), ...overrides });
}
