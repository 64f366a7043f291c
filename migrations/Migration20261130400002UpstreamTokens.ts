import { Migration } from '@mikro-orm/migrations';

/**
 * Federation-in can authenticate to an upstream with a bearer ID token (docs/federation.md, "Federation with
 * reference servers (OIDC)"): read from a file that something else keeps fresh, or minted by the hub from a
 * service-account key (a self-signed ES256 JWT). The client certificate becomes optional (both or neither).
 */
export class Migration20261130400002UpstreamTokens extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      alter table federation_in_queries
        alter column client_cert_path drop not null,
        alter column client_key_path drop not null,
        add column token_file_path text null,
        add column token_key_path text null,
        add column token_issuer text null,
        add column token_subject text null,
        add column token_audience text null,
        add column token_key_id text null,
        add constraint federation_in_queries_cert_pair check ((client_cert_path is null) = (client_key_path is null)),
        add constraint federation_in_queries_token_source check (
          (token_file_path is null or token_key_path is null)
          and (token_key_path is null or (token_issuer is not null and token_audience is not null))
          and (token_key_path is not null or (token_issuer is null and token_subject is null
                                              and token_audience is null and token_key_id is null))),
        add constraint federation_in_queries_some_identity check (
          client_cert_path is not null or token_file_path is not null or token_key_path is not null);`);
  }
}
