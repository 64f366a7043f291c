import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ENFED_CLI = fileURLToPath(new URL('../enfed.ts', import.meta.url));

/** How a process ended: its exit code, or the signal that killed it. */
export interface ProcessEnd {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A server of the demo running as its own process, its log going to a file. */
export interface DemoProcess {
  name: string;
  child: ChildProcess;
  logFile: string;
  exited: Promise<ProcessEnd>;
}

/** `code 1` or `signal SIGKILL`. */
export function describeEnd(end: ProcessEnd): string {
  return end.signal ? `signal ${end.signal}` : `code ${end.code}`;
}

/**
 * Starts `enfed <role>` with `env` as a child process, its stdout and stderr appended straight to `logFile`:
 * no pipe through this process, so a child never writes into a pipe whose reader is gone (EPIPE) when the
 * supervisor dies. ENFED_PARENT_PID makes the child stop by itself when the supervisor is gone.
 */
export function spawnServer(name: string, role: 'node' | 'hub', env: NodeJS.ProcessEnv, logFile: string): DemoProcess {
  const log = openSync(logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(process.execPath, ['--disable-warning=DEP0123', '--import', 'tsx', ENFED_CLI, role], {
      env: { ...env, ENFED_PARENT_PID: String(process.pid) },
      stdio: ['ignore', log, log],
      // Its own process group: Ctrl-C in a terminal reaches only the demo, which then stops the servers in
      // order, instead of every process racing to exit on its own.
      detached: true,
    });
  } finally {
    closeSync(log); // the child has its own copy of the descriptor
  }
  const exited = new Promise<ProcessEnd>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  return { name, child, logFile, exited };
}

/** SIGTERM every process, wait up to `timeoutMs`, then SIGKILL what is left. Resolves when all have exited. */
export async function stopAll(processes: DemoProcess[], timeoutMs: number): Promise<void> {
  const alive = processes.filter((p) => p.child.exitCode === null && p.child.signalCode === null);
  for (const p of alive) p.child.kill('SIGTERM');
  await Promise.all(
    alive.map(async (p) => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), timeoutMs);
      });
      const outcome = await Promise.race([p.exited, timeout]);
      clearTimeout(timer);
      if (outcome === 'timeout') {
        p.child.kill('SIGKILL');
        await p.exited;
      }
    }),
  );
}
