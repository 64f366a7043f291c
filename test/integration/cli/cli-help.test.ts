import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { promisify } from 'node:util';
import test from 'ava';
import type { Command } from 'commander';
import pg from 'pg';
import { buildProgram } from '../../../cli/program';
import { enfedInProcess } from '../../helpers/cli';
import { freePort } from '../../helpers/ports';
import { databaseUrl, TEST_PG_URL, uniqueName } from '../../helpers/test-database';

const ENFED = new URL('../../../bin/enfed', import.meta.url).pathname;
const VERSION = (
  JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

/** Every command and group of the tree, as the words that name it (`[]` is `enfed` itself). */
function allCommands(): string[][] {
  const found: string[][] = [];
  const visit = (cmd: Command, words: string[]) => {
    found.push(words);
    for (const sub of cmd.commands) visit(sub, [...words, sub.name()]);
  };
  visit(buildProgram({ env: {}, out: () => undefined, err: () => undefined }), []);
  return found;
}

/** An environment under which any attempt to open the database, Redis or a port would leave a trace or fail. */
async function trapEnv(): Promise<{ env: NodeJS.ProcessEnv; database: string; port: number }> {
  const database = uniqueName('enfed_help_probe');
  const port = await freePort();
  return {
    database,
    port,
    env: {
      DATABASE_URL: databaseUrl(database),
      REDIS_URL: `redis://127.0.0.1:${await freePort()}`,
      HTTP_PORT: String(port),
      GRPC_PORT: String(port),
      LOG_LEVEL: 'silent',
    },
  };
}

async function databaseExists(name: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: TEST_PG_URL });
  await client.connect();
  try {
    return (await client.query('select 1 from pg_database where datname = $1', [name])).rowCount === 1;
  } finally {
    await client.end();
  }
}

test('every command and group answers --help and -h with its usage and exit 0', async (t) => {
  const { env, database } = await trapEnv();
  const commands = allCommands();
  t.true(commands.length >= 25, `the tree has all its commands (found ${commands.length})`);
  for (const words of commands) {
    for (const flag of ['--help', '-h']) {
      const run = await enfedInProcess([...words, flag], env);
      t.is(run.code, 0, `enfed ${[...words, flag].join(' ')}`);
      t.regex(run.stdout, new RegExp(`^Usage: enfed${words.map((w) => ` ${w}`).join('')}\\b`), words.join(' '));
    }
  }
  t.false(await databaseExists(database), 'no database was created');
});

test('help of the long-running commands starts nothing (real binary): node, hub, migrate, demo', async (t) => {
  const { env, database, port } = await trapEnv();
  for (const words of [['node'], ['hub'], ['migrate'], ['demo']]) {
    // A server would never exit: the generous kill timeout turns that into a failure (not a timing assertion;
    // the help of a loaded machine may take tens of seconds to load the command tree).
    const { stdout } = await promisify(execFile)(ENFED, [...words, '--help'], {
      env: { ...process.env, ...env },
      timeout: 150_000,
    });
    t.regex(stdout, new RegExp(`^Usage: enfed ${words.join(' ')}`));
  }
  t.false(await databaseExists(database), 'no database was created or migrated');
  // Nothing listens on the port the servers were told to use.
  const bound = await new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
  t.false(bound);
});

test('--version prints the version; a bare group prints its usage and exits 2', async (t) => {
  const version = await enfedInProcess(['--version'], {});
  t.is(version.code, 0);
  t.is(version.stdout.trim(), VERSION);
  for (const words of [[], ['admin'], ['admin', 'app'], ['admin', 'health-authority', 'key']]) {
    const run = await enfedInProcess(words, {});
    t.is(run.code, 2, `enfed ${words.join(' ')}`);
    t.regex(run.stdout + run.stderr, /Usage: enfed/);
  }
});

test('a usage mistake exits 2 with the command usage: unknown command, unknown option, extra argument', async (t) => {
  const cases: [string[], RegExp][] = [
    [['bogus'], /unknown command 'bogus'/],
    [['admin', 'bogus'], /unknown command 'bogus'/],
    [['admin', 'partner', 'list', '--bogus'], /unknown option '--bogus'/],
    [['migrate', 'extra'], /too many arguments/],
    [['demo', '--seed', 'many'], /--seed must be a whole number/],
  ];
  for (const [args, message] of cases) {
    const run = await enfedInProcess(args, {});
    t.is(run.code, 2, args.join(' '));
    t.regex(run.stderr, message);
    t.regex(run.stderr, /Usage: enfed/);
  }
});
