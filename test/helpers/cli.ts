import { runCli } from '../../cli/run-cli';

/** What one `enfed` invocation did. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `enfed <args>` in this process with `env`, capturing what it writes (for commands that return). */
export async function enfedInProcess(args: string[], env: NodeJS.ProcessEnv): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    env,
    out: (text) => (stdout += text),
    err: (text) => (stderr += text),
  });
  return { code, stdout, stderr };
}
