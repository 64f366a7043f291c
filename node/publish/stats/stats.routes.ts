import { randomBytes, randomInt } from 'node:crypto';
import type Router from '@koa/router';
import type { Logger } from '../../../core/logging/logger';
import { PayloadTooLargeError, readBody } from '../../../core/http/read-body';
import type { TrustStore } from '../verification/trust-store';
import { reduceStats } from './reduce-stats';
import { authenticateStatsToken, StatsUnauthorizedError } from './stats-token';
import type { StatsRepository } from './stats.repository';
import { statsHour } from './publish-stats';

/** What `/v1/stats` needs. */
export interface StatsRouteDeps {
  stats: StatsRepository;
  trust: TrustStore;
  now: () => Date;
  logger: Logger;
  settings: { dayThreshold: number; embargoSeconds: number; audience: string | undefined; leewaySeconds: number };
}

/** Request bodies are capped as the reference caps them (64 KB). */
const MAX_BODY_BYTES = 64_000;

/** Random base64 padding of 2–3 KiB (the reference's defaults), so response sizes say little. */
function padding(): string {
  return randomBytes(2048 + randomInt(1024)).toString('base64');
}

/**
 * `POST /v1/stats` (docs/stats.md): a health authority reads its publish statistics, day by day, with a bearer
 * JWT signed by one of its keys. Answers as the reference: 401 `unauthorized`, 400 `bad_request`, 200 `{days}`;
 * every answer padded.
 */
export function addStatsRoutes(router: Router, deps: StatsRouteDeps): void {
  router.post('/v1/stats', async (ctx) => {
    const answer = (status: number, body: Record<string, unknown>) => {
      ctx.status = status;
      ctx.set('cache-control', 'no-store');
      ctx.body = { ...body, padding: padding() };
    };
    try {
      const body = await readBody(ctx.req, MAX_BODY_BYTES);
      if (body.length > 0) {
        const parsed: unknown = JSON.parse(body.toString('utf8'));
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
          throw new SyntaxError('not an object');
      }
    } catch (err) {
      if (err instanceof PayloadTooLargeError) ctx.set('connection', 'close');
      return answer(400, { error: 'bad request body', code: 'bad_request' });
    }
    const authorization = ctx.get('authorization');
    if (!authorization.startsWith('Bearer ')) {
      return answer(401, { error: 'Authorization header is not in `Bearer <token>` format', code: 'unauthorized' });
    }
    const now = deps.now();
    let healthAuthorityId: number;
    try {
      healthAuthorityId = await authenticateStatsToken({
        token: authorization.slice('Bearer '.length).trim(),
        now,
        leewaySeconds: deps.settings.leewaySeconds,
        audience: deps.settings.audience,
        authority: (iss) => deps.trust.authority(iss),
      });
    } catch (err) {
      if (!(err instanceof StatsUnauthorizedError)) throw err;
      deps.logger.info({ reason: err.reason }, 'stats authorization failure');
      return answer(401, { error: 'unauthorized', code: 'unauthorized' });
    }
    // Nothing of the current hour is shown (it is still filling).
    const onlyBefore = statsHour(now);
    const hours = await deps.stats.hours(healthAuthorityId, onlyBefore);
    const days = reduceStats(hours, { onlyBefore, now, ...deps.settings });
    return answer(200, days.length > 0 ? { days } : {});
  });
}
