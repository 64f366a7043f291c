import type { Component } from '../../core/server/component';
import { loadHubStatus } from './hub-status';
import { StatusRepository } from './status.repository';
import { addStatusRoutes } from './status.routes';

/** The hub's operator status: `GET /status` (page) and `GET /status/api` (JSON). Read-only, stateless. */
export const statusComponent: Component = {
  name: 'status',
  async start(ctx) {
    const repository = new StatusRepository(ctx.db.pool);
    addStatusRoutes(ctx.router, { load: () => loadHubStatus({ repository, now: ctx.now() }) });
  },
};
