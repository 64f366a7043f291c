import { createHash, verify } from 'node:crypto';
import { EXPORT_BIN_ENTRY, EXPORT_BIN_HEADER, EXPORT_SIG_ENTRY } from '../format/export-format';
import { decodeExportBin, decodeSignatureList, type DecodedExport, type DecodedKey } from '../format/export-reader';
import { emptyReport, type ExportFileReport, type SignatureReport } from './export-file-report';
import { keyApplies, type VerificationKey } from './verification-keys';

/** ECDSA with SHA-256: the only signature algorithm the format names. */
export const ECDSA_SHA256_OID = '1.2.840.10045.4.3.2';

/** Report type names of the wire enum (proto/export.proto). */
const REPORT_TYPES = [
  'UNKNOWN',
  'CONFIRMED_TEST',
  'CONFIRMED_CLINICAL_DIAGNOSIS',
  'SELF_REPORT',
  'RECURSIVE',
  'REVOKED',
];

/** Per-key problems listed per file before the rest are only counted (a bad file can hold 500 000 keys). */
const MAX_KEY_PROBLEMS = 5;

/** One export as read from a zip or a directory: its members' names and the two files, when present. */
export interface ExportInput {
  source: string;
  index?: string;
  members: string[];
  bin?: Buffer;
  sig?: Buffer;
  /** Why the file could not be read at all (HTTP error, not a zip…); the file then fails with this. */
  loadProblem?: string;
}

function keyProblems(keys: DecodedKey[], list: 'keys' | 'revised_keys'): string[] {
  const found: string[] = [];
  let count = 0;
  const add = (i: number, what: string) => {
    count++;
    if (found.length < MAX_KEY_PROBLEMS) found.push(`${list}[${i}]: ${what}`);
  };
  keys.forEach((k, i) => {
    if (k.keyData.length !== 16) add(i, `key_data is ${k.keyData.length} bytes, not 16`);
    if (k.rollingPeriod < 1 || k.rollingPeriod > 144) add(i, `rolling_period ${k.rollingPeriod} outside 1–144`);
    const risk = k.transmissionRiskLevel;
    if (risk !== undefined && (risk < 0 || risk > 8)) add(i, `transmission_risk_level ${risk} outside 0–8`);
    const start = k.rollingStartIntervalNumber;
    if (start === undefined || start <= 0) add(i, 'rolling_start_interval_number missing or not positive');
    if (k.reportType !== undefined && REPORT_TYPES[k.reportType] === undefined)
      add(i, `report_type ${k.reportType} is not a known ReportType`);
    const dsos = k.daysSinceOnsetOfSymptoms;
    if (dsos !== undefined && (dsos < -14 || dsos > 14)) add(i, `days_since_onset_of_symptoms ${dsos} outside -14–14`);
    if (i > 0 && Buffer.compare(keys[i - 1]!.keyData, k.keyData) > 0) add(i, 'not sorted by key_data');
  });
  if (count > found.length) found.push(`${list}: ${count - found.length} more problem(s) of the same kinds`);
  return found;
}

function headerProblems(bin: DecodedExport): string[] {
  const found: string[] = [];
  if (!bin.region) found.push('region is empty');
  if (!(bin.startTimestamp < bin.endTimestamp)) found.push('start_timestamp is not before end_timestamp');
  if (!(bin.batchNum >= 1 && bin.batchSize >= 1 && bin.batchNum <= bin.batchSize))
    found.push(`batch_num ${bin.batchNum} / batch_size ${bin.batchSize} is not 1 ≤ num ≤ size`);
  if (bin.signatureInfos.length === 0) found.push('export.bin names no signature_infos');
  for (const info of bin.signatureInfos) {
    if (info.signatureAlgorithm !== ECDSA_SHA256_OID)
      found.push(
        `signature_info ${info.verificationKeyId}/${info.verificationKeyVersion}: algorithm ${info.signatureAlgorithm} is not ${ECDSA_SHA256_OID}`,
      );
  }
  return found;
}

const sameInfo = (a: DecodedExport['signatureInfos'][number], b: DecodedExport['signatureInfos'][number]) =>
  a.verificationKeyId === b.verificationKeyId &&
  a.verificationKeyVersion === b.verificationKeyVersion &&
  a.signatureAlgorithm === b.signatureAlgorithm;

