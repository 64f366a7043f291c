import { Migration } from '@mikro-orm/migrations';

/**
 * Secrets kept in PostgreSQL are stored sealed under a key-encryption key (docs/secrets.md). Export signing keys
 * move from a PEM text column to a bytea column that holds the sealed PKCS#8 PEM (existing keys are copied as they
 * are, and sealed by the first start with a KEK or by `enfed admin kek seal`), and revision-token keys lose their
 * 32-byte length check, since a sealed key is longer. Exports signed in an HSM keep no private key at all: their
 * row names the key in the token (`pkcs11_label`) instead.
 */
export class Migration20261130440001SealedSecrets extends Migration {
  override async up(): Promise<void> {
    this.addSql('alter table signing_keys add column private_key_sealed bytea null;');
    this.addSql(`update signing_keys set private_key_sealed = convert_to(private_key_pem, 'UTF8');`);
    this.addSql('alter table signing_keys drop column private_key_pem;');
    this.addSql('alter table signing_keys add column pkcs11_label text null;');
    this.addSql(`
      alter table signing_keys add constraint signing_keys_one_private_key
        check ((private_key_sealed is null) <> (pkcs11_label is null));`);
    this.addSql('alter table revision_token_keys drop constraint revision_token_keys_key_bytes_check;');
  }
}
