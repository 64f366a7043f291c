import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { inTransaction } from '../../../core/db/transaction';
import type { SecretSealer } from '../../../core/secrets/secret-sealer';
import type { RevisionKey } from './revision-token';

/** Arbitrary constant naming the advisory lock that serialises rotations across replicas. */
const ROTATION_LOCK = 0x72657631;

/** What one rotation did. */
export interface RotationOutcome {
  created: boolean;
  deleted: number;
}

/** revision_token_keys: the AES keys that seal and open revision tokens, stored sealed through the SecretSealer. */
export class RevisionKeyRepository {
  constructor(
    private readonly pool: pg.Pool,
    private readonly sealer: SecretSealer,
  ) {}

  /** Every non-deleted revision-token key, newest first. */
  async load(): Promise<RevisionKey[]> {
    const { rows } = await this.pool.query<{ id: number; key_bytes: Buffer; created_at: Date }>(
      'select id, key_bytes, created_at from revision_token_keys order by created_at desc, id desc',
    );
    return Promise.all(
      rows.map(async (r) => ({
        kid: String(r.id),
        secret: await this.sealer.open(r.key_bytes),
        createdAt: r.created_at,
      })),
    );
  }

  /**
   * Creates a new key when the newest is older than `rotationSeconds` (or none exists) and destroys keys
   * older than `retentionSeconds`. Runs under a transaction-scoped advisory lock, so replicas that run it
   * at once create one key, not several. The newest key is never deleted.
   */
  async rotate(now: Date, rotationSeconds: number, retentionSeconds: number): Promise<RotationOutcome> {
    const fresh = await this.sealer.seal(randomBytes(32));
    return inTransaction(this.pool, async (client) => {
      await client.query('select pg_advisory_xact_lock($1)', [ROTATION_LOCK]);
      const newest = await client.query<{ created_at: Date }>(
        'select max(created_at) as created_at from revision_token_keys',
      );
      const newestAt = newest.rows[0]?.created_at ?? null;
      let created = false;
      if (newestAt === null || now.getTime() - newestAt.getTime() >= rotationSeconds * 1000) {
        await client.query('insert into revision_token_keys (key_bytes, created_at) values ($1, $2)', [fresh, now]);
        created = true;
      }
      const deleted = await client.query(
        `delete from revision_token_keys
        where created_at < $1
          and id <> (select id from revision_token_keys order by created_at desc, id desc limit 1)`,
        [new Date(now.getTime() - retentionSeconds * 1000)],
      );
      return { created, deleted: deleted.rowCount ?? 0 };
    });
  }
}
