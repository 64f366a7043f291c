import yazl from 'yazl';
import type pg from 'pg';
import { primaryKeysSelect, revisedKeysSelect } from '../../../core/export/build/export-keys.query';
import { encodeExportBin } from '../../../core/export/format/export-bin';
import { EXPORT_BIN_ENTRY, EXPORT_SIG_ENTRY } from '../../../core/export/format/export-format';
import { encodeSignatureList } from '../../../core/export/format/export-header';
import { DSOS_NULL, REPORT_ABSENT, type ExportRecord } from '../../../core/export/format/export-row';
import { INTERVALS_PER_DAY, intervalNumber, truncate, utcMidnight } from '../../../core/keys/intervals';
import type { RegionRule } from '../../../core/keys/storage/region-predicate';
import { bindParams } from '../../../core/keys/storage/sql-value';
import { FileSigner, type ExportSigningKey } from '../../../core/signing/file-signer';

/** What a `/retrieve` file covers: keys that arrived in [start, end) for one region. */
export interface RetrieveWindow {
  region: string;
  start: Date;
  end: Date;
}

type Row = [Buffer, number, number, number, number, number];

function toRecord(row: Row): ExportRecord {
  const [keyData, transmissionRiskLevel, rollingStartIntervalNumber, rollingPeriod, report, dsos] = row;
  return {
    keyData,
    transmissionRiskLevel,
    rollingStartIntervalNumber,
    rollingPeriod,
    reportType: report === REPORT_ABSENT ? undefined : report,
    daysSinceOnsetOfSymptoms: dsos === DSOS_NULL ? null : dsos,
  };
}

/**
 * A `/retrieve` file: the keys of `window.region` that arrived in the window (and keys revised in it), signed by the
 * node's active export signing keys, with the export file format and encoder of the node's own exports
 * (core/export). Only closed arrival windows are read (never the current TRUNCATE_WINDOW), and keys that started
 * `servedDays` or more days before today are left out, as the reference does. One file, batch 1 of 1.
 */
export async function buildDayExport(
  pool: pg.Pool,
  signingKeys: readonly ExportSigningKey[],
  window: RetrieveWindow,
  options: { now: Date; truncateWindowSeconds: number; servedDays: number },
): Promise<Buffer> {
  const closed = truncate(options.now, options.truncateWindowSeconds);
  const end = window.end < closed ? window.end : closed;
  const oldestStart = intervalNumber(utcMidnight(options.now)) - options.servedDays * INTERVALS_PER_DAY;
  const rule: RegionRule = { include: [window.region], exclude: [], includeTravelers: false, onlyTravelers: false };
  const read = async (select: typeof primaryKeysSelect): Promise<ExportRecord[]> => {
    if (end <= window.start) return [];
    const params: unknown[] = [];
    const inner = select(rule, window.start, end, bindParams(params));
    params.push(oldestStart);
    const { rows } = await pool.query<Row>({
      text: `select * from (${inner}) k where k.interval_number > $${params.length} order by 1`,
      values: params,
      rowMode: 'array',
    });
    return rows.map(toRecord);
  };
  const [keys, revised] = await Promise.all([read(primaryKeysSelect), read(revisedKeysSelect)]);
  const header = {
    startTimestamp: Math.floor(window.start.getTime() / 1000),
    endTimestamp: Math.floor(window.end.getTime() / 1000),
    region: window.region,
    batchNum: 1,
    batchSize: 1,
    signatureInfos: signingKeys.map((k) => k.info),
  };
  const bin = encodeExportBin(header, keys, revised);
  const signer = new FileSigner(signingKeys);
  signer.update(bin);
  return zip(bin, encodeSignatureList(await signer.finish(), 1, 1), window.end);
}

function zip(bin: Buffer, sig: Buffer, mtime: Date): Promise<Buffer> {
  const file = new yazl.ZipFile();
  file.addBuffer(bin, EXPORT_BIN_ENTRY, { mtime });
  file.addBuffer(sig, EXPORT_SIG_ENTRY, { mtime });
  file.end();
  const chunks: Buffer[] = [];
  return new Promise((resolve, reject) => {
    file.outputStream.on('data', (chunk: Buffer) => chunks.push(chunk));
    file.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
    file.outputStream.on('error', reject);
  });
}
