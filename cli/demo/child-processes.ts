import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ENFED_CLI = fileURLToPath(new URL('../enfed.ts', import.meta.url));

/** A server of the demo running as its own process, its log going to a file. */
export interface DemoProcess {
  name: string;
  child: ChildProcess;
  logFile: string;
  exited: Promise<number | null>;
}

/** Starts `enfed <role>` with `env` as a child process; stdout and stderr go to `logFile`. */
export function spawnServer(name: string, role: 'node' | 'hub', env: NodeJS.ProcessEnv, logFile: string): DemoProcess {
  const log: WriteStream = createWriteStream(logFile, { flags: 'a' });
  const child = spawn(process.execPath, ['--disable-warning=DEP0123', '--import', 'tsx', ENFED_CLI, role], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group: Ctrl-C in a terminal reaches only the demo, which then stops the servers in
    // order, instead of every process racing to exit on its own.
    detached: true,
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      log.end();
      resolve(code);
    });
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
