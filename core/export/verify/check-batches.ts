import type { ExportFileReport } from './export-file-report';

/**
 * Cross-file batch rules: the files of one batch (same region and window) agree on batch_size and carry each
 * batch_num once. When an index.txt listed them (`complete`), every number 1..batch_size must be there too,
 * since a phone that finds a batch incomplete ignores it. Adds the problems to the files concerned.
 */
export function checkBatches(reports: ExportFileReport[], completeIndexes: ReadonlySet<string>): void {
  const batches = new Map<string, ExportFileReport[]>();
  for (const r of reports) {
    if (r.region === undefined || r.batchNum === undefined) continue;
    const id = `${r.index ?? ''}|${r.region}|${r.startTimestamp}|${r.endTimestamp}`;
    batches.set(id, [...(batches.get(id) ?? []), r]);
  }
  for (const files of batches.values()) {
    const sizes = new Set(files.map((f) => f.batchSize));
    const window = `${files[0]!.region} ${files[0]!.startTimestamp}–${files[0]!.endTimestamp}`;
    if (sizes.size > 1) {
      for (const f of files)
        f.problems.push(`batch ${window}: its files disagree on batch_size (${[...sizes].join(', ')})`);
    }
    const seen = new Map<number, number>();
    for (const f of files) seen.set(f.batchNum!, (seen.get(f.batchNum!) ?? 0) + 1);
    for (const f of files) {
      if ((seen.get(f.batchNum!) ?? 0) > 1)
        f.problems.push(`batch ${window}: batch_num ${f.batchNum} appears more than once`);
    }
    const index = files[0]!.index;
    if (sizes.size === 1 && index !== undefined && completeIndexes.has(index)) {
      const size = files[0]!.batchSize!;
      const missing = Array.from({ length: size }, (_, i) => i + 1).filter((n) => !seen.has(n));
      if (missing.length > 0) {
        for (const f of files)
          f.problems.push(`batch ${window}: batch_num ${missing.join(', ')} of ${size} not listed`);
      }
    }
  }
  for (const r of reports) r.ok = r.problems.length === 0;
}
