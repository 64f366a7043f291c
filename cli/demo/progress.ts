import pg from 'pg';
import type { DemoPlan } from './demo-plan';

/** Counts that show keys flowing: stored at each node, pooled at the hub, exported by the hub. */
export interface FlowCounts {
  nodes: Array<{ region: string; keys: number }>;
  hubPooled: number;
  hubFiles: number;
  hubExportedKeys: number;
}

/**
 * Reads the flow counts straight from the demo databases (read-only, one small pool each). A lost connection
 * (PostgreSQL restarting) must not end the demo: an idle client's error is dropped with the client, a read
 * fails (the caller skips that line) and the next read connects again.
 */
export class FlowCounter {
  private readonly pools = new Map<string, pg.Pool>();

  constructor(private readonly plan: DemoPlan) {
    for (const s of [plan.hub, ...plan.nodes]) {
      const pool = new pg.Pool({
        connectionString: s.databaseUrl,
        max: 1,
        connectionTimeoutMillis: 2000,
        query_timeout: 5000,
        application_name: 'enfed-demo-progress',
      });
      // Without a listener an idle client's error (its server went away) would crash the supervisor.
      pool.on('error', () => undefined);
      this.pools.set(s.name, pool);
    }
  }

  private async count(name: string, sql: string): Promise<number> {
    const result = await this.pools.get(name)!.query<{ n: string }>(sql);
    return Number(result.rows[0]?.n ?? 0);
  }

  async read(): Promise<FlowCounts> {
    const nodes = await Promise.all(
      this.plan.nodes.map(async (n) => ({
        region: n.region as string,
        keys: await this.count(n.name, 'select count(*) as n from exposure_keys'),
      })),
    );
    return {
      nodes,
      hubPooled: await this.count('hub', 'select count(*) as n from exposure_keys'),
      hubFiles: await this.count('hub', 'select count(*) as n from export_files'),
      hubExportedKeys: await this.count('hub', 'select coalesce(sum(key_count), 0) as n from export_files'),
    };
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.pools.values()].map((p) => p.end()));
  }
}

/** One line: `keys  US-WA 14 · US-OR 14 · US-CA 14  →  hub pooled 42  →  hub export 42 keys in 1 file(s)`. */
export function formatFlow(c: FlowCounts): string {
  const nodes = c.nodes.map((n) => `${n.region} ${n.keys}`).join(' · ');
  return `keys  ${nodes}  →  hub pooled ${c.hubPooled}  →  hub export ${c.hubExportedKeys} keys in ${c.hubFiles} file(s)`;
}
