import { Migration } from '@mikro-orm/migrations';

/**
 * Origin tracking for federation (docs/federation.md, "Loop prevention and origin tracking").
 * - `partner_authorizations.origin_query_id`: the federation-in query through which the hub pulls from this
 *   same partner. Keys that query brought are never served back to that partner.
 * - `federation_in_queries.upstream_kind`: 'node' for one of our own nodes, 'partner' for another hub. Keys
 *   pulled from our nodes count as local provenance at the hub (onlyLocalProvenance on the hub means "keys from
 *   our own nodes"), keys from partners do not, so two hubs pulling each other never echo keys back.
 */
export class Migration20261122000041FederationOrigin extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      alter table federation_in_queries
        add column upstream_kind text not null default 'node' check (upstream_kind in ('node', 'partner'));`);
    this.addSql(`
      alter table partner_authorizations
        add column origin_query_id integer null references federation_in_queries (id) on delete set null;`);
  }
}
