/**
 * When to try a failing upstream again: base · 2^(failures − 1), capped. Pure, so the policy is tested alone.
 * `failures` counts consecutive failures including the one just recorded (≥ 1).
 */
export function nextAttemptAt(now: Date, failures: number, baseSeconds: number, maxSeconds: number): Date {
  const exponent = Math.min(Math.max(failures - 1, 0), 30);
  const seconds = Math.min(baseSeconds * 2 ** exponent, maxSeconds);
  return new Date(now.getTime() + seconds * 1000);
}
