import type { Component } from '../../core/server/component';
import { loadHubStatus, loadUpstreamStatus } from './hub-status';
import { declareUpstreamGauges } from './status.metrics';
import { StatusRepository } from './status.repository';
import { addStatusRoutes } from './status.routes';

/**
 * The hub's operator status: `GET /status` (page), `GET /status/api` (JSON) and upstream gauges on
 * `/metrics`. Read-only and stateless.
 */
export const statusComponent: Component = {
  name: 'status',
  serves: { traffic: true, jobs: false },
  async start(ctx) {
    const repository = new StatusRepository(ctx.db.pool);
    addStatusRoutes(ctx.router, { load: () => loadHubStatus({ repository, now: ctx.now() }) });
    declareUpstreamGauges(ctx.metrics, {
      load: () => loadUpstreamStatus({ repository, now: ctx.now() }),
      logger: ctx.logger,
    });
  },
};
