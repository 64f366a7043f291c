import { FederationClient } from '../../../core/federation/federation-client';
import { createTokenSource } from '../../../core/federation/oidc/token-source';
import type { UpstreamQuery } from './upstream-query.repository';

/**
 * One FederationClient per upstream, built on first use and reused by every pull (TLS files read once, channel
 * kept; a bearer token source keeps its minted token or re-reads its file when it changes). A client is rebuilt
 * only when the upstream's address, TLS files or token settings change. Owned by the federation-in
 * component; `close()` at shutdown.
 */
export class UpstreamClients {
  private readonly clients = new Map<number, { signature: string; client: FederationClient }>();

  get(query: UpstreamQuery): FederationClient {
    const signature = JSON.stringify([
      query.address,
      query.serverName,
      query.caCertPath,
      query.clientCertPath,
      query.clientKeyPath,
      query.bearer,
    ]);
    const known = this.clients.get(query.id);
    if (known && known.signature === signature) return known.client;
    known?.client.close();
    const client = new FederationClient({
      address: query.address,
      serverName: query.serverName,
      tls: { caCertPath: query.caCertPath, clientCertPath: query.clientCertPath, clientKeyPath: query.clientKeyPath },
      ...(query.bearer ? { bearerToken: createTokenSource(query.bearer) } : {}),
    });
    this.clients.set(query.id, { signature, client });
    return client;
  }

  /** Drops clients of upstreams that no longer exist. */
  retain(ids: Set<number>): void {
    for (const [id, entry] of this.clients) {
      if (!ids.has(id)) {
        entry.client.close();
        this.clients.delete(id);
      }
    }
  }

  close(): void {
    for (const entry of this.clients.values()) entry.client.close();
    this.clients.clear();
  }
}
