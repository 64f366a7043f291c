import { Migration } from '@mikro-orm/migrations';

/**
 * A random identity per server database (one row, written by the server's first start, so that a database
 * created from a template gets its own). Replicas of one server share it; two servers never do. A server claims
 * its Redis prefix under this id, so a second server configured with the same REDIS_PREFIX is refused at start
 * instead of silently taking the first one's scheduled jobs.
 */
export class Migration20261130000001ServerIdentity extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table server_identity (
        id uuid primary key default gen_random_uuid(),
        singleton boolean not null default true unique check (singleton),
        created_at timestamptz not null default now()
      );`);
  }
}
