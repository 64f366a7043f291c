import type pg from 'pg';

export type ImportFileState = 'pending' | 'importing' | 'done' | 'failed';

/** One file of a remote index in an import's ledger. */
export interface ImportFile {
  id: number;
  fileName: string;
  state: ImportFileState;
  attempts: number;
  keysReceived: number;
  keysInserted: number;
  error: string | null;
  nextAttemptAt: Date | null;
}

interface Row {
  id: string;
  file_name: string;
  state: ImportFileState;
  attempts: number;
  keys_received: number;
  keys_inserted: number;
  error: string | null;
  next_attempt_at: Date | null;
}

function toFile(row: Row): ImportFile {
  return {
    id: Number(row.id),
    fileName: row.file_name,
    state: row.state,
    attempts: row.attempts,
    keysReceived: row.keys_received,
    keysInserted: row.keys_inserted,
    error: row.error,
    nextAttemptAt: row.next_attempt_at,
  };
}

/**
 * `import_files`: the ledger of one import's files. A file is `done` only in the transaction that stored its keys,
 * so a file left `pending` or `importing` by a crash is simply imported again (nothing of it was committed).
 * `failed` files are retried after their backoff while the remote index still lists them.
 */
export class ImportFileRepository {
  constructor(private readonly client: pg.Pool | pg.ClientBase) {}

  /** Every ledger row of an import, by file name. */
  async listFor(importId: number): Promise<ImportFile[]> {
    const result = await this.client.query<Row>('select * from import_files where import_id = $1 order by file_name', [
      importId,
    ]);
    return result.rows.map(toFile);
  }

  /** Adds ledger rows (pending) for names not seen before; known names are left as they are. */
  async addPending(importId: number, names: readonly string[]): Promise<void> {
    if (names.length === 0) return;
    await this.client.query(
      `insert into import_files (import_id, file_name) select $1, unnest($2::text[])
       on conflict (import_id, file_name) do nothing`,
      [importId, names],
    );
  }

  /**
   * Files this run should import now, in index order: listed in `names`, not done, and either never failed or past
   * their backoff.
   */
  async due(importId: number, names: readonly string[], now: Date): Promise<ImportFile[]> {
    const result = await this.client.query<Row & { ord: number }>(
      `select f.*, n.ord from import_files f
       join unnest($2::text[]) with ordinality as n(name, ord) on n.name = f.file_name
       where f.import_id = $1 and f.state <> 'done' and (f.next_attempt_at is null or f.next_attempt_at <= $3)
       order by n.ord`,
      [importId, names, now],
    );
    return result.rows.map(toFile);
  }

  /** Marks a file as being imported and counts the attempt (committed on its own, before the download). */
  async startAttempt(fileId: number): Promise<void> {
    await this.client.query(
      `update import_files set state = 'importing', attempts = attempts + 1, updated_at = now() where id = $1`,
      [fileId],
    );
  }

  /** Marks a file done with its counts; call inside the transaction that stored its keys. */
  async markDone(tx: pg.ClientBase, fileId: number, received: number, inserted: number, at: Date): Promise<void> {
    await tx.query(
      `update import_files set state = 'done', keys_received = $2, keys_inserted = $3, error = null,
         next_attempt_at = null, updated_at = $4, done_at = $4 where id = $1`,
      [fileId, received, inserted, at],
    );
  }

  /** Records a failed attempt; the file is tried again at `retryAt` if the index still lists it. */
  async markFailed(fileId: number, error: string, retryAt: Date, at: Date): Promise<void> {
    await this.client.query(
      `update import_files set state = 'failed', error = $2, next_attempt_at = $3, updated_at = $4 where id = $1`,
      [fileId, error, retryAt, at],
    );
  }

  /**
   * Files not done that the remote index no longer lists can never be imported: they become failed for good
   * (no next attempt). Returns how many.
   */
  async failGone(importId: number, names: readonly string[], at: Date): Promise<number> {
    const result = await this.client.query(
      `update import_files set state = 'failed', next_attempt_at = null, updated_at = $3,
         error = coalesce(error || '; ', '') || 'gone: no longer in the remote index'
       where import_id = $1 and state <> 'done' and not (file_name = any($2::text[]))
         and not (state = 'failed' and next_attempt_at is null)`,
      [importId, names, at],
    );
    return result.rowCount ?? 0;
  }
}

/** How many ledger files of each import are in each state (for `enfed admin import list`). */
export async function ledgerCounts(
  client: pg.Pool | pg.ClientBase,
): Promise<Map<number, Record<ImportFileState, number>>> {
  const result = await client.query<{ import_id: number; state: ImportFileState; n: number }>(
    'select import_id, state, count(*)::int as n from import_files group by import_id, state',
  );
  const counts = new Map<number, Record<ImportFileState, number>>();
  for (const row of result.rows) {
    const c = counts.get(row.import_id) ?? { pending: 0, importing: 0, done: 0, failed: 0 };
    c[row.state] = row.n;
    counts.set(row.import_id, c);
  }
  return counts;
}
