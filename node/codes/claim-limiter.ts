import type { Redis } from 'ioredis';
import { UnavailableError } from '../../core/errors/app-error';
import type { SecretMac } from './secret-mac';

/** Where a client stands: tries left before a ban, and how long a ban still runs (0 when not banned). */
export interface ClaimStanding {
  banned: boolean;
  triesRemaining: number;
  banRemainingMs: number;
}

/** Failure counting and bans (the reference: 50 tries for COVID Alert, 8 for COVID Shield; 1 hour). */
export interface ClaimLimits {
  maxFailures: number;
  banSeconds: number;
}

/**
 * Records one failure atomically: a count that starts over once the last failure is older than the ban
 * window (failures spaced further apart never add up), the time of this failure, and a TTL that lets Redis
 * forget the client one window after its last failure. Returns the count.
 */
const RECORD_FAILURE = `
local state = redis.call('HMGET', KEYS[1], 'failures', 'last')
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local failures = tonumber(state[1]) or 0
local last = tonumber(state[2]) or 0
if now - last >= window then failures = 0 end
failures = failures + 1
redis.call('HSET', KEYS[1], 'failures', failures, 'last', now)
redis.call('PEXPIRE', KEYS[1], window)
return failures`;

/**
 * Counts failed claims of one-time codes per client, in Redis, for both kinds of app: past `maxFailures` in a
 * row the client is banned until `banSeconds` after its last failure. A client is known only by a keyed hash of
 * its address (the key is a server secret), held with a TTL, never in PostgreSQL and never beside keys.
 *
 * Redis unreachable: claims fail closed (503, retry later) rather than letting a brute force run uncounted.
 * The connection is its own, without an offline queue, so an outage answers at once instead of queueing.
 */
export class ClaimLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly mac: SecretMac,
    private readonly limits: ClaimLimits,
    private readonly now: () => Date,
  ) {}

  /** The Redis key of a client: a keyed hash of its address (32 hex characters). */
  clientKey(address: string): string {
    return `${this.prefix}:claim-failures:${this.mac.mac('client', address).subarray(0, 16).toString('hex')}`;
  }

  /** Where the client stands now. */
  async standing(clientKey: string): Promise<ClaimStanding> {
    const [failures, last] = await this.call(() => this.redis.hmget(clientKey, 'failures', 'last'));
    return this.standingOf(Number(failures ?? 0), Number(last ?? 0));
  }

  /** Counts a failed claim; returns the standing after it (banned when this was the last try). */
  async recordFailure(clientKey: string): Promise<ClaimStanding> {
    const now = this.now().getTime();
    const failures = await this.call(() =>
      this.redis.eval(RECORD_FAILURE, 1, clientKey, String(now), String(this.limits.banSeconds * 1000)),
    );
    return this.standingOf(Number(failures), now);
  }

  /** A successful claim starts the count over. */
  async reset(clientKey: string): Promise<void> {
    await this.call(() => this.redis.del(clientKey));
  }

  /** The standing of a client that has never failed. */
  get fresh(): ClaimStanding {
    return { banned: false, triesRemaining: this.limits.maxFailures, banRemainingMs: 0 };
  }

  private standingOf(failures: number, lastMs: number): ClaimStanding {
    const windowMs = this.limits.banSeconds * 1000;
    const since = this.now().getTime() - lastMs;
    if (!Number.isFinite(failures) || failures <= 0 || since >= windowMs) return this.fresh;
    const triesRemaining = Math.max(0, this.limits.maxFailures - failures);
    if (triesRemaining > 0) return { banned: false, triesRemaining, banRemainingMs: 0 };
    return { banned: true, triesRemaining: 0, banRemainingMs: windowMs - since };
  }

  private async call<T>(command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch {
      // The message goes to clients: it names no host or Redis detail.
      throw new UnavailableError('codes cannot be claimed right now; retry later', 'claims_unavailable');
    }
  }
}
