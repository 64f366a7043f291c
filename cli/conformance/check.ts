/** One conformance check: a group (publish, export, federation), an id, what it asserts, and its run. */
export interface ConformanceCheck {
  group: 'publish' | 'export' | 'federation';
  id: string;
  title: string;
  /** Resolves with a detail when it passes; throws CheckFailure (or anything) when it fails; `skip()` skips. */
  run(): Promise<string>;
}

/** The outcome of one check. */
export interface CheckResult {
  group: string;
  id: string;
  title: string;
  status: 'pass' | 'fail' | 'skip';
  detail: string;
  seconds: number;
}

/** Thrown by a check that cannot apply (e.g. an export without files); reported as skipped. */
export class CheckSkipped extends Error {}

/** Fails the running check with `message` unless `condition` holds. */
export function expect(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

/** Runs checks one after another (they may share state, e.g. a publish then its revision). */
export async function runChecks(
  checks: ConformanceCheck[],
  onResult?: (r: CheckResult) => void,
): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const check of checks) {
    const started = Date.now();
    let status: CheckResult['status'] = 'pass';
    let detail: string;
    try {
      detail = await check.run();
    } catch (err) {
      status = err instanceof CheckSkipped ? 'skip' : 'fail';
      detail = (err as Error).message;
    }
    const result = {
      group: check.group,
      id: check.id,
      title: check.title,
      status,
      detail,
      seconds: (Date.now() - started) / 1000,
    };
    results.push(result);
    onResult?.(result);
  }
  return results;
}
