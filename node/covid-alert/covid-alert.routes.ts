import type Router from '@koa/router';
import type { Context } from 'koa';
import type protobuf from 'protobufjs';
import type pg from 'pg';
import { reportError } from '../../core/errors/report-error';
import { PayloadTooLargeError, readBody } from '../../core/http/read-body';
import type { Logger } from '../../core/logging/logger';
import type { ExportSigningKey } from '../../core/signing/file-signer';
import type { CodeServices } from '../codes/code-services';
import { claimKey, type ClaimKeyDeps } from './claim/claim-key';
import type { CovidAlertMetrics } from './covid-alert.metrics';
import { covidShieldProto, KEY_CLAIM_ERROR, UPLOAD_ERROR } from './covidshield.proto';
import type { ExposureConfigurations } from './exposure-configuration';
import { buildDayExport } from './retrieve/day-export';
import type { RetrieveHmac } from './retrieve/retrieve-hmac';
import { retrieveDay } from './retrieve/retrieve-request';
import { upload, type UploadDeps } from './upload/upload';

/** The reference's body limits. */
const CLAIM_MAX_BYTES = 256;
const UPLOAD_MAX_BYTES = 1024;
/** Region codes in `/retrieve` and `/exposure-configuration` (COVID Alert uses its MCC, `302`). */
const REGION = /^[A-Za-z0-9_-]{1,32}$/;
const DAY = /^[0-9]{5}$/;

export interface CovidAlertRouteDeps {
  claim: ClaimKeyDeps;
  upload: UploadDeps;
  codes: CodeServices;
  retrieve: {
    pool: pg.Pool;
    hmac: RetrieveHmac;
    /** The active export signing keys (cached). */
    signingKeys: () => Promise<ExportSigningKey[]>;
    servedDays: number;
    serveCurrentDay: boolean;
    entirePeriodBundle: boolean;
    truncateWindowSeconds: number;
  };
  configurations: ExposureConfigurations;
  now: () => Date;
  logger: Logger;
  metrics: CovidAlertMetrics;
}

function writeProto(ctx: Context, status: number, type: protobuf.Type, message: Record<string, unknown>): void {
  ctx.status = status;
  ctx.type = 'application/x-protobuf';
  ctx.set('x-content-type-options', 'nosniff');
  ctx.set('cache-control', 'no-store');
  ctx.body = Buffer.from(type.encode(type.fromObject(message)).finish());
}

/**
 * The 429 of the request rate limit in the protocol's own protobuf: on `/claim-key` the reference's
 * TEMPORARY_BAN (the app already waits on it), on `/upload` SERVER_ERROR (the app keeps its keys and retries).
 */
export function writeCovidAlertRateLimited(ctx: Context): void {
  const proto = covidShieldProto();
  if (ctx.path.startsWith('/claim-key')) {
    writeProto(ctx, 429, proto.KeyClaimResponse, { error: KEY_CLAIM_ERROR.TEMPORARY_BAN });
  } else {
    writeProto(ctx, 429, proto.EncryptedUploadResponse, { error: UPLOAD_ERROR.SERVER_ERROR });
  }
}

function text(ctx: Context, status: number, body: string): void {
  ctx.status = status;
  ctx.type = 'text/plain; charset=utf-8';
  ctx.set('x-content-type-options', 'nosniff');
  ctx.body = `${body}\n`;
}

/**
 * The COVID Shield / COVID Alert endpoints (docs/covid-alert-protocol.md): `/claim-key` and `/upload` answer in
 * protobuf with the reference's statuses and error codes, `/retrieve` and `/exposure-configuration` serve files.
 * Internal faults are logged with an id and answered SERVER_ERROR (500), an outage of PostgreSQL or Redis 503.
 * Nothing about keys, codes or clients is logged.
 */
