import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import type { ExportRecord } from '../../../core/export/format/export-row';
import { intervalNumber } from '../../../core/keys/intervals';
import { KeyPool } from '../../../hub/pool/key-pool';
import { ImportPublicKeyRepository } from '../../../hub/sources/imports/import-public-keys.repository';
import { ImportRepository, type NewExportImport } from '../../../hub/sources/imports/imports.repository';
import type { ImportDeps } from '../../../hub/sources/imports/run-import';
import type { TestExportSigner } from '../../helpers/export-files';
import { testLogger } from '../../helpers/test-database';

/** Deps of an import run with small limits, so the hostile-input tests stay small. */
export function importDeps(db: pg.Pool, overrides: Partial<ImportDeps> = {}): ImportDeps {
  return {
    db,
    keyPool: new KeyPool({ acceptSelfReport: false }),
    logger: testLogger(),
    now: () => new Date(),
    truncateWindowSeconds: 3600,
    pageSize: 100,
    indexMaxBytes: 64 * 1024,
    limits: { maxBytes: 256 * 1024, maxInflatedBytes: 1024 * 1024 },
    downloadTimeoutSeconds: 5,
    backoffBaseSeconds: 60,
    backoffMaxSeconds: 3600,
    ...overrides,
  };
}

/** Adds an import reading `<base>/index.txt` with files under `<base>/`, trusting `signer`. */
export async function addImport(
  db: pg.Pool,
  base: string,
  signer: Pick<TestExportSigner, 'info' | 'publicKeyPem'>,
  overrides: Partial<NewExportImport> = {},
): Promise<number> {
  const imp = await new ImportRepository(db).add({
    name: `import-${randomBytes(3).toString('hex')}`,
    indexUrl: `${base}/index.txt`,
    exportRootUrl: `${base}/`,
    region: 'US',
    traveler: false,
    backfillReportType: 'confirmed',
    backfillDaysSinceOnset: 10,
    intervalSeconds: 300,
    enabled: true,
    ...overrides,
  });
  await new ImportPublicKeyRepository(db).add({
    importId: imp.id,
    keyId: signer.info.verificationKeyId,
    keyVersion: signer.info.verificationKeyVersion,
    publicKeyPem: signer.publicKeyPem,
    validFrom: new Date(Date.now() - 86_400_000),
    validUntil: null,
  });
  return imp.id;
}

/** `n` valid keys of the last few days, as export records. */
export function records(n: number, overrides: Partial<ExportRecord> = {}): ExportRecord[] {
  const now = intervalNumber(new Date());
  return Array.from({ length: n }, (_, i) => ({
    keyData: randomBytes(16),
    transmissionRiskLevel: 1 + (i % 8),
    rollingStartIntervalNumber: now - 144 * (1 + (i % 5)),
    rollingPeriod: 144,
    reportType: 1,
    daysSinceOnsetOfSymptoms: (i % 10) - 3,
    ...overrides,
  }));
}

export interface LedgerRow {
  file_name: string;
  state: string;
  attempts: number;
  keys_received: number;
  keys_inserted: number;
  error: string | null;
  next_attempt_at: Date | null;
}

export async function ledger(db: pg.Pool, importId: number): Promise<Map<string, LedgerRow>> {
  const result = await db.query<LedgerRow>(
    'select file_name, state, attempts, keys_received, keys_inserted, error, next_attempt_at from import_files where import_id = $1',
    [importId],
  );
  return new Map(result.rows.map((r) => [r.file_name, r]));
}

export async function pooledCount(db: pg.Pool, importId: number): Promise<number> {
  const result = await db.query<{ n: number }>(
    'select count(*)::int as n from exposure_keys where origin_import_id = $1',
    [importId],
  );
  return result.rows[0]?.n ?? 0;
}
