import { Migration } from '@mikro-orm/migrations';

/**
 * A state's stack on its node (docs/one-time-codes.md, docs/covid-alert-protocol.md, docs/device-api.md):
 * one-time codes shared by both kinds of app, the key pairs and nonces of the COVID Shield/Alert upload
 * protocol, the device API's verification tokens and certificate signing keys, and the random keys the server
 * makes for itself. Codes, hashed IDs and tokens are stored only as MACs under a server key; private keys only
 * sealed (SecretSealer). Client addresses are never stored here (failed claims are counted in Redis).
 */
export class Migration20261130300001StateCodes extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table server_secrets (
        name text primary key,
        sealed bytea not null,
        created_at timestamptz not null default now()
      );`);
    this.addSql(`
      create table one_time_codes (
        id bigserial primary key,
        code_mac bytea not null unique,
        region text not null,
        test_type text not null check (test_type in ('confirmed', 'likely')),
        symptom_date date null,
        hash_id_mac bytea null unique,
        created_at timestamptz not null,
        expires_at timestamptz not null
      );`);
    this.addSql('create index one_time_codes_expires_at on one_time_codes (expires_at);');
    this.addSql(`
      create table claimed_hash_ids (
        hash_id_mac bytea primary key,
        claimed_at timestamptz not null
      );`);
    this.addSql(`
      create table covid_alert_key_pairs (
        id bigserial primary key,
        server_public_key bytea not null unique check (length(server_public_key) = 32),
        server_private_key_sealed bytea not null,
        app_public_key bytea not null unique check (length(app_public_key) = 32),
        region text not null,
        test_type text not null,
        symptom_date date null,
        remaining_keys integer not null check (remaining_keys >= 0),
        valid_from timestamptz not null,
        expires_at timestamptz not null
      );`);
    this.addSql('create index covid_alert_key_pairs_expires_at on covid_alert_key_pairs (expires_at);');
    this.addSql(`
      create table covid_alert_nonces (
        key_pair_id bigint not null references covid_alert_key_pairs (id) on delete cascade,
        nonce bytea not null check (length(nonce) = 24),
        primary key (key_pair_id, nonce)
      );`);
    this.addSql(`
      create table device_api_tokens (
        token_mac bytea primary key,
        test_type text not null,
        symptom_date date null,
        expires_at timestamptz not null,
        used_at timestamptz null
      );`);
    this.addSql('create index device_api_tokens_expires_at on device_api_tokens (expires_at);');
    this.addSql(`
      create table device_api_signing_keys (
        id serial primary key,
        health_authority_id integer not null references health_authorities (id) on delete cascade,
        kid text not null,
        private_key_sealed bytea not null,
        created_at timestamptz not null,
        unique (health_authority_id, kid)
      );`);
  }
}
