import { Migration } from '@mikro-orm/migrations';

/**
 * COVID Shield / COVID Alert servers as sources of the hub's key pool (docs/covid-alert-source.md).
 * - `covid_alert_sources`: one server's retrieve API. Ids come from the federation_in_queries sequence, so a key's
 *   `origin_query_id` names one source whatever kind it is (loop prevention compares that id). The retrieve key is
 *   stored sealed through the SecretSealer; the signing key is the server's public key (PEM).
 * - `covid_alert_days`: the ledger, one row per source and day number: the digest of the export.bin last ingested,
 *   so a day whose file did not change is never ingested twice, and when it was pulled, so a day pulled after it
 *   ended (its file can no longer grow) is never asked for again.
 * - `covid_alert_runs`: one row per pull, for the status page and `enfed admin covid-alert-source list`.
 */
export class Migration20261130420001CovidAlertSources extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table covid_alert_sources (
        id integer primary key default nextval('federation_in_queries_id_seq'),
        name text not null unique,
        base_url text not null,
        retrieve_region text not null check (retrieve_region ~ '^[0-9]{3}$'),
        region text not null,
        retrieve_key_sealed bytea not null,
        public_key_pem text not null,
        interval_seconds integer not null check (interval_seconds > 0),
        enabled boolean not null default true,
        consecutive_failures integer not null default 0,
        next_attempt_at timestamptz null,
        created_at timestamptz not null default now()
      );`);
    this.addSql(`
      create table covid_alert_days (
        source_id integer not null references covid_alert_sources (id) on delete cascade,
        day integer not null,
        state text not null check (state in ('ingested', 'failed')),
        digest text null,
        keys integer not null default 0,
        inserted integer not null default 0,
        attempts integer not null default 0,
        error text null,
        pulled_at timestamptz not null,
        primary key (source_id, day)
      );`);
    this.addSql(`
      create table covid_alert_runs (
        id serial primary key,
        source_id integer not null references covid_alert_sources (id) on delete cascade,
        started_at timestamptz not null,
        finished_at timestamptz null,
        days integer not null default 0,
        received integer not null default 0,
        inserted integer not null default 0,
        duplicates integer not null default 0,
        invalid integer not null default 0,
        revised integer not null default 0,
        error text null,
        duration_ms integer null
      );`);
    this.addSql('create index covid_alert_runs_source_started on covid_alert_runs (source_id, started_at desc);');
  }
}