export function addCovidAlertRoutes(router: Router, deps: CovidAlertRouteDeps): void {
  const proto = covidShieldProto();

  router.post('/claim-key', async (ctx) => {
    try {
      const answer = await claimKey(deps.claim, deps.codes.clientKey(ctx), async () => {
        try {
          return await readBody(ctx.req, CLAIM_MAX_BYTES);
        } catch (err) {
          if (err instanceof PayloadTooLargeError) ctx.set('connection', 'close');
          throw err;
        }
      });
      deps.metrics.answered('claim-key', answer.outcome);
      writeProto(ctx, answer.status, proto.KeyClaimResponse, answer.response);
    } catch (err) {
      const pub = reportError(deps.logger, err, { route: 'claim-key' });
      deps.metrics.answered('claim-key', pub.code);
      if (pub.retryAfterSeconds !== undefined) ctx.set('retry-after', String(pub.retryAfterSeconds));
      writeProto(ctx, pub.http === 503 ? 503 : 500, proto.KeyClaimResponse, { error: KEY_CLAIM_ERROR.SERVER_ERROR });
    }
  });

  router.post('/upload', async (ctx) => {
    try {
      let body: Buffer;
      try {
        body = await readBody(ctx.req, UPLOAD_MAX_BYTES);
      } catch (err) {
        if (err instanceof PayloadTooLargeError) ctx.set('connection', 'close');
        deps.metrics.answered('upload', 'unreadable');
        return writeProto(ctx, 400, proto.EncryptedUploadResponse, { error: UPLOAD_ERROR.UNKNOWN });
      }
      const answer = await upload(deps.upload, body);
      deps.metrics.answered('upload', answer.outcome);
      deps.metrics.keysStored(answer.inserted);
      writeProto(ctx, answer.status, proto.EncryptedUploadResponse, { error: answer.error });
    } catch (err) {
      const pub = reportError(deps.logger, err, { route: 'upload' });
      deps.metrics.answered('upload', pub.code);
      if (pub.retryAfterSeconds !== undefined) ctx.set('retry-after', String(pub.retryAfterSeconds));
      writeProto(ctx, pub.http === 503 ? 503 : 500, proto.EncryptedUploadResponse, {
        error: UPLOAD_ERROR.SERVER_ERROR,
      });
    }
  });

  router.all('/retrieve/:region/:day/:hmac', async (ctx) => {
    const { region, day, hmac } = ctx.params as Record<string, string>;
    const r = deps.retrieve;
    if (!REGION.test(region ?? '') || !DAY.test(day ?? '')) return text(ctx, 404, '404 page not found');
    const now = deps.now();
    // As the reference: the MAC is checked first, then the method.
    if (!r.hmac.verify(region!, day!, hmac ?? '', now)) {
      deps.metrics.answered('retrieve', 'unauthorized');
      return text(ctx, 401, 'unauthorized');
    }
    if (ctx.method !== 'GET') return text(ctx, 405, 'method not allowed');
    const window = retrieveDay(day!, now, r);
    deps.metrics.answered('retrieve', window.kind);
    if (window.kind === 'current_day')
      return text(ctx, 404, 'cannot serve data for current period for privacy reasons');
    if (window.kind === 'future') return text(ctx, 404, 'cannot request future data');
    if (window.kind === 'gone') return text(ctx, 410, 'requested data no longer valid');
    try {
      const signingKeys = await r.signingKeys();
      if (signingKeys.length === 0) throw new Error('no active export signing key (enfed admin signing-key create)');
      const zip = await buildDayExport(
        r.pool,
        signingKeys,
        { region: region!, start: window.start, end: window.end },
        { now, truncateWindowSeconds: r.truncateWindowSeconds, servedDays: r.servedDays },
      );
      ctx.status = 200;
      ctx.type = 'application/zip';
      ctx.set('cache-control', 'public, max-age=3600, max-stale=600');
      ctx.body = zip;
    } catch (err) {
      const pub = reportError(deps.logger, err, { route: 'retrieve' });
      if (pub.retryAfterSeconds !== undefined) ctx.set('retry-after', String(pub.retryAfterSeconds));
      text(ctx, pub.http === 503 ? 503 : 500, pub.http === 503 ? 'service unavailable' : 'database error');
    }
  });

  router.get('/exposure-configuration/:file', (ctx) => {
    const match = /^([A-Za-z0-9_-]{1,32})\.json$/.exec(String(ctx.params.file));
    const json = match ? deps.configurations.forRegion(match[1]!) : undefined;
    if (json === undefined) return text(ctx, 404, '404 page not found');
    ctx.status = 200;
    ctx.type = 'application/json';
    ctx.set('cache-control', 'public, max-age=300');
    ctx.body = json;
  });
}
