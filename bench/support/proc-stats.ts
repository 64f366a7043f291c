import { readFileSync } from 'node:fs';

/*
 * Per-process figures from Linux /proc, for the benchmarks (each reads 0 where /proc has no such process, or
 * off Linux: the figures are informative only).
 */

/**
 * The fields of /proc/<pid>/stat after the command name, as numbers (index 0 is the state, 1 the parent pid,
 * 11–14 utime, stime, cutime and cstime in clock ticks of 1/100 s); undefined where there is no such process.
 */
function statFields(pid: number | 'self' | undefined): number[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ').map(Number);
  } catch {
    return undefined;
  }
}

/** User + system CPU seconds a process has used so far. */
export function processCpuSeconds(pid: number | 'self' | undefined): number {
  const fields = statFields(pid);
  return fields ? (fields[11]! + fields[12]!) / 100 : 0;
}

/** CPU seconds of a process's children that have exited and been waited for (cutime + cstime). */
export function exitedChildrenCpuSeconds(pid: number): number {
  const fields = statFields(pid);
  return fields ? (fields[13]! + fields[14]!) / 100 : 0;
}

/** The parent process id (0 where there is no such process). */
export function parentPid(pid: number): number {
  return statFields(pid)?.[1] ?? 0;
}

/** A memory line of /proc/<pid>/status in MB: VmHWM (peak resident so far) or VmRSS (resident now). */
export function processMemoryMb(pid: number | 'self', line: 'VmHWM' | 'VmRSS'): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'latin1');
    return Math.round(Number(new RegExp(`${line}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) / 1024);
  } catch {
    return 0;
  }
}
