import type { ServerCredentials, ServerUnaryCall } from '@grpc/grpc-js';
import type { CommonConfig } from '../config/common.config';
import type { Component, ComponentContext } from '../server/component';
import { peerFingerprint } from '../tls/peer-identity';
import { createServerCredentials, createTokenServerCredentials } from '../tls/server-credentials';
import { partnerByCertificate, partnerByToken } from './caller-identity';
import { fetchKeys, type FetchKeysDeps } from './fetch-keys';
import type { FederationFetchRequest, FederationFetchResponse } from './federation.proto';
import { loadFederationProto } from './federation.proto';
import { closeGraceSeconds, serverTls, type FederationOutConfig } from './federation-out.config';
import { declareServerCertificateGauge } from './federation-out.metrics';
import { FederationOutRepository } from './federation-out.repository';
import type { FederationTokenConfig } from './federation-token.config';
import { startGrpcServer, type RunningGrpcServer } from './grpc-server';
import { unaryHandler } from './grpc-handler';
import { tokenCallMetrics } from './oidc/token-call.metrics';
import { createTokenVerifier } from './oidc/token-verifier';
import type { PartnerAuthorization } from './partner-authorization.repository';
import { PartnerAuthorizationRepository } from './partner-authorization.repository';
import { withDirectFetchEncoding } from './fetch-response-encoding';

type Config = CommonConfig & FederationOutConfig & FederationTokenConfig;
type Call = ServerUnaryCall<FederationFetchRequest, FederationFetchResponse>;

/**
 * Federation.Fetch on every node and on the hub (docs/federation.md). Serves this server's keys to authorized
 * partners over mutual TLS, published as `ctx.addresses.grpc`; with GRPC_TOKEN_PORT also on a second TLS
 * listener for partners that authenticate with an OIDC ID token, published as `ctx.addresses.grpcToken`.
 */
export function federationOutComponent(): Component<Config> {
  return {
    name: 'federation-out',
    serves: { traffic: true, jobs: false },
    async start(ctx) {
      const tls = serverTls(ctx.config);
      if (!tls) {
        ctx.logger.warn('federation-out not started: TLS_CERT_PATH, TLS_KEY_PATH and TLS_CLIENT_CA_PATH are not set');
        return;
      }
      const partners = new PartnerAuthorizationRepository(ctx.db.pool);
      const deps: FetchKeysDeps = {
        keys: new FederationOutRepository(ctx.db.pool),
        maxPageSize: ctx.config.FEDERATION_MAX_PAGE_SIZE,
        truncateWindowSeconds: ctx.config.TRUNCATE_WINDOW,
        closeGraceSeconds: closeGraceSeconds(ctx.config),
        now: ctx.now,
      };
      // One shutdown stage for both listeners, stopped side by side within the same deadline.
      const running: RunningGrpcServer[] = [];
      const deadlineMs = Math.max(1000, Math.floor((ctx.config.SHUTDOWN_TIMEOUT * 1000) / 2));
      ctx.lifecycle.onStop('federation-out', async () => {
        await Promise.all(running.map((server) => server.stop(deadlineMs)));
      });
      const listen = async (
        port: number,
        credentials: ServerCredentials,
        identify: (call: Call) => Promise<PartnerAuthorization>,
      ) => {
        const server = await startListener(ctx, port, credentials, async (call) =>
          fetchKeys(deps, await identify(call), call.request),
        );
        running.push(server);
        return server.address;
      };

      ctx.addresses.grpc = await listen(ctx.config.GRPC_PORT, createServerCredentials(tls), (call) =>
        partnerByCertificate(partners, peerFingerprint(call)),
      );
      if (ctx.config.GRPC_TOKEN_PORT !== undefined) {
        const tokenCaller = {
          partners,
          verify: createTokenVerifier(ctx.db.pool, ctx.config, ctx.now),
          defaultAudience: ctx.config.FEDERATION_TOKEN_AUDIENCE as string,
        };
        const calls = tokenCallMetrics(ctx.metrics);
        ctx.addresses.grpcToken = await listen(ctx.config.GRPC_TOKEN_PORT, createTokenServerCredentials(tls), (call) =>
          calls.count(partnerByToken(tokenCaller, call.metadata)),
        );
      }
      declareServerCertificateGauge(ctx.metrics, tls.certPath, ctx.logger);
      ctx.logger.info(
        { grpc: ctx.addresses.grpc, grpcToken: ctx.addresses.grpcToken, maxPageSize: deps.maxPageSize },
        'federation-out listening',
      );
    },
  };
}

/** Binds one Fetch listener on GRPC_HOST:`port`. */
async function startListener(
  ctx: ComponentContext<Config>,
  port: number,
  credentials: ServerCredentials,
  handle: (call: Call) => Promise<FederationFetchResponse>,
): Promise<RunningGrpcServer> {
  const { service } = loadFederationProto();
  return startGrpcServer({
    host: ctx.config.GRPC_HOST,
    port,
    credentials,
    service: withDirectFetchEncoding(service),
    implementation: {
      Fetch: unaryHandler<FederationFetchRequest, FederationFetchResponse>(ctx.logger, 'Fetch', handle),
    },
  });
}
