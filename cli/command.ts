/** Raised for bad command-line input; the CLI prints the message and the usage, and exits 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** One `enfed` subcommand, e.g. words ['admin', 'partner', 'add']. */
export interface Command {
  words: string[];
  /** One line: arguments and options. */
  usage: string;
  summary: string;
  /** Runs the command with the arguments after its words; resolves to the exit code. */
  run(args: string[], env: NodeJS.ProcessEnv): Promise<number>;
}
