import type pg from 'pg';
import type { KeyColumns } from '../../core/keys/storage/key-columns';
import { encodeCopyRows } from './copy-in-keys';
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
 * A batch validated and laid out for storing, with the COPY text of its primary keys already built: the CPU part of
 * ingesting, which needs no connection, so a source can prepare its next batch while the previous one is stored.
 */
export interface PreparedBatch {
  origin: KeyOrigin;
  received: number;
  invalid: number;
  primary: KeyColumns;
  primaryCopyRows: Buffer;
  revised: KeyColumns;
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

  /** `prepare` then `store`, for a source that does not overlap the two. */
  async ingest(tx: pg.ClientBase, batch: IncomingBatch, origin: KeyOrigin, now: Date): Promise<IngestCounts> {
    return this.store(tx, this.prepare(batch, origin, now));
  }

  /** Validates a batch at `now` and lays it out for `store` (no database work). */
  prepare(batch: IncomingBatch, origin: KeyOrigin, now: Date): PreparedBatch {
    const primary = prepareIncoming(batch.primary, now, this.settings);
    const revised = prepareIncoming(batch.revised, now, this.settings);
    return {
      origin,
      received: batch.primary.length + batch.revised.length,
      invalid: primary.invalid + revised.invalid,
      primary: primary.columns,
      primaryCopyRows: encodeCopyRows(primary.columns, origin),
      revised: revised.columns,
    };
  }

  /**
   * Stores a prepared batch inside the caller's transaction. `onSent`, called once, tells that the batch's new
   * keys are on their way to PostgreSQL (or that there were none to send ahead): from then on the database works
   * through them without this thread, which can prepare the next batch. Before it, the database waits on replies
   * (savepoint, COPY start) that a busy thread would hold up.
   */
  async store(tx: pg.ClientBase, prepared: PreparedBatch, onSent?: () => void): Promise<IngestCounts> {
    const pooled = this.repository(tx);
    let signalled = false;
    const sent = () => {
      if (!signalled) onSent?.();
      signalled = true;
    };
    // Primary keys before revised keys: a key and its revision in one batch end revised, as at the upstream.
    const a = await pooled.merge(prepared.primary, prepared.origin, false, prepared.primaryCopyRows, sent);
    sent();
    const b = await pooled.merge(prepared.revised, prepared.origin, true);
    return {
      received: prepared.received,
      inserted: a.inserted + b.inserted,
      duplicates: a.duplicates + b.duplicates,
      invalid: prepared.invalid,
      revised: a.revised + b.revised,
    };
  }
}
