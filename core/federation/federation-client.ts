import { makeClientConstructor, Metadata, type Client, type ServiceError } from '@grpc/grpc-js';
import { UnavailableError } from '../errors/app-error';
import { createClientCredentials, type ClientTlsFiles } from '../tls/client-credentials';
import { injectTraceContext } from '../tracing/grpc-trace-context';
import { withDirectFetchDecoding } from './fetch-response-encoding';
import { loadFederationProto, type FederationFetchRequest, type FederationFetchResponse } from './federation.proto';

/** Where and as whom to call an upstream's Federation.Fetch. */
export interface FederationClientOptions {
  /** host:port */
  address: string;
  /** TLS name to verify when it differs from the address host. */
  serverName?: string | null;
  tls: ClientTlsFiles;
  /**
   * The bearer token to send with each call (an OIDC ID token for servers that authenticate callers that way),
   * asked for per call so that a rotated token is picked up; never logged.
   */
  bearerToken?: () => Promise<string>;
  /** Largest response accepted (bytes); large pages need more than gRPC's 4 MB default. */
  maxReceiveBytes?: number;
}

/** Typed outcome of a failed call: the gRPC status code, for backoff decisions and run records. */
export class FederationCallError extends UnavailableError {
  constructor(
    readonly grpcCode: number,
    details: string,
  ) {
    super(`Fetch failed (gRPC status ${grpcCode}): ${details}`, 'federation_call_failed');
    this.name = 'FederationCallError';
  }
}

type FetchMethod = (
  request: FederationFetchRequest,
  metadata: Metadata,
  options: { deadline: Date },
  callback: (err: ServiceError | null, response?: FederationFetchResponse) => void,
) => void;

/**
 * A client of one upstream's Federation.Fetch over TLS, identified by a client certificate and/or a bearer token. Credentials are read once and the channel is
 * reused for every call; `close()` releases it.
 */
export class FederationClient {
  private readonly client: Client;
  private readonly bearerToken: (() => Promise<string>) | undefined;

  constructor(options: FederationClientOptions) {
    this.bearerToken = options.bearerToken;
    // Pages of 10,000 keys: decoded without proto-loader's toObject copy of every key (fetch-response-encoding.ts).
    const Client = makeClientConstructor(withDirectFetchDecoding(loadFederationProto().service), 'Federation');
    const channelOptions: Record<string, string | number> = {
      'grpc.max_receive_message_length': options.maxReceiveBytes ?? 64 * 1024 * 1024,
    };
    if (options.serverName) {
      channelOptions['grpc.ssl_target_name_override'] = options.serverName;
      channelOptions['grpc.default_authority'] = options.serverName;
    }
    this.client = new Client(options.address, createClientCredentials(options.tls), channelOptions);
  }

  /** One Fetch call; fields left out take their proto defaults. Rejects with FederationCallError. */
  async fetch(request: Partial<FederationFetchRequest>, deadlineMs = 30_000): Promise<FederationFetchResponse> {
    const full: FederationFetchRequest = {
      includeRegions: [],
      excludeRegions: [],
      onlyTravelers: false,
      onlyLocalProvenance: false,
      maxExposureKeys: 0,
      state: null,
      ...request,
    };
    const method = (this.client as unknown as { Fetch: FetchMethod }).Fetch.bind(this.client);
    const metadata = new Metadata();
    injectTraceContext(metadata);
    if (this.bearerToken) metadata.set('authorization', `Bearer ${await this.bearerToken()}`);
    return new Promise((resolve, reject) => {
      method(full, metadata, { deadline: new Date(Date.now() + deadlineMs) }, (err, response) => {
        if (err) reject(new FederationCallError(err.code, err.details));
        else if (!response) reject(new FederationCallError(13, 'empty response'));
        else resolve(response);
      });
    });
  }

  close(): void {
    this.client.close();
  }
}
