import { Migration } from '@mikro-orm/migrations';

/**
 * Federation with servers that authenticate with OIDC ID tokens (docs/federation.md, "Federation with reference
 * servers (OIDC)").
 * - `partner_authorizations`: a partner is identified either by its client certificate (as before) or by the
 *   issuer and subject of its ID token, with an optional audience (the reference server's
 *   FederationOutAuthorization). Exactly one of the two identities is set.
 * - `token_issuers`: the issuers whose tokens federation-out accepts, each with the HTTPS URL of its JWKS.
 */
export class Migration20261130400001TokenPartners extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      alter table partner_authorizations
        alter column cert_fingerprint drop not null,
        add column token_issuer text null,
        add column token_subject text null,
        add column token_audience text null,
        add constraint partner_authorizations_one_identity check (
          (cert_fingerprint is not null and token_issuer is null and token_subject is null and token_audience is null)
          or (cert_fingerprint is null and token_issuer is not null and token_subject is not null));`);
    this.addSql(`
      create unique index partner_authorizations_token_identity
        on partner_authorizations (token_issuer, token_subject) where token_issuer is not null;`);
    this.addSql(`
      create table token_issuers (
        issuer text primary key,
        jwks_url text not null check (jwks_url like 'https://%'),
        created_at timestamptz not null default now()
      );`);
  }
}
