/**
 * A small in-memory cache whose entries expire after `ttlMs`, so that changes made by an operator (a new
 * or revoked key, an app's regions) take effect within one TTL without a restart. Concurrent misses for
 * one key share a single load; the oldest entries are evicted beyond `maxEntries` so that requests naming
 * random ids cannot grow it without bound. Failed loads are not cached.
 */
export class TtlCache<K, V> {
  private readonly entries = new Map<K, { value: V; expiresAt: number }>();
  private readonly loading = new Map<K, Promise<V>>();

  constructor(
    private readonly load: (key: K) => Promise<V>,
    private readonly ttlMs: number,
    private readonly maxEntries = 1000,
    private readonly clock: () => number = Date.now,
  ) {}

  async get(key: K): Promise<V> {
    const hit = this.entries.get(key);
    if (hit && hit.expiresAt > this.clock()) return hit.value;
    const pending = this.loading.get(key);
    if (pending) return pending;
    const promise = this.load(key).then(
      (value) => {
        this.loading.delete(key);
        this.entries.delete(key);
        this.entries.set(key, { value, expiresAt: this.clock() + this.ttlMs });
        if (this.entries.size > this.maxEntries) {
          const oldest = this.entries.keys().next();
          if (!oldest.done) this.entries.delete(oldest.value);
        }
        return value;
      },
      (err: unknown) => {
        this.loading.delete(key);
        throw err;
      },
    );
    this.loading.set(key, promise);
    return promise;
  }

  /** Forgets every entry (tests and admin changes made in this process). */
  clear(): void {
    this.entries.clear();
  }
}
