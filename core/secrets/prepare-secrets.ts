import type pg from 'pg';
import type { Logger } from '../logging/logger';
import { KekSealer } from './kek-sealer';
import { sealedKekIds, sealPlaintextSecrets } from './sealed-columns';
import { SecretSealError } from './sealed-secret';
import type { SecretSealer } from './secret-sealer';

/**
 * Start-up step of every server: with a KEK, seals the rows written before it was configured (idempotent; replicas
 * take turns on a lock). Then refuses to start when a stored secret is sealed under a KEK this process does not
 * have (a wrong or missing KEK), so the mistake shows at once, naming KEK ids only, not at the first export.
 */
export async function prepareSecrets(pool: pg.Pool, sealer: SecretSealer, logger: Logger): Promise<void> {
  if (sealer instanceof KekSealer) {
    const sealed = await sealPlaintextSecrets(pool, sealer);
    const count = Object.values(sealed).reduce((n, c) => n + c, 0);
    if (count > 0) logger.info({ kek: sealer.kekId, sealed }, 'plaintext secrets sealed under the KEK');
  }
  const known = sealer instanceof KekSealer ? sealer.kekIds : [];
  const foreign = [...(await sealedKekIds(pool))].filter((id) => !known.includes(id));
  if (foreign.length === 0) return;
  throw new SecretSealError(
    sealer instanceof KekSealer ? 'kek_unknown' : 'kek_missing',
    sealer instanceof KekSealer
      ? `secrets in the database are sealed under KEK ${foreign.join(', ')}, not under the configured KEK ` +
          `(${known.join(', ')}): configure the KEK they were sealed with (KEK or KEK_PREVIOUS)`
      : `secrets in the database are sealed under KEK ${foreign.join(', ')} but no KEK is configured (set KEK)`,
  );
}
