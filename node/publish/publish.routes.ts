import type Router from '@koa/router';
import type { Context } from 'koa';
import { AppError } from '../../core/errors/app-error';
import { reportError } from '../../core/errors/report-error';
import type { Logger } from '../../core/logging/logger';
import { PayloadTooLargeError, readBody } from '../../core/http/read-body';
import { writePublishResponse } from './http/publish-response';
import { publish, type PublishDeps } from './publish';
import type { PublishMetrics } from './publish.metrics';
import { CertificateInvalidError, PUBLISH_CODES } from './publish-errors';
import { parsePublishRequest } from './request/publish-request';
import { platformOf } from './stats/publish-stats';
import { publishOutcome, publishSpan, tracePublishParse } from '../../core/tracing/publish-spans';

/** Raised for a body that is not `application/json` (415). */
class UnsupportedMediaTypeError extends AppError {
  constructor() {
    super('unsupported_media_type', PUBLISH_CODES.badRequest, 'content type must be application/json');
  }
}

function isJson(contentType: string | undefined): boolean {
  return (contentType ?? '').split(';')[0]?.trim().toLowerCase() === 'application/json';
}

/**
 * `POST /v1/publish`: transport only. Reads and parses the body, calls `publish`, and shapes every answer
 * (success and error) as the publish protocol wants, so the shared error middleware never sees an error
 * from here. Logs counts and codes, never keys, tokens, certificates or client addresses.
 */
export function addPublishRoutes(
  router: Router,
  deps: PublishDeps,
  options: { maxBodyBytes: number; logger: Logger; metrics: PublishMetrics },
): void {
  const { maxBodyBytes, logger, metrics } = options;
  const handle = async (ctx: Context) => {
    try {
      if (!isJson(ctx.get('content-type'))) throw new UnsupportedMediaTypeError();
      const request = await tracePublishParse(async () => {
        const body = await readBody(ctx.req, maxBodyBytes);
        return { bytes: body.length, request: parsePublishRequest(body.toString('utf8')) };
      });
      const result = await publish(deps, request, { platform: platformOf(ctx.get('user-agent')) });
      const partial = result.warnings.length > 0;
      const code = partial ? PUBLISH_CODES.partialFailure : 'ok';
      publishOutcome(code, 200, result.insertedExposures, result.warnings.length);
      metrics.answered(code);
      metrics.keys('stored', result.insertedExposures);
      metrics.keys('dropped', result.warnings.length);
      writePublishResponse(ctx, 200, {
        revisionToken: result.revisionToken,
        insertedExposures: result.insertedExposures,
        warnings: result.warnings,
        ...(partial ? { code: PUBLISH_CODES.partialFailure, error: 'some keys were dropped' } : {}),
      });
    } catch (err) {
      const pub = reportError(logger, err, { route: 'publish' });
      metrics.answered(pub.code);
      publishOutcome(pub.code, pub.http);
      if (pub.errorId) ctx.set('x-request-id', pub.errorId);
      if (pub.retryAfterSeconds !== undefined) ctx.set('retry-after', String(pub.retryAfterSeconds));
      if (err instanceof CertificateInvalidError) {
        logger.debug({ reason: err.reason }, 'verification certificate rejected');
      }
      if (err instanceof PayloadTooLargeError) ctx.set('connection', 'close');
      const warnings = err instanceof AppError && Array.isArray(err.details.warnings) ? err.details.warnings : [];
      writePublishResponse(ctx, pub.http, { code: pub.code, error: pub.message, warnings });
    }
  };
  router.post('/v1/publish', (ctx) => publishSpan(() => handle(ctx)));
}
