import type { Logger } from '../core/logging/logger';
import type { Component } from '../core/server/component';
import { startKeyServer, type RunningKeyServer } from '../core/server/key-server';
import type { NodeConfig } from './node.config';

/** The components of a jurisdiction node, in start order. */
export function nodeComponents(): Component<NodeConfig>[] {
  return [];
}

/** Composition root of a node: the shared key server with the node's components (publish instead of pull). */
export function startNode(
  config: NodeConfig,
  overrides: { logger?: Logger; now?: () => Date } = {},
): Promise<RunningKeyServer<NodeConfig>> {
  return startKeyServer({ role: 'node', config, components: nodeComponents(), ...overrides });
}
