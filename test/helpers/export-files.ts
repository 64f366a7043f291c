import { generateKeyPairSync } from 'node:crypto';
import yazl from 'yazl';
import { EXPORT_BIN_ENTRY, EXPORT_SIG_ENTRY } from '../../core/export/format/export-format';
import { encodeExportBinPrefix, encodeSignatureList } from '../../core/export/format/export-header';
import { recordToRow, type ExportRecord } from '../../core/export/format/export-row';
import { encodeRow, KEYS_TAG, MAX_ENCODED_KEY_SIZE, REVISED_KEYS_TAG } from '../../core/export/format/tek-encoder';
import { FileSigner, toExportSigningKey, type ExportSigningKey } from '../../core/signing/file-signer';
import { SIGNATURE_ALGORITHM } from '../../core/signing/signature';

/** A test export signing key: its SignatureInfo, private key and public PEM (dev fixture, made per test run). */
export interface TestExportSigner extends ExportSigningKey {
  publicKeyPem: string;
}

/** A fresh P-256 export signing key named `id`/`version`. */
export function makeExportSigner(id: string, version = 'v1'): TestExportSigner {
  const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const info = { verificationKeyId: id, verificationKeyVersion: version, signatureAlgorithm: SIGNATURE_ALGORITHM };
  return {
    ...toExportSigningKey(info, pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()),
    publicKeyPem: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

export interface ExportFileSpec {
  keys: readonly ExportRecord[];
  revisedKeys?: readonly ExportRecord[];
  region?: string;
  /** Unix seconds; default: the hour before `now`. */
  startTimestamp?: number;
  endTimestamp?: number;
  batchNum?: number;
  batchSize?: number;
  signers: readonly ExportSigningKey[];
  /** Signs these bytes instead of export.bin (a wrong signature). */
  signOver?: Buffer;
}

/**
 * export.bin of a file, written with the project's own export encoders (header prefix, then each key encoded
 * from its row as the export builder does), so the importer is tested on exactly what enfed's exports contain.
 */
export function exportBin(spec: ExportFileSpec, now = new Date()): Buffer {
  const end = spec.endTimestamp ?? Math.floor(now.getTime() / 3_600_000) * 3600;
  const header = encodeExportBinPrefix({
    startTimestamp: spec.startTimestamp ?? end - 3600,
    endTimestamp: end,
    region: spec.region ?? 'US-WA',
    batchNum: spec.batchNum ?? 1,
    batchSize: spec.batchSize ?? 1,
    signatureInfos: spec.signers.map((s) => s.info),
  });
  const revised = spec.revisedKeys ?? [];
  const out = Buffer.alloc(header.length + (spec.keys.length + revised.length) * MAX_ENCODED_KEY_SIZE);
  let pos = header.copy(out, 0);
  for (const k of spec.keys) pos = encodeRow(recordToRow(k), 0, KEYS_TAG, out, pos);
  for (const k of revised) pos = encodeRow(recordToRow(k), 0, REVISED_KEYS_TAG, out, pos);
  return out.subarray(0, pos);
}

/** A whole signed export zip (export.bin, export.sig) in memory. */
export async function exportZip(spec: ExportFileSpec, now = new Date()): Promise<Buffer> {
  const bin = exportBin(spec, now);
  const signer = new FileSigner(spec.signers);
  signer.update(spec.signOver ?? bin);
  const sig = encodeSignatureList(await signer.finish(), spec.batchNum ?? 1, spec.batchSize ?? 1);
  return zipEntries([
    [EXPORT_BIN_ENTRY, bin],
    [EXPORT_SIG_ENTRY, sig],
  ]);
}

/** A zip of the given entries (deflated). */
export async function zipEntries(entries: readonly [string, Buffer][]): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const [name, data] of entries) zip.addBuffer(data, name, { mtime: new Date(0), compressionLevel: 6 });
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
