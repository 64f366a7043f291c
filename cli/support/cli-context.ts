/**
 * What a command runs against: the environment it reads its settings from and where it writes. The real
 * CLI passes the process's; tests pass their own and run commands in-process.
 */
export interface CliContext {
  env: NodeJS.ProcessEnv;
  out(text: string): void;
  err(text: string): void;
}

/** The process's own environment and streams. */
export function processContext(): CliContext {
  return {
    env: process.env,
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
  };
}
