import { checkExport } from '../../core/export/verify/check-export';
import type { ExportFileReport } from '../../core/export/verify/export-file-report';
import { exportFileUrl, readIndex, zipInput } from '../../core/export/verify/export-sources';
import { decodeExportBin } from '../../core/export/format/export-reader';
import { pastDailyKeys, publishBody } from '../demo/dev-health-authority';
import type { ProbeTarget } from './probe-target';

/** One stage of a probe and how long it took. */
export interface ProbeStage {
  stage: 'publish' | 'export' | 'verify';
  ok: boolean;
  seconds: number;
  detail: string;
}

/** The outcome of one probe. */
export interface ProbeResult {
  ok: boolean;
  stages: ProbeStage[];
  totalSeconds: number;
  /** The export file the keys were found in, with its verification. */
  file?: ExportFileReport;
}

/** Keys one probe publishes: few, expired (served at once, no embargo), random. */
const PROBE_KEYS = 2;

const since = (start: number) => (Date.now() - start) / 1000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function fetchZip(url: string): Promise<Buffer> {
  const response = await fetch(url, { signal: AbortSignal.timeout(30_000) });
  if (!response.ok) throw new Error(`GET ${url}: HTTP ${response.status}`);
  return Buffer.from(await response.arrayBuffer());
}

/**
 * The deployment probe: publishes a synthetic diagnosis (random expired keys, a verification certificate signed
 * with the test health authority's key), waits until one of the export files listed by the index after the
 * publish holds those keys, and verifies that file. Stages and their latencies are reported; the first stage to
 * fail (or the timeout) ends the probe.
 */
export async function runProbe(
  target: ProbeTarget,
  options: { timeoutSeconds: number; pollSeconds: number; onProgress?: (text: string) => void },
): Promise<ProbeResult> {
  const started = Date.now();
  const stages: ProbeStage[] = [];
  const done = (file?: ExportFileReport): ProbeResult => ({
    ok: stages.length === 3 && stages.every((s) => s.ok),
    stages,
    totalSeconds: since(started),
    ...(file ? { file } : {}),
  });
  const seen = new Set<string>();
  try {
    for (const line of await readIndex(target.exportIndexUrl)) seen.add(line);
  } catch {
    // No index yet (a new deployment): every file that appears is new.
  }

  let at = Date.now();
  const keys = pastDailyKeys(new Date(), PROBE_KEYS, 1);
  try {
    const response = await fetch(target.publishUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(publishBody(target.authority, keys)),
      signal: AbortSignal.timeout(30_000),
    });
    const body = (await response.json().catch(() => ({}))) as {
      insertedExposures?: number;
      code?: string;
      error?: string;
    };
    const ok = response.ok && body.insertedExposures === PROBE_KEYS;
    stages.push({
      stage: 'publish',
      ok,
      seconds: since(at),
      detail: ok
        ? `${PROBE_KEYS} keys accepted at ${target.publishUrl}`
        : `HTTP ${response.status} ${body.code ?? ''} ${body.error ?? ''} (inserted ${body.insertedExposures ?? 0})`.trim(),
    });
  } catch (err) {
    stages.push({ stage: 'publish', ok: false, seconds: since(at), detail: (err as Error).message });
  }
  if (!stages[0]!.ok) return done();
  options.onProgress?.(`published ${PROBE_KEYS} keys; waiting for them in ${target.exportIndexUrl}\n`);

  at = Date.now();
  const wanted = new Set(keys.map((k) => Buffer.from(k.key, 'base64').toString('hex')));
  const deadline = started + options.timeoutSeconds * 1000;
  let lastError = '';
  while (Date.now() < deadline) {
    try {
      for (const line of await readIndex(target.exportIndexUrl)) {
        if (seen.has(line)) continue;
        const url = exportFileUrl(target.exportIndexUrl, line);
        const input = await zipInput(url, await fetchZip(url), target.exportIndexUrl);
        seen.add(line);
        if (!input.bin) continue;
        let holds = false;
        try {
          holds = decodeExportBin(input.bin).keys.some((k) => wanted.has(k.keyData.toString('hex')));
        } catch {
          holds = false;
        }
        if (!holds) continue;
        stages.push({ stage: 'export', ok: true, seconds: since(at), detail: `keys found in ${url}` });
        at = Date.now();
        const file = checkExport(input, target.keys);
        stages.push({
          stage: 'verify',
          ok: file.ok,
          seconds: since(at),
          detail: file.ok ? `${url} verifies` : file.problems.join('; '),
        });
        return done(file);
      }
    } catch (err) {
      lastError = (err as Error).message;
    }
    await sleep(options.pollSeconds * 1000);
  }
  stages.push({
    stage: 'export',
    ok: false,
    seconds: since(at),
    detail: `timed out after ${options.timeoutSeconds} s${lastError ? ` (last error: ${lastError})` : ''}`,
  });
  return done();
}
