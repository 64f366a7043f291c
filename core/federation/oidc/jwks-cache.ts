import { UnavailableError } from '../../errors/app-error';
import type { PublishedKey } from './fetch-jwks';

/** How the cache gets a key set (fetchJwks with its limits, or a stand-in in tests). */
export type JwksLoader = (url: string) => Promise<Map<string, PublishedKey>>;

export interface JwksCacheOptions {
  load: JwksLoader;
  /** A key set is reused this long before it is downloaded again. */
  ttlSeconds: number;
  /**
   * Downloads of one URL are at least this far apart: an unknown kid triggers one (the issuer may have rotated),
   * and so does a failed refresh, but tokens with made-up kids cannot make us hammer the issuer.
   */
  minRefreshSeconds: number;
  now: () => Date;
}

/** A set that could not be refreshed keeps serving this many TTLs at most, then calls fail as UNAVAILABLE. */
const STALE_TTLS = 12;

interface Entry {
  keys: Map<string, PublishedKey>;
  fetchedAt: number;
  attemptedAt: number;
}

/**
 * Key sets by JWKS URL, shared by every call of the process. Concurrent misses share one download. When a
 * refresh fails the last good set keeps serving for a while (an issuer's short outage should not lock out its
 * partners); with no usable set the failure propagates as UNAVAILABLE.
 */
export class JwksCache {
  private readonly entries = new Map<string, Entry>();
  private readonly inFlight = new Map<string, Promise<void>>();

  constructor(private readonly options: JwksCacheOptions) {}

  /** The key with this kid published at `url`, or undefined when the issuer does not publish it. */
  async key(url: string, kid: string): Promise<PublishedKey | undefined> {
    const entry = this.entries.get(url);
    const now = this.options.now().getTime();
    const expired = !entry || now - entry.fetchedAt >= this.options.ttlSeconds * 1000;
    const missing = entry !== undefined && !entry.keys.has(kid);
    const mayTry = !entry || now - entry.attemptedAt >= this.options.minRefreshSeconds * 1000;
    if ((expired || missing) && mayTry) await this.refresh(url);
    const current = this.entries.get(url);
    if (!current) throw new Error('unreachable: refresh either stores a set or throws');
    if (now - current.fetchedAt >= STALE_TTLS * this.options.ttlSeconds * 1000) {
      throw new UnavailableError(`JWKS at ${url} could not be refreshed`, 'jwks_unavailable');
    }
    return current.keys.get(kid);
  }

  private async refresh(url: string): Promise<void> {
    let pending = this.inFlight.get(url);
    if (!pending) {
      pending = this.download(url);
      this.inFlight.set(url, pending);
      void pending.finally(() => this.inFlight.delete(url)).catch(() => undefined);
    }
    await pending;
  }

  private async download(url: string): Promise<void> {
    const previous = this.entries.get(url);
    const attemptedAt = this.options.now().getTime();
    try {
      const keys = await this.options.load(url);
      this.entries.set(url, { keys, fetchedAt: this.options.now().getTime(), attemptedAt });
    } catch (err) {
      const usable = previous && attemptedAt - previous.fetchedAt < STALE_TTLS * this.options.ttlSeconds * 1000;
      if (!usable) throw err;
      this.entries.set(url, { ...previous, attemptedAt });
    }
  }
}
