import { writeFile } from 'node:fs/promises';
import { Command } from 'commander';
import { AppMetricsRepository, dailyMetricsCsv } from '../../node/app-metrics/app-metrics.repository';
import type { CliContext } from '../support/cli-context';
import { setAction } from '../support/command-action';
import { required } from '../support/option-parsers';
import { UsageError } from '../support/usage-error';
import { withDatabase } from '../support/with-database';

const DATE = /^\d{4}-\d{2}-\d{2}$/;

function exportCommand(ctx: CliContext): Command {
  const cmd = new Command('export')
    .description("write one UTC day's COVID Alert app metric counters as CSV (stdout, or --out)")
    .option('--date <YYYY-MM-DD>', 'the UTC day')
    .option('--out <file>', 'write to this file instead of stdout');
  return setAction(cmd, async (options: { date?: string; out?: string }) => {
    const date = required(options.date, 'date');
    if (!DATE.test(date) || Number.isNaN(Date.parse(`${date}T00:00:00Z`))) {
      throw new UsageError('--date must be a day, YYYY-MM-DD');
    }
    await withDatabase(ctx.env, async (db) => {
      const rows = await new AppMetricsRepository(db.pool).day(date);
      const csv = dailyMetricsCsv(rows);
      if (options.out) {
        await writeFile(options.out, csv);
        ctx.err(`wrote ${rows.length} rows to ${options.out}\n`);
      } else {
        ctx.out(csv);
      }
    });
  });
}

/** `enfed metrics export`: the daily counters of COVID Alert app metrics (docs/app-metrics.md). */
export function metricsCommand(ctx: CliContext): Command {
  return new Command('metrics')
    .description('COVID Alert app metrics kept by the app-metrics component (DATABASE_URL)')
    .addCommand(exportCommand(ctx));
}
