import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import type { SecretSealer } from './secret-sealer';

/**
 * Random keys a server makes for itself and keeps in its database (the MAC key of one-time codes, the key that
 * hashes client addresses): created once, on first use, by whichever replica gets there first, and shared by
 * every replica of the server after that. Stored sealed through the SecretSealer.
 */
export class ServerSecretRepository {
  constructor(
    private readonly pool: pg.Pool,
    private readonly sealer: SecretSealer,
  ) {}

  /** The secret called `name`, `bytes` long; created (random) when it does not exist yet. */
  async get(name: string, bytes: number): Promise<Buffer> {
    const fresh = await this.sealer.seal(randomBytes(bytes));
    // Two replicas starting together both try; the first insert wins and both read the same row.
    await this.pool.query('insert into server_secrets (name, sealed) values ($1, $2) on conflict (name) do nothing', [
      name,
      fresh,
    ]);
    const { rows } = await this.pool.query<{ sealed: Buffer }>('select sealed from server_secrets where name = $1', [
      name,
    ]);
    const secret = await this.sealer.open(rows[0]!.sealed);
    if (secret.length !== bytes) throw new Error(`server secret ${name} has ${secret.length} bytes, expected ${bytes}`);
    return secret;
  }
}
