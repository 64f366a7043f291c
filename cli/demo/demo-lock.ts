import { linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { processGone } from '../support/process-gone';
import { Refusal } from '../support/refusal';

/** What the lock file says about the demo holding it. */
export interface DemoLockHolder {
  pid: number;
  instance: string;
  basePort: number;
  startedAt: string;
}

/** A held lock; `release()` removes it (only while it is still this process's), and runs at exit anyway. */
export interface DemoLock {
  path: string;
  /** The demo directory did not exist before: a refused start removes it again. */
  createdDir: boolean;
  release(): void;
}

function readHolder(path: string): DemoLockHolder | undefined {
  try {
    const holder = JSON.parse(readFileSync(path, 'utf8')) as Partial<DemoLockHolder>;
    return typeof holder.pid === 'number' ? (holder as DemoLockHolder) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Takes `<dir>/demo.lock` for this process, or refuses (Refusal) while the demo named in it still runs. The file
 * appears whole or not at all (written aside, then hard-linked into place, which fails if it exists). A lock
 * whose process is gone (killed with SIGKILL, a crash) is stale and taken over. Two demos taking over the same
 * stale lock in the same instant could both win; the port check that follows still stops the second one.
 */
export function acquireDemoLock(dir: string, holder: { instance: string; basePort: number }): DemoLock {
  const createdDir = mkdirSync(dir, { recursive: true }) !== undefined;
  const path = join(dir, 'demo.lock');
  const mine: DemoLockHolder = { pid: process.pid, ...holder, startedAt: new Date().toISOString() };
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(mine)}\n`, { mode: 0o600 });
  try {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        linkSync(temp, path);
        const release = () => {
          if (readHolder(path)?.pid === process.pid) rmSync(path, { force: true });
        };
        process.once('exit', release);
        return { path, createdDir, release };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const other = readHolder(path);
      if (other && !processGone(other.pid)) {
        throw new Refusal(
          `a demo is already running in ${dir} (pid ${other.pid}, instance ${other.instance}, ` +
            `hub http://127.0.0.1:${other.basePort}/status, since ${other.startedAt}).\n` +
            `  Stop it first (Ctrl-C in its terminal, or kill ${other.pid}), or run another one with its own ` +
            `--dir, --instance and --base-port.\n  If pid ${other.pid} is not a demo, remove ${path}.`,
        );
      }
      rmSync(path, { force: true }); // stale: its demo ended without removing it
    }
    throw new Refusal(`another demo is starting in ${dir} at this moment; try again`);
  } finally {
    rmSync(temp, { force: true });
  }
}
