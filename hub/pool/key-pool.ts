import type pg from 'pg';
import type { KeyOrigin } from './key-origin';
import { prepareIncoming, type IncomingKey } from './incoming-keys';
import { PooledKeysRepository } from './pooled-keys.repository';

/** One batch a source hands over: primary keys and revised keys, as the upstream listed them. */
export interface IncomingBatch {
  primary: readonly (IncomingKey | undefined)[];
  revised: readonly (IncomingKey | undefined)[];
}

/** What the pool did with a batch. */
export interface IngestCounts {
  received: number;
  inserted: number;
  duplicates: number;
  invalid: number;
  revised: number;
}

/** Settings of the pool (from the hub's config). */
export interface KeyPoolSettings {
  /** Accept SELF_REPORT keys from sources (docs/federation.md: off unless configured). */
  acceptSelfReport: boolean;
}

/**
 * The hub's key pool, which every source feeds (the gRPC pull, imports of export files, other servers' APIs):
 * validate each key again at the boundary, then deduplicate and merge with what is pooled (regions merged, an
 * allowed revision applied at most once) and store, recording the batch's origin on new keys. It works inside
 * the caller's transaction, so a source commits a batch together with its own progress (cursor, ledger, run
 * counters): stopping at any point loses and duplicates nothing.
 */
export class KeyPool {
  constructor(
    private readonly settings: KeyPoolSettings,
    private readonly repository: (tx: pg.ClientBase) => PooledKeysRepository = (tx) => new PooledKeysRepository(tx),
  ) {}

  async ingest(tx: pg.ClientBase, batch: IncomingBatch, origin: KeyOrigin, now: Date): Promise<IngestCounts> {
    const primary = prepareIncoming(batch.primary, now, this.settings);
    const revised = prepareIncoming(batch.revised, now, this.settings);
    const pooled = this.repository(tx);
    // Primary keys before revised keys: a key and its revision in one batch end revised, as at the upstream.
    const a = await pooled.merge(primary.columns, origin);
    const b = await pooled.merge(revised.columns, origin, true);
    return {
      received: batch.primary.length + batch.revised.length,
      inserted: a.inserted + b.inserted,
      duplicates: a.duplicates + b.duplicates,
      invalid: primary.invalid + revised.invalid,
      revised: a.revised + b.revised,
    };
  }
}
