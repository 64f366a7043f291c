import type { ExportFileReport } from '../../core/export/verify/export-file-report';
import type { VerificationReport } from '../../core/export/verify/verify-exports';

const time = (s: number | undefined) => (s === undefined ? '?' : new Date(s * 1000).toISOString().slice(0, 19) + 'Z');

function fileLine(f: ExportFileReport): string {
  const head = `${f.ok ? 'ok  ' : 'FAIL'} ${f.source}`;
  if (f.region === undefined) return head;
  const signatures = f.signatures.map((s) => `${s.keyId}/${s.keyVersion} ${s.status}`).join(', ');
  return (
    `${head}\n     ${f.region} ${time(f.startTimestamp)}–${time(f.endTimestamp)} batch ${f.batchNum}/${f.batchSize}, ` +
    `${f.keys} keys, ${f.revisedKeys} revised; signature ${signatures || 'none'}`
  );
}

/** The human form of a verification: one block per file, its problems, then the summary. */
export function formatVerification(report: VerificationReport): string {
  const lines: string[] = [];
  for (const f of report.files) {
    lines.push(fileLine(f));
    for (const p of f.problems) lines.push(`     - ${p}`);
  }
  const s = report.summary;
  const types = Object.entries(s.reportTypes)
    .map(([type, n]) => `${type} ${n}`)
    .join(', ');
  lines.push(
    '',
    `${s.files} file(s), ${s.failedFiles} failed: ${report.ok ? 'OK' : 'FAILED'}`,
    `keys ${s.keys}, revised keys ${s.revisedKeys}; regions ${s.regions.join(', ') || '-'}`,
    `report types ${types || '-'}`,
    `windows ${s.windows ? `${s.windows.from} – ${s.windows.thru}` : '-'}; key days ${s.keyDays ? `${s.keyDays.from} – ${s.keyDays.thru}` : '-'}`,
    `padding (estimate) ${s.padding.likelyPaddedFiles} file(s) in the 1000–1100 record band, up to ${s.padding.paddingUpperBound} fake records`,
  );
  return lines.join('\n') + '\n';
}
