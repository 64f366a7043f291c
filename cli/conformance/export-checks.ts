import { checkBatches } from '../../core/export/verify/check-batches';
import { checkExport } from '../../core/export/verify/check-export';
import type { ExportFileReport } from '../../core/export/verify/export-file-report';
import { exportFileUrl, readIndex, zipInput } from '../../core/export/verify/export-sources';
import type { VerificationKey } from '../../core/export/verify/verification-keys';
import { CheckSkipped, expect, type ConformanceCheck } from './check';

/** The export checks: index.txt served as text, every listed file verifies as a phone checks it, batches complete. */
export function exportChecks(indexUrl: string, keys: VerificationKey[]): ConformanceCheck[] {
  let lines: string[] = [];
  const files: ExportFileReport[] = [];
  return [
    {
      group: 'export',
      id: 'export.index',
      title: 'index.txt answers 200 and lists .zip names, one per line',
      async run() {
        lines = await readIndex(indexUrl);
        const bad = lines.filter((l) => !/\.zip$/.test(l));
        expect(bad.length === 0, `lines that are not zip names: ${bad.slice(0, 3).join(', ')}`);
        return `${lines.length} file(s) listed`;
      },
    },
    {
      group: 'export',
      id: 'export.files-verify',
      title: 'every listed file: members, header, signature per signature info, sorted keys, field ranges',
      async run() {
        if (lines.length === 0) throw new CheckSkipped('the index lists no file');
        for (const line of lines) {
          const url = exportFileUrl(indexUrl, line);
          const response = await fetch(url, { signal: AbortSignal.timeout(30_000) });
          if (!response.ok) {
            files.push({
              ...checkExport({ source: url, members: [], loadProblem: `HTTP ${response.status}` }, keys),
              index: indexUrl,
            });
            continue;
          }
          files.push(checkExport(await zipInput(url, Buffer.from(await response.arrayBuffer()), indexUrl), keys));
        }
        const failed = files.filter((f) => !f.ok);
        expect(
          failed.length === 0,
          failed
            .slice(0, 3)
            .map((f) => `${f.source}: ${f.problems.join('; ')}`)
            .join(' | '),
        );
        return `${files.length} file(s) verify`;
      },
    },
    {
      group: 'export',
      id: 'export.batches',
      title: 'the files of each batch agree on batch_size and every batch_num 1..size is listed once',
      async run() {
        if (files.length === 0) throw new CheckSkipped('no file was read');
        checkBatches(files, new Set([indexUrl]));
        const failed = files.filter((f) => f.problems.some((p) => p.startsWith('batch ')));
        expect(
          failed.length === 0,
          failed
            .slice(0, 3)
            .map((f) => f.problems.join('; '))
            .join(' | '),
        );
        return 'batches complete';
      },
    },
  ];
}
