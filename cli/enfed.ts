import { ConfigError } from '../core/config/env';
import { UsageError, type Command } from './command';
import { COMMANDS } from './commands/index';

function usage(): string {
  const lines = COMMANDS.map((c) => `  ${c.usage}\n      ${c.summary}`);
  return `usage: enfed <command>\n\ncommands:\n${lines.join('\n')}\n\nSettings come from environment variables; see README.md.\n`;
}

/** Finds the command whose words are the longest prefix of argv. */
function findCommand(argv: string[]): { command: Command; rest: string[] } | undefined {
  let best: Command | undefined;
  for (const command of COMMANDS) {
    const matches = command.words.every((word, i) => argv[i] === word);
    if (matches && (!best || command.words.length > best.words.length)) best = command;
  }
  return best ? { command: best, rest: argv.slice(best.words.length) } : undefined;
}

async function main(argv: string[]): Promise<number> {
  if (argv.length === 0 || argv[0] === 'help' || argv[0] === '--help' || argv[0] === '-h') {
    process.stdout.write(usage());
    return argv.length === 0 ? 2 : 0;
  }
  const found = findCommand(argv);
  if (!found) {
    process.stderr.write(`enfed: unknown command "${argv.join(' ')}"\n\n${usage()}`);
    return 2;
  }
  try {
    return await found.command.run(found.rest, process.env);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`enfed: ${err.message}\nusage: ${found.command.usage}\n`);
      return 2;
    }
    if (err instanceof ConfigError) {
      process.stderr.write(`enfed: ${err.message}\n`);
      return 2;
    }
    process.stderr.write(`enfed: ${(err as Error).message ?? String(err)}\n`);
    return 1;
  }
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
