import { readFileSync } from 'node:fs';

/**
 * True when process `pid` no longer runs: it does not exist, or (Linux) it is a zombie — killed but not yet
 * reaped by its own parent, which `kill(pid, 0)` alone would still report as alive.
 */
export function processGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: it exists but belongs to another user.
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // `pid (command) state …`: the command may hold spaces and parentheses, the state follows the last `)`.
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
  } catch {
    return false; // no /proc (macOS): the kill check is all there is
  }
}
