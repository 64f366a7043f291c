import { publishBody } from '../demo/dev-health-authority';
import type { PublishTarget } from '../probe/probe-target';
import { syntheticDiagnosis, type DiagnosisMix, type SyntheticDiagnosis } from './synthetic-diagnosis';

/** What to generate at one publish target. */
export interface GenerateOptions extends DiagnosisMix {
  diagnoses: number;
  /** After this many seconds, the `likely` diagnoses are published again, alternately as confirmed and negative. */
  reviseAfterSeconds?: number;
  /** Publish requests in flight at once. */
  concurrency: number;
}

/** What one target received. */
export interface GenerateStats {
  target: string;
  diagnoses: number;
  keys: number;
  travelers: number;
  sameDay: number;
  likely: number;
  revisedToConfirmed: number;
  revoked: number;
  failures: number;
  /** The first few failures, in words. */
  errors: string[];
  seconds: number;
}

const MAX_ERRORS = 5;

async function publish(
  target: PublishTarget,
  body: Record<string, unknown>,
): Promise<{ inserted: number; revisionToken?: string }> {
  const response = await fetch(target.publishUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const answer = (await response.json().catch(() => ({}))) as {
    insertedExposures?: number;
    revisionToken?: string;
    code?: string;
    error?: string;
  };
  if (!response.ok) throw new Error(`HTTP ${response.status} ${answer.code ?? ''} ${answer.error ?? ''}`.trim());
  return { inserted: answer.insertedExposures ?? 0, revisionToken: answer.revisionToken };
}

/** Runs `work` over `items` with at most `concurrency` at once. */
async function pool<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

/**
 * Synthetic load through the real publish API of one node, like a population of phones: `diagnoses` publishes
 * drawn from the mix (travelers, likely/confirmed, same-day keys), each with its own verification certificate;
 * then, after `reviseAfterSeconds`, every `likely` diagnosis is revised with its revision token, alternately to
 * confirmed and to negative (which revokes its keys). Failures are counted, never thrown.
 */
export async function generateAt(target: PublishTarget, options: GenerateOptions): Promise<GenerateStats> {
  const started = Date.now();
  const stats: GenerateStats = {
    target: target.publishUrl,
    diagnoses: 0,
    keys: 0,
    travelers: 0,
    sameDay: 0,
    likely: 0,
    revisedToConfirmed: 0,
    revoked: 0,
    failures: 0,
    errors: [],
    seconds: 0,
  };
  const fail = (what: string, err: unknown) => {
    stats.failures++;
    if (stats.errors.length < MAX_ERRORS) stats.errors.push(`${what}: ${(err as Error).message}`);
  };
  const toRevise: Array<{ diagnosis: SyntheticDiagnosis; token: string }> = [];
  const drawn = Array.from({ length: options.diagnoses }, () => syntheticDiagnosis(options, new Date()));
  await pool(drawn, options.concurrency, async (d) => {
    try {
      const body = publishBody(target.authority, d.keys, { reportType: d.reportType, traveler: d.traveler });
      const { inserted, revisionToken } = await publish(target, body);
      stats.diagnoses++;
      stats.keys += inserted;
      if (d.traveler) stats.travelers++;
      if (d.sameDay) stats.sameDay++;
      if (d.reportType === 'likely') {
        stats.likely++;
        if (revisionToken) toRevise.push({ diagnosis: d, token: revisionToken });
      }
    } catch (err) {
      fail('publish', err);
    }
  });
  if (options.reviseAfterSeconds !== undefined && toRevise.length > 0) {
    await new Promise((r) => setTimeout(r, options.reviseAfterSeconds! * 1000));
    const revisions = toRevise.map((r, i) => ({ ...r, to: i % 2 === 0 ? 'confirmed' : 'negative' }));
    await pool(revisions, options.concurrency, async ({ diagnosis, token, to }) => {
      try {
        const body = publishBody(target.authority, diagnosis.keys, {
          reportType: to,
          traveler: diagnosis.traveler,
          revisionToken: token,
        });
        await publish(target, body);
        if (to === 'confirmed') stats.revisedToConfirmed++;
        else stats.revoked++;
      } catch (err) {
        fail(`revise to ${to}`, err);
      }
    });
  }
  stats.seconds = (Date.now() - started) / 1000;
  return stats;
}