/** Checks export.sig against export.bin and the given keys; returns its problems and each signature's fate. */
function signatureChecks(
  bin: Buffer,
  decoded: DecodedExport,
  sig: Buffer,
  keys: readonly VerificationKey[],
): { problems: string[]; signatures: SignatureReport[] } {
  const problems: string[] = [];
  let list;
  try {
    list = decodeSignatureList(sig);
  } catch (err) {
    return { problems: [`export.sig is not a TEKSignatureList (${(err as Error).message})`], signatures: [] };
  }
  if (list.length === 0) problems.push('export.sig holds no signature');
  const signatures = list.map((s): SignatureReport => {
    const info = s.signatureInfo ?? { verificationKeyId: '', verificationKeyVersion: '', signatureAlgorithm: '' };
    const name = `signature ${info.verificationKeyId}/${info.verificationKeyVersion}`;
    if (s.batchNum !== decoded.batchNum || s.batchSize !== decoded.batchSize)
      problems.push(
        `${name}: batch ${s.batchNum}/${s.batchSize} differs from export.bin's ${decoded.batchNum}/${decoded.batchSize}`,
      );
    if (!decoded.signatureInfos.some((i) => sameInfo(i, info)))
      problems.push(`${name}: its signature_info is not among export.bin's`);
    const applicable = keys.filter((k) => keyApplies(k, info.verificationKeyId, info.verificationKeyVersion));
    let status: SignatureReport['status'] = 'unchecked';
    if (applicable.length > 0) {
      const good = applicable.some((k) => {
        try {
          return verify('sha256', bin, { key: k.publicKey, dsaEncoding: 'der' }, s.signature);
        } catch {
          return false;
        }
      });
      status = good ? 'verified' : 'failed';
      if (!good)
        problems.push(`${name}: does not verify over export.bin with ${applicable.map((k) => k.label).join(', ')}`);
    }
    return {
      keyId: info.verificationKeyId,
      keyVersion: info.verificationKeyVersion,
      algorithm: info.signatureAlgorithm,
      status,
    };
  });
  for (const info of decoded.signatureInfos) {
    if (!list.some((s) => s.signatureInfo && sameInfo(s.signatureInfo, info)))
      problems.push(
        `signature_info ${info.verificationKeyId}/${info.verificationKeyVersion} has no signature in export.sig`,
      );
  }
  if (
    list.length > 0 &&
    !signatures.some((s) => s.status === 'verified') &&
    !signatures.some((s) => s.status === 'failed')
  )
    problems.push(
      `no public key given applies to ${signatures.map((s) => `${s.keyId}/${s.keyVersion}`).join(', ')}: nothing verified`,
    );
  return { problems, signatures };
}

/**
 * Checks one export file the way a phone does: exactly the members export.bin and export.sig, the 16-byte
 * header, a decodable TemporaryExposureKeyExport with a consistent batch, a signature that verifies (ECDSA P-256,
 * SHA-256 over the whole export.bin) for the key id/version it names, keys sorted and every field in range.
 */
export function checkExport(input: ExportInput, keys: readonly VerificationKey[]): ExportFileReport {
  const report = emptyReport(input.source, input.index);
  const problems = report.problems;
  if (input.loadProblem !== undefined) {
    problems.push(input.loadProblem);
    return report;
  }
  const extra = input.members.filter((m) => m !== EXPORT_BIN_ENTRY && m !== EXPORT_SIG_ENTRY);
  if (extra.length > 0) problems.push(`unexpected zip member(s): ${extra.join(', ')}`);
  if (new Set(input.members).size !== input.members.length) problems.push('a zip member appears twice');
  if (!input.bin) problems.push('export.bin is missing');
  if (!input.sig) problems.push('export.sig is missing');
  if (!input.bin) return report;
  const bin = input.bin;
  report.sha256 = createHash('sha256').update(bin).digest('hex');
  if (bin.length < 16 || !bin.subarray(0, 16).equals(EXPORT_BIN_HEADER)) {
    problems.push(`export.bin does not start with the header "${EXPORT_BIN_HEADER.toString('ascii')}"`);
    return report;
  }
  let decoded: DecodedExport;
  try {
    decoded = decodeExportBin(bin);
  } catch (err) {
    problems.push(`export.bin is not a TemporaryExposureKeyExport (${(err as Error).message})`);
    return report;
  }
  Object.assign(report, {
    region: decoded.region,
    startTimestamp: decoded.startTimestamp,
    endTimestamp: decoded.endTimestamp,
    batchNum: decoded.batchNum,
    batchSize: decoded.batchSize,
    keys: decoded.keys.length,
    revisedKeys: decoded.revisedKeys.length,
  });
  problems.push(...headerProblems(decoded));
  problems.push(...keyProblems(decoded.keys, 'keys'), ...keyProblems(decoded.revisedKeys, 'revised_keys'));
  for (const k of [...decoded.keys, ...decoded.revisedKeys]) {
    const type = k.reportType === undefined ? 'NONE' : (REPORT_TYPES[k.reportType] ?? String(k.reportType));
    report.reportTypes[type] = (report.reportTypes[type] ?? 0) + 1;
    const start = k.rollingStartIntervalNumber;
    if (start === undefined) continue;
    report.firstInterval = Math.min(report.firstInterval ?? start, start);
    report.lastIntervalEnd = Math.max(report.lastIntervalEnd ?? 0, start + k.rollingPeriod);
  }
  if (input.sig) {
    const checked = signatureChecks(bin, decoded, input.sig, keys);
    problems.push(...checked.problems);
    report.signatures = checked.signatures;
  }
  report.ok = problems.length === 0;
  return report;
}
