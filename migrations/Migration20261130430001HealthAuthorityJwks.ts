import { Migration } from '@mikro-orm/migrations';

/**
 * Health authority keys kept current from a JWKS document (docs/health-authority-keys.md): where to fetch it,
 * and the outcome of the last refresh, so that a failing document is visible to operators (`enfed admin
 * health-authority list`) and not only in logs.
 */
export class Migration20261130430001HealthAuthorityJwks extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      alter table health_authorities
        add column jwks_uri text null,
        add column jwks_refreshed_at timestamptz null,
        add column jwks_error text null,
        add column jwks_error_at timestamptz null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`
      alter table health_authorities
        drop column jwks_uri,
        drop column jwks_refreshed_at,
        drop column jwks_error,
        drop column jwks_error_at;`);
  }
}
