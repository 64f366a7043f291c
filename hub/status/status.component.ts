import { ExportHealthRepository } from '../../core/export/export-health.repository';
import type { Component } from '../../core/server/component';
import type { HubConfig } from '../hub.config';
import { loadHubStatus, loadUpstreamStatus } from './hub-status';
import { loadStatusHistory } from './status-history';
import { StatusHistoryRepository } from './status-history.repository';
import { declareUpstreamGauges } from './status.metrics';
import { StatusRepository } from './status.repository';
import { addStatusRoutes } from './status.routes';

/**
 * The hub's operator status: `GET /status` (page), `GET /status/api` (JSON) and upstream gauges on
 * `/metrics`. Read-only and stateless.
 */
export const statusComponent: Component<HubConfig> = {
  name: 'status',
  serves: { traffic: true, jobs: false },
  async start(ctx) {
    const repository = new StatusRepository(ctx.db.pool);
    const history = new StatusHistoryRepository(ctx.db.pool);
    const exportHealth = new ExportHealthRepository(ctx.db.pool);
    const load = () => {
      const now = ctx.now();
      const loadHistory = () =>
        loadStatusHistory({ history, exportHealth, serverCertPath: ctx.config.TLS_CERT_PATH, now });
      return loadHubStatus({ repository, now, history: loadHistory });
    };
    addStatusRoutes(ctx.router, { load });
    declareUpstreamGauges(ctx.metrics, {
      load: () => loadUpstreamStatus({ repository, now: ctx.now() }),
      logger: ctx.logger,
    });
  },
};
