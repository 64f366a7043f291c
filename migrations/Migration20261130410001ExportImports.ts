import { Migration } from '@mikro-orm/migrations';

/**
 * Imports of other servers' signed export files (docs/imports.md):
 * - `imports`: one remote index.txt the hub reads (file names in it resolve under the export root URL), with the region, traveler flag and backfill values its keys
 *   arrive with (the reference importer's defaults: report type confirmed, days since onset 10; null = none).
 * - `import_public_keys`: the remote server's export signing keys, matched by key id and version, each with a
 *   validity window; a revoked key verifies nothing.
 * - `import_files`: the ledger, one row per file of the remote index: its state, attempts, key counts, last
 *   error and backoff. A file becomes `done` in the same transaction that stores its keys (exactly once).
 * - `import_runs`: one row per run, for the status page, like federation_in_runs.
 * - `exposure_keys.origin_import_id`: the import that brought a pooled key (no foreign key: the column is written
 *   by COPY on the hot path, and a removed import leaves its keys in the pool).
 */
export class Migration20261130410001ExportImports extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table imports (
        id serial primary key,
        name text not null unique,
        index_url text not null,
        export_root_url text not null,
        region text not null,
        traveler boolean not null default false,
        backfill_report_type text null default 'confirmed' check (backfill_report_type in ('confirmed', 'likely')),
        backfill_days_since_onset smallint null default 10 check (abs(backfill_days_since_onset) <= 14),
        interval_seconds integer not null default 300 check (interval_seconds > 0),
        enabled boolean not null default true,
        consecutive_failures integer not null default 0,
        next_attempt_at timestamptz null,
        created_at timestamptz not null default now()
      );`);
    this.addSql(`
      create table import_public_keys (
        id serial primary key,
        import_id integer not null references imports (id) on delete cascade,
        key_id text not null,
        key_version text not null,
        public_key_pem text not null,
        valid_from timestamptz not null default now(),
        valid_until timestamptz null,
        revoked_at timestamptz null,
        created_at timestamptz not null default now(),
        unique (import_id, key_id, key_version)
      );`);
    this.addSql(`
      create table import_files (
        id bigserial primary key,
        import_id integer not null references imports (id) on delete cascade,
        file_name text not null,
        state text not null default 'pending' check (state in ('pending', 'importing', 'done', 'failed')),
        attempts integer not null default 0,
        keys_received integer not null default 0,
        keys_inserted integer not null default 0,
        error text null,
        next_attempt_at timestamptz null,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now(),
        done_at timestamptz null,
        unique (import_id, file_name)
      );`);
    this.addSql(`
      create table import_runs (
        id serial primary key,
        import_id integer not null references imports (id) on delete cascade,
        started_at timestamptz not null,
        finished_at timestamptz null,
        files integer not null default 0,
        failed_files integer not null default 0,
        received integer not null default 0,
        inserted integer not null default 0,
        duplicates integer not null default 0,
        invalid integer not null default 0,
        revised integer not null default 0,
        error text null,
        duration_ms integer null
      );`);
    this.addSql('create index import_runs_import_started on import_runs (import_id, started_at desc);');
    this.addSql('alter table exposure_keys add column origin_import_id integer null;');
  }
}
