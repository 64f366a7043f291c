import { randomBytes, randomInt, timingSafeEqual, createHash } from 'node:crypto';
import type Router from '@koa/router';
import type { Context } from 'koa';
import { reportError } from '../../core/errors/report-error';
import { PayloadTooLargeError, readBody } from '../../core/http/read-body';
import type { Logger } from '../../core/logging/logger';
import type { CodeServices } from '../codes/code-services';
import type { CodesMetrics } from '../codes/codes.metrics';
import { DeviceApiError, DEVICE_API_CODES } from './device-api-errors';
import { issueCertificate, type CertificateDeps } from './issue-certificate';
import { verifyCode, type VerifyDeps } from './verify-code';

/** The reference's body limit for device API requests. */
const MAX_BODY_BYTES = 64_000;

export interface DeviceApiRouteDeps {
  verify: VerifyDeps;
  certificate: CertificateDeps;
  codes: CodeServices;
  /** SHA-256 digests of the accepted API keys; empty: no API key is asked for. */
  apiKeys: readonly Buffer[];
  logger: Logger;
  metrics: CodesMetrics;
}

/** 1024–2047 random bytes, base64: successful answers of every kind have similar sizes (the reference's padding). */
function padding(): string {
  return randomBytes(1024 + randomInt(1024)).toString('base64');
}

function answer(ctx: Context, status: number, body: Record<string, unknown>): void {
  ctx.status = status;
  ctx.type = 'application/json';
  ctx.set('cache-control', 'no-store');
  ctx.body = body;
}

/** An error answer in the reference's shape: `error`, `errorCode` and its legacy copy `error_code`, no padding. */
function error(ctx: Context, status: number, errorCode: string, message: string): void {
  answer(ctx, status, { error: message, errorCode, error_code: errorCode });
}

function isJson(ctx: Context): boolean {
  return (ctx.get('content-type') ?? '').toLowerCase().startsWith('application/json');
}

/**
 * `POST /api/verify` and `POST /api/certificate` (docs/device-api.md), the reference verification server's device
 * API on the node's one-time codes. With DEVICE_API_KEYS set, X-API-Key must name one (401 otherwise); a request
 * with X-Chaff gets a padding-only answer and does nothing. Logs outcomes, never codes, tokens or certificates.
 */
export function addDeviceApiRoutes(router: Router, deps: DeviceApiRouteDeps): void {
  const authorized = (ctx: Context): boolean => {
    if (deps.apiKeys.length === 0) return true;
    const given = createHash('sha256').update(ctx.get('x-api-key').trim()).digest();
    let ok = false;
    for (const key of deps.apiKeys) ok = timingSafeEqual(key, given) || ok;
    return ok && ctx.get('x-api-key').trim() !== '';
  };

  const handle =
    (
      name: 'verify' | 'certificate',
      parseError: string,
      work: (ctx: Context, body: string) => Promise<Record<string, unknown>>,
    ) =>
    async (ctx: Context) => {
      if (!authorized(ctx)) return error(ctx, 401, '', 'unauthorized');
      if (ctx.get('x-chaff') !== '') return answer(ctx, 200, { padding: padding() });
      try {
        if (!isJson(ctx)) throw new DeviceApiError(400, parseError, 'content type must be application/json');
        let body: Buffer;
        try {
          body = await readBody(ctx.req, MAX_BODY_BYTES);
        } catch (err) {
          if (!(err instanceof PayloadTooLargeError)) throw err;
          ctx.set('connection', 'close');
          throw new DeviceApiError(400, parseError, 'request body too large');
        }
        const result = await work(ctx, body.toString('utf8'));
        deps.metrics.claimed('device-api', `${name}_ok`);
        answer(ctx, 200, { ...result, padding: padding() });
      } catch (err) {
        if (err instanceof DeviceApiError) {
          deps.metrics.claimed('device-api', err.errorCode);
          if (err.retryAfterSeconds !== undefined) {
            ctx.set('retry-after', String(err.retryAfterSeconds));
            ctx.set('x-ratelimit-remaining', '0');
          }
          return error(ctx, err.status, err.errorCode, err.message);
        }
        const pub = reportError(deps.logger, err, { route: `device-api-${name}` });
        deps.metrics.claimed('device-api', pub.code);
        if (pub.retryAfterSeconds !== undefined) ctx.set('retry-after', String(pub.retryAfterSeconds));
        if (pub.http === 503) return error(ctx, 503, DEVICE_API_CODES.unavailable, pub.message);
        error(ctx, 500, DEVICE_API_CODES.internalServerError, 'internal error');
      }
    };

  router.post(
    '/api/verify',
    handle('verify', DEVICE_API_CODES.unparsableRequest, async (ctx, body) => ({
      ...(await verifyCode(deps.verify, deps.codes.clientKey(ctx), body)),
    })),
  );
  router.post(
    '/api/certificate',
    handle('certificate', DEVICE_API_CODES.tokenInvalid, async (_ctx, body) => ({
      ...(await issueCertificate(deps.certificate, body)),
    })),
  );
}
