import type { sendUnaryData, ServerUnaryCall, ServiceDefinition } from '@grpc/grpc-js';
import { BadRequestError } from '../errors/app-error';
import { reportError } from '../errors/report-error';
import type { Logger } from '../logging/logger';
import { extractTraceContext } from '../tracing/grpc-trace-context';
import { SpanKind, withSpan } from '../tracing/spans';

/**
 * Adapts an async handler to grpc-js. A rejected promise becomes the status of the one error table; an
 * internal fault is logged with an id and the client sees only a generic text with that id, never the message.
 */
export function unaryHandler<Req, Res>(
  logger: Logger,
  method: string,
  handle: (call: ServerUnaryCall<Req, Res>) => Promise<Res>,
): (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => void {
  return (call, callback) => {
    const handled =
      (call.request as unknown) instanceof MalformedRequest
        ? Promise.reject(new BadRequestError('the request message could not be decoded', 'malformed_request'))
        : withSpan(`federation.${method}`, { 'rpc.system': 'grpc', 'rpc.method': method }, () => handle(call), {
            kind: SpanKind.SERVER,
            parent: extractTraceContext(call.metadata),
          });
    handled.then(
      (response) => callback(null, response),
      (err: unknown) => {
        const mapped = reportError(logger, err, { method });
        if (mapped.errorId) {
          callback({ code: mapped.grpc, details: `internal error (id ${mapped.errorId})` });
          return;
        }
        logger.info({ method, code: mapped.code }, 'gRPC call rejected');
        callback({ code: mapped.grpc, details: `${mapped.code}: ${mapped.message}` });
      },
    );
  };
}

/** Stands in for a request message that did not decode; `unaryHandler` answers it with INVALID_ARGUMENT. */
export class MalformedRequest {}

/**
 * The service with request deserializers that never throw. grpc-js answers a message its deserializer rejects
 * with INTERNAL, but an undecodable request is the client's mistake: it reaches the handler as a
 * MalformedRequest instead.
 */
export function tolerateMalformedRequests(service: ServiceDefinition): ServiceDefinition {
  return Object.fromEntries(
    Object.entries(service).map(([name, method]) => [
      name,
      {
        ...method,
        requestDeserialize: (bytes: Buffer) => {
          try {
            return method.requestDeserialize(bytes);
          } catch {
            return new MalformedRequest();
          }
        },
      },
    ]),
  );
}
