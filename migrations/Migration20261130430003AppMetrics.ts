import { Migration } from '@mikro-orm/migrations';

/**
 * COVID Alert app metrics (docs/app-metrics.md): raw payloads, kept at most 24 hours as the reference keeps them,
 * and daily counters per region, identifier, OS and version buckets. Neither table holds an address, a user agent
 * or any id of a device; the counters hold no device model either.
 */
export class Migration20261130430003AppMetrics extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table app_metrics_raw (
        id bigserial primary key,
        received_at timestamptz not null,
        payload jsonb not null
      );`);
    this.addSql('create index app_metrics_raw_received_at on app_metrics_raw (received_at);');
    this.addSql(`
      create table app_metrics_daily (
        day date not null,
        region text not null,
        identifier text not null,
        app_os text not null,
        os_version text not null,
        app_version text not null,
        count_bucket text not null,
        duration_bucket text not null,
        push_notification text not null,
        framework_enabled text not null,
        state text not null,
        is_user_exposed text not null,
        metric_count bigint not null,
        primary key (day, region, identifier, app_os, os_version, app_version, count_bucket, duration_bucket,
                     push_notification, framework_enabled, state, is_user_exposed)
      );`);
  }

  override async down(): Promise<void> {
    this.addSql('drop table app_metrics_daily;');
    this.addSql('drop table app_metrics_raw;');
  }
}
