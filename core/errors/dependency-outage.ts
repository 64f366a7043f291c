/** PostgreSQL SQLSTATE classes and codes that mean "the server went away or is not taking connections". */
const OUTAGE_SQLSTATES = new Set([
  '57P01', // admin_shutdown (a restart or stop)
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, recovering)
  '53300', // too_many_connections
]);
const OUTAGE_SQLSTATE_CLASS = '08'; // connection exception
const OUTAGE_SYSCALL_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND']);
const OUTAGE_MESSAGES = [
  /Connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /Client has encountered a connection error/i,
  /Connection is closed/i,
];

/**
 * True when `err` says a dependency (PostgreSQL, Redis) is unreachable or restarting, rather than that the
 * request or the code is wrong: nothing was done, and a retry a little later is safe. Such errors are answered
 * 503 `unavailable` with Retry-After (gRPC UNAVAILABLE), never 500.
 */
export function isDependencyOutage(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const { code, message } = err as { code?: unknown; message?: unknown };
  if (typeof code === 'string') {
    if (OUTAGE_SQLSTATES.has(code) || code.startsWith(OUTAGE_SQLSTATE_CLASS) || OUTAGE_SYSCALL_CODES.has(code)) {
      return true;
    }
  }
  if (typeof message === 'string' && OUTAGE_MESSAGES.some((pattern) => pattern.test(message))) return true;
  const cause = (err as { cause?: unknown }).cause;
  return cause !== undefined && cause !== err && isDependencyOutage(cause);
}
