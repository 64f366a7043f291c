import { randomInt } from 'node:crypto';
import { publishBody, pastDailyKeys, type DevHealthAuthority } from './dev-health-authority';

/** Keys per synthetic diagnosis: the last 14 days, as a phone uploads them. */
const KEYS_PER_DIAGNOSIS = 14;

/**
 * Publishes `count` synthetic diagnoses at a node through its real publish API, each with a certificate
 * signed by the node's dev health authority. Returns how many keys the node accepted.
 */
export async function seedDiagnoses(
  publishUrl: string,
  authority: Omit<DevHealthAuthority, 'publicKeyPem'>,
  count: number,
): Promise<number> {
  let inserted = 0;
  for (let i = 0; i < count; i++) {
    const keys = pastDailyKeys(new Date(), KEYS_PER_DIAGNOSIS, randomInt(0, 9));
    const response = await fetch(publishUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(publishBody(authority, keys, { reportType: i % 4 === 3 ? 'likely' : 'confirmed' })),
    });
    const body = (await response.json()) as { insertedExposures?: number; code?: string; error?: string };
    if (!response.ok)
      throw new Error(`publish at ${publishUrl} failed: ${response.status} ${body.code ?? ''} ${body.error ?? ''}`);
    inserted += body.insertedExposures ?? 0;
  }
  return inserted;
}
