import { Migration } from '@mikro-orm/migrations';

/**
 * Hourly publish statistics per health authority (docs/stats.md), as the reference key server keeps them: one
 * row per authority and UTC hour, incremented by one upsert in each publish. Arrays are positional:
 * publish = [unknown, android, ios]; oldest_tek_days index = age in days of the oldest key (15 = 15 or more);
 * onset_age_days index = days from symptom onset to upload (29 = 29 or more). Each hour is spread over a few
 * `shard` rows (chosen at random per publish, summed on read), so concurrent publishes of one authority do not all
 * queue on one row lock until their commit.
 */
export class Migration20261130430002HealthAuthorityStats extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table health_authority_stats (
        health_authority_id integer not null references health_authorities (id) on delete cascade,
        hour timestamptz not null,
        shard smallint not null default 0,
        publish bigint[] not null,
        teks bigint not null default 0,
        revisions bigint not null default 0,
        oldest_tek_days bigint[] not null,
        onset_age_days bigint[] not null,
        missing_onset bigint not null default 0,
        primary key (health_authority_id, hour, shard)
      );`);
  }

  override async down(): Promise<void> {
    this.addSql('drop table health_authority_stats;');
  }
}
