import { Migration } from '@mikro-orm/migrations';

/**
 * The whole schema. One schema serves both roles: a node and the hub each run it in their own database.
 * Keys are keyed by their 16 bytes, so deduplication is the primary key; the (created_at, key) and
 * (revised_at, key) indexes serve export windows and the exact keyset cursors of federation.
 */
export class Migration20261122000001Schema extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table exposure_keys (
        key bytea primary key check (length(key) = 16),
        transmission_risk smallint not null,
        interval_number integer not null,
        interval_count integer not null,
        regions text[] not null,
        traveler boolean not null default false,
        report_type text not null default '',
        days_since_onset smallint null,
        created_at timestamptz not null,
        local_provenance boolean not null,
        health_authority_id integer null,
        origin_query_id integer null,
        revised_report_type text null,
        revised_at timestamptz null,
        revised_days_since_onset smallint null,
        revised_transmission_risk smallint null
      );`);
    this.addSql('create index exposure_keys_created_at_key on exposure_keys (created_at, key);');
    this.addSql(
      'create index exposure_keys_revised_at_key on exposure_keys (revised_at, key) where revised_at is not null;',
    );

    this.addSql(`
      create table authorized_apps (
        id serial primary key,
        app_package_name text not null unique,
        allowed_regions text[] not null,
        allowed_health_authority_ids integer[] not null default '{}',
        bypass_health_authority_verification boolean not null default false,
        bypass_revision_token boolean not null default false,
        created_at timestamptz not null default now()
      );`);
    this.addSql(`
      create table health_authorities (
        id serial primary key,
        iss text not null unique,
        aud text not null,
        name text not null,
        created_at timestamptz not null default now()
      );`);
    this.addSql(`
      create table health_authority_keys (
        id serial primary key,
        health_authority_id integer not null references health_authorities (id) on delete cascade,
        version text not null,
        from_timestamp timestamptz not null,
        thru_timestamp timestamptz null,
        public_key_pem text not null,
        unique (health_authority_id, version)
      );`);
    this.addSql(`
      create table revision_token_keys (
        id serial primary key,
        key_bytes bytea not null check (length(key_bytes) = 32),
        created_at timestamptz not null
      );`);
    this.addSql(`
      create table signing_keys (
        id serial primary key,
        key_id text not null,
        version text not null,
        private_key_pem text not null,
        public_key_pem text not null,
        active_from timestamptz not null,
        active_until timestamptz null,
        created_at timestamptz not null default now(),
        unique (key_id, version)
      );`);
    this.addSql(`
      create table export_configs (
        id serial primary key,
        root text not null unique,
        output_region text not null,
        input_regions text[] not null,
        exclude_regions text[] not null default '{}',
        include_travelers boolean not null default true,
        only_travelers boolean not null default false,
        period_seconds integer not null check (period_seconds > 0 and 86400 % period_seconds = 0),
        max_records_per_file integer not null check (max_records_per_file between 1 and 750000),
        from_timestamp timestamptz not null,
        thru_timestamp timestamptz null,
        created_at timestamptz not null default now()
      );`);
    this.addSql(`
      create table export_batches (
        id serial primary key,
        config_id integer not null references export_configs (id) on delete cascade,
        start_at timestamptz not null,
        end_at timestamptz not null,
        status text not null check (status in ('open', 'processing', 'complete')),
        lease_expires_at timestamptz null,
        created_at timestamptz not null default now(),
        unique (config_id, start_at)
      );`);
    this.addSql(`
      create table export_files (
        id serial primary key,
        batch_id integer not null references export_batches (id) on delete cascade,
        config_id integer not null references export_configs (id) on delete cascade,
        filename text not null unique,
        file_number integer not null,
        key_count integer not null,
        revised_count integer not null,
        created_at timestamptz not null default now()
      );`);
    this.addSql(`
      create table partner_authorizations (
        id serial primary key,
        name text not null unique,
        cert_fingerprint text not null unique,
        include_regions text[] not null,
        exclude_regions text[] not null default '{}',
        enabled boolean not null default true,
        created_at timestamptz not null default now()
      );`);
    this.addSql(`
      create table federation_in_queries (
        id serial primary key,
        name text not null unique,
        address text not null,
        server_name text null,
        ca_cert_path text not null,
        client_cert_path text not null,
        client_key_path text not null,
        include_regions text[] not null,
        exclude_regions text[] not null default '{}',
        only_local_provenance boolean not null default true,
        only_travelers boolean not null default false,
        interval_seconds integer not null check (interval_seconds > 0),
        key_cursor_timestamp bigint not null default 0,
        key_cursor_token text not null default '',
        revised_cursor_timestamp bigint not null default 0,
        revised_cursor_token text not null default '',
        consecutive_failures integer not null default 0,
        next_attempt_at timestamptz null,
        created_at timestamptz not null default now()
      );`);
    this.addSql(`
      create table federation_in_runs (
        id serial primary key,
        query_id integer not null references federation_in_queries (id) on delete cascade,
        started_at timestamptz not null,
        finished_at timestamptz null,
        pages integer not null default 0,
        received integer not null default 0,
        inserted integer not null default 0,
        duplicates integer not null default 0,
        invalid integer not null default 0,
        revised integer not null default 0,
        error text null,
        duration_ms integer null
      );`);
    this.addSql('create index federation_in_runs_query_started on federation_in_runs (query_id, started_at desc);');
  }
}
