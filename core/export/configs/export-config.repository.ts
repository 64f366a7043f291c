import type pg from 'pg';
import type { ExportConfigRecord } from './export-config.model';

const COLUMNS = `id, root, output_region as "outputRegion", input_regions as "inputRegions",
  exclude_regions as "excludeRegions", include_travelers as "includeTravelers", only_travelers as "onlyTravelers",
  period_seconds as "periodSeconds", max_records_per_file as "maxRecordsPerFile",
  from_timestamp as "fromTimestamp", thru_timestamp as "thruTimestamp"`;

/** Queries of `export_configs`. */
export class ExportConfigRepository {
  constructor(private readonly db: pg.Pool | pg.PoolClient) {}

  async insert(config: Omit<ExportConfigRecord, 'id'>): Promise<ExportConfigRecord> {
    const result = await this.db.query<ExportConfigRecord>(
      `insert into export_configs (root, output_region, input_regions, exclude_regions, include_travelers,
         only_travelers, period_seconds, max_records_per_file, from_timestamp, thru_timestamp)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) returning ${COLUMNS}`,
      [
        config.root,
        config.outputRegion,
        config.inputRegions,
        config.excludeRegions,
        config.includeTravelers,
        config.onlyTravelers,
        config.periodSeconds,
        config.maxRecordsPerFile,
        config.fromTimestamp,
        config.thruTimestamp,
      ],
    );
    return result.rows[0]!;
  }

  async list(): Promise<ExportConfigRecord[]> {
    return (await this.db.query<ExportConfigRecord>(`select ${COLUMNS} from export_configs order by id`)).rows;
  }

  async get(id: number): Promise<ExportConfigRecord | undefined> {
    return (await this.db.query<ExportConfigRecord>(`select ${COLUMNS} from export_configs where id = $1`, [id]))
      .rows[0];
  }

  async byRoot(root: string): Promise<ExportConfigRecord | undefined> {
    return (await this.db.query<ExportConfigRecord>(`select ${COLUMNS} from export_configs where root = $1`, [root]))
      .rows[0];
  }
}
