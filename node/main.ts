import { exportComponent } from '../core/export/export.component';
import { federationOutComponent } from '../core/federation/federation-out.component';
import type { Logger } from '../core/logging/logger';
import { cleanupComponent } from '../core/retention/cleanup.component';
import type { Component } from '../core/server/component';
import { startKeyServer, type RunningKeyServer } from '../core/server/key-server';
import { appMetricsComponent } from './app-metrics/app-metrics.component';
import { codesComponent } from './codes/codes.component';
import { covidAlertComponent } from './covid-alert/covid-alert.component';
import { deviceApiComponent } from './device-api/device-api.component';
import type { NodeConfig } from './node.config';
import { publishComponent } from './publish/publish.component';
import { PUBLISH_ENTITIES } from './publish/publish.entities';

/** The components of a jurisdiction node, in start order (the opt-in ones run only when named). */
export function nodeComponents(): Component<NodeConfig>[] {
  return [
    publishComponent<NodeConfig>(),
    federationOutComponent(),
    exportComponent(),
    cleanupComponent(),
    // Opt-in (a state's stack): run only when ENFED_COMPONENTS names them.
    codesComponent<NodeConfig>(),
    covidAlertComponent<NodeConfig>(),
    deviceApiComponent<NodeConfig>(),
    appMetricsComponent<NodeConfig>(),
  ];
}

/** Composition root of a node: the shared key server with the node's components (publish instead of pull). */
export function startNode(
  config: NodeConfig,
  overrides: { logger?: Logger; now?: () => Date; env?: NodeJS.ProcessEnv } = {},
): Promise<RunningKeyServer<NodeConfig>> {
  return startKeyServer({
    role: 'node',
    config,
    components: nodeComponents(),
    entities: PUBLISH_ENTITIES,
    ...overrides,
  });
}
