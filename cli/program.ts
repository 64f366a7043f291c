import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { adminCommand } from './admin/admin.command';
import { demoCommand } from './demo/demo.command';
import { metricsCommand } from './metrics/metrics.command';
import { applyConventions } from './support/conventions';
import { migrateCommand } from './server/migrate.command';
import { hubCommand, nodeCommand } from './server/run-server.command';
import type { CliContext } from './support/cli-context';
import { verifyCommand } from './verify/verify.command';
import { probeCommand } from './probe/probe.command';
import { generateCommand } from './generate/generate.command';
import { conformanceCommand } from './conformance/conformance.command';

const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string })
  .version;

/** The whole `enfed` command tree. Built per invocation around `ctx`, so tests can run commands in-process. */
export function buildProgram(ctx: CliContext): Command {
  const program = new Command('enfed')
    .description('Exposure Notification key server: jurisdiction node, federation hub, and their tools')
    .version(VERSION, '-V, --version', 'print the version')
    .addCommand(nodeCommand(ctx))
    .addCommand(hubCommand(ctx))
    .addCommand(migrateCommand(ctx))
    .addCommand(adminCommand(ctx))
    .addCommand(metricsCommand(ctx))
    .addCommand(demoCommand(ctx))
    .addCommand(verifyCommand(ctx))
    .addCommand(probeCommand(ctx))
    .addCommand(generateCommand(ctx))
    .addCommand(conformanceCommand(ctx))
    .addHelpText('after', '\nSettings come from environment variables; see README.md.');
  applyConventions(program, ctx);
  return program;
}
