import type pg from 'pg';
import type { SecretSealer } from '../../secrets/secret-sealer';
import { SigningKeyRepository } from '../../signing/signing-key.repository';
import { ExportConfigRepository } from '../configs/export-config.repository';
import { ExportBatchRepository } from './export-batch.repository';

/** The repositories the export jobs work with; the component builds them once over its pool. */
export interface ExportRepositories {
  batches: ExportBatchRepository;
  configs: ExportConfigRepository;
  signingKeys: SigningKeyRepository;
}

/** The export repositories over `pool` (signing keys opened through `sealer`). */
export function exportRepositories(pool: pg.Pool, sealer: SecretSealer): ExportRepositories {
  return {
    batches: new ExportBatchRepository(pool),
    configs: new ExportConfigRepository(pool),
    signingKeys: new SigningKeyRepository(pool, sealer),
  };
}
