import { ConfigError } from '../../core/config/env';
import { processGone } from '../support/process-gone';

/** How often the watched process is checked. */
const POLL_MS = 1000;

/**
 * ENFED_PARENT_PID, when set: the pid of the process this server belongs to (a supervisor such as
 * `enfed demo`). Undefined when unset or empty.
 */
export function parentPidFromEnv(env: NodeJS.ProcessEnv): number | undefined {
  const value = env.ENFED_PARENT_PID;
  if (value === undefined || value.trim() === '') return undefined;
  const pid = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(pid) || pid < 1) {
    throw new ConfigError([`ENFED_PARENT_PID: expected a process id, got "${value}"`]);
  }
  return pid;
}

/**
 * Calls `onGone` once when process `pid` is gone, checking every second. A supervisor that dies, even by
 * SIGKILL, cannot stop its children itself; with this they stop on their own within about a second instead of
 * running on as orphans. The timer does not keep the process alive.
 */
export function watchParent(pid: number, onGone: () => void): () => void {
  const timer = setInterval(() => {
    if (!processGone(pid)) return;
    clearInterval(timer);
    onGone();
  }, POLL_MS);
  timer.unref();
  return () => clearInterval(timer);
}
