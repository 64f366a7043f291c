import { Migration } from '@mikro-orm/migrations';

/**
 * Each pull first closes the runs of its upstream left open by a process that died (`closeAbandoned`). Runs are
 * kept for the status page's history, so with only the (query_id, started_at) index that update read every run
 * the upstream ever had: ~70 ms and 11,000 heap pages per pull at 20,000 runs (70 days of 5-minute pulls). Open
 * runs are at most one per upstream, so a partial index on them is tiny and makes that update one index probe
 * (0.04 ms). The status page's "running since" lateral uses it too: at 50 upstreams × 20,000 runs its estimate
 * fell from 580,000 to 51,000, under jit_above_cost, so the page's upstream query no longer spends 200–450 ms
 * compiling JIT code (6–28 ms in all, from 217–455 ms).
 */
export class Migration20261130540001OpenPullRuns extends Migration {
  override async up(): Promise<void> {
    this.addSql('create index federation_in_runs_open on federation_in_runs (query_id) where finished_at is null;');
  }
}
