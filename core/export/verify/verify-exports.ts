import { checkBatches } from './check-batches';
import { checkExport } from './check-export';
import type { ExportFileReport } from './export-file-report';
import { exportInputs, isIndexUrl } from './export-sources';
import { summarizeExports, type ExportSummary } from './export-summary';
import type { VerificationKey } from './verification-keys';

/** The outcome of verifying a set of export files: one report per file and their sum. */
export interface VerificationReport {
  ok: boolean;
  files: ExportFileReport[];
  summary: ExportSummary;
}

/**
 * Verifies every export file `inputs` name (paths, directories, index.txt or zip URLs) with `keys`, file by
 * file and then across the files of each batch. Never throws for a bad file: that is a failed report.
 */
export async function verifyExports(
  inputs: readonly string[],
  keys: readonly VerificationKey[],
): Promise<VerificationReport> {
  const files: ExportFileReport[] = [];
  for await (const input of exportInputs(inputs)) files.push(checkExport(input, keys));
  checkBatches(files, new Set(inputs.filter(isIndexUrl)));
  const summary = summarizeExports(files);
  return { ok: files.length > 0 && files.every((f) => f.ok), files, summary };
}
