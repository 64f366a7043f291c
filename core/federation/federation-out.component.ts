import type { CommonConfig } from '../config/common.config';
import type { Component } from '../server/component';
import { peerFingerprint } from '../tls/peer-identity';
import { createServerCredentials } from '../tls/server-credentials';
import { fetchKeys, type FetchKeysDeps } from './fetch-keys';
import type { FederationFetchRequest, FederationFetchResponse } from './federation.proto';
import { loadFederationProto } from './federation.proto';
import { closeGraceSeconds, serverTls, type FederationOutConfig } from './federation-out.config';
import { declareServerCertificateGauge } from './federation-out.metrics';
import { FederationOutRepository } from './federation-out.repository';
import { startGrpcServer } from './grpc-server';
import { unaryHandler } from './grpc-handler';
import { PartnerAuthorizationRepository } from './partner-authorization.repository';

/**
 * Federation.Fetch over mutual TLS, on every node and on the hub (docs/federation.md). Serves this server's
 * keys to authorized partners. The bound address is published as `ctx.addresses.grpc`.
 */
export function federationOutComponent(): Component<CommonConfig & FederationOutConfig> {
  return {
    name: 'federation-out',
    serves: { traffic: true, jobs: false },
    async start(ctx) {
      const tls = serverTls(ctx.config);
      if (!tls) {
        ctx.logger.warn('federation-out not started: TLS_CERT_PATH, TLS_KEY_PATH and TLS_CLIENT_CA_PATH are not set');
        return;
      }
      const deps: FetchKeysDeps = {
        keys: new FederationOutRepository(ctx.db.pool),
        partners: new PartnerAuthorizationRepository(ctx.db.pool),
        maxPageSize: ctx.config.FEDERATION_MAX_PAGE_SIZE,
        truncateWindowSeconds: ctx.config.TRUNCATE_WINDOW,
        closeGraceSeconds: closeGraceSeconds(ctx.config),
        now: ctx.now,
      };
      const { service } = loadFederationProto();
      const running = await startGrpcServer({
        host: ctx.config.GRPC_HOST,
        port: ctx.config.GRPC_PORT,
        credentials: createServerCredentials(tls),
        service,
        implementation: {
          Fetch: unaryHandler<FederationFetchRequest, FederationFetchResponse>(ctx.logger, 'Fetch', (call) =>
            fetchKeys(deps, peerFingerprint(call), call.request),
          ),
        },
      });
      const deadlineMs = Math.max(1000, Math.floor((ctx.config.SHUTDOWN_TIMEOUT * 1000) / 2));
      ctx.lifecycle.onStop('federation-out', () => running.stop(deadlineMs));
      declareServerCertificateGauge(ctx.metrics, tls.certPath, ctx.logger);
      ctx.addresses.grpc = running.address;
      ctx.logger.info({ grpc: running.address, maxPageSize: deps.maxPageSize }, 'federation-out listening');
    },
  };
}
