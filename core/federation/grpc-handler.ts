import { randomUUID } from 'node:crypto';
import type { sendUnaryData, ServerUnaryCall } from '@grpc/grpc-js';
import { toPublicError } from '../errors/error-table';
import type { Logger } from '../logging/logger';

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
    handle(call).then(
      (response) => callback(null, response),
      (err: unknown) => {
        const mapped = toPublicError(err);
        if (mapped.internal) {
          const errorId = randomUUID();
          logger.error({ method, errorId, err: (err as Error)?.message }, 'internal error in gRPC handler');
          callback({ code: mapped.grpc, details: `internal error (id ${errorId})` });
          return;
        }
        logger.info({ method, code: mapped.code }, 'gRPC call rejected');
        callback({ code: mapped.grpc, details: `${mapped.code}: ${mapped.message}` });
      },
    );
  };
}
