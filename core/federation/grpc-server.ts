import {
  Server,
  type ServerCredentials,
  type UntypedServiceImplementation,
  type ServiceDefinition,
} from '@grpc/grpc-js';
import { tolerateMalformedRequests } from './grpc-handler';

/** A bound gRPC server and its bounded shutdown. */
export interface RunningGrpcServer {
  server: Server;
  /** host:port actually bound (port 0 resolved). */
  address: string;
  /** tryShutdown (lets calls in flight finish) with a deadline, then forceShutdown. Idempotent. */
  stop(deadlineMs: number): Promise<void>;
}

/** Binds `service` on host:port with `credentials`. */
export async function startGrpcServer(options: {
  host: string;
  port: number;
  credentials: ServerCredentials;
  service: ServiceDefinition;
  implementation: UntypedServiceImplementation;
  channelOptions?: Record<string, number>;
}): Promise<RunningGrpcServer> {
  const server = new Server(options.channelOptions);
  // Handlers must be unaryHandler's: they turn an undecodable request into INVALID_ARGUMENT.
  server.addService(tolerateMalformedRequests(options.service), options.implementation);
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${host}:${options.port}`, options.credentials, (err, bound) =>
      err ? reject(err) : resolve(bound),
    );
  });
  let stopping: Promise<void> | undefined;
  return {
    server,
    address: `${host}:${port}`,
    stop(deadlineMs) {
      stopping ??= new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, deadlineMs);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      });
      return stopping;
    },
  };
}
