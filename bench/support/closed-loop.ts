/**
 * The load loop the request benchmarks share: CONCURRENCY workers each send one request at a time (a closed
 * loop) until the clock runs out, and only requests that start after the warm-up and end before the clock are
 * measured. Runs in the load generator's process, whose own CPU per request it reports too.
 */
export interface LatencyReport {
  /** Measured requests (after warm-up, within the clock). */
  requests: number;
  /** Including warm-up, to relate the server's CPU time to the work it did. */
  totalRequests: number;
  /** CPU the load generator itself used per request, which the server could not use. */
  loadCpuMsPerRequest: number;
  /** Measured answers other than 200. */
  errors: number;
  statuses: Record<string, number>;
  /** Measured time: the clock, or less when the work ran out first. */
  seconds: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface ClosedLoopPlan {
  concurrency: number;
  seconds: number;
  warmupSeconds: number;
  /** Sends the next request and resolves to its HTTP status; undefined when there is no more work. */
  next(): Promise<number> | undefined;
}

export async function runClosedLoop(plan: ClosedLoopPlan): Promise<LatencyReport> {
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let errors = 0;
  let total = 0;
  const cpuBefore = process.cpuUsage();
  const measureFrom = performance.now() + plan.warmupSeconds * 1000;
  const end = measureFrom + plan.seconds * 1000;
  let measuredEnd = end;
  const worker = async () => {
    while (performance.now() < end) {
      const t0 = performance.now();
      const sent = plan.next();
      if (!sent) {
        measuredEnd = Math.min(measuredEnd, t0);
        return;
      }
      const status = await sent.catch(() => -1);
      const t1 = performance.now();
      total += 1;
      if (t0 >= measureFrom && t1 <= end) {
        latencies.push(t1 - t0);
        statuses[status] = (statuses[status] ?? 0) + 1;
        if (status !== 200) errors += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: plan.concurrency }, worker));
  const cpu = process.cpuUsage(cpuBefore);
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return {
    requests: latencies.length,
    totalRequests: total,
    loadCpuMsPerRequest: (cpu.user + cpu.system) / 1000 / Math.max(1, total),
    errors,
    statuses,
    seconds: Math.max(0.001, (measuredEnd - measureFrom) / 1000),
    p50Ms: at(0.5),
    p90Ms: at(0.9),
    p99Ms: at(0.99),
    maxMs: latencies[latencies.length - 1] ?? 0,
  };
}
