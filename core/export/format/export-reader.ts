import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { EXPORT_BIN_HEADER } from './export-format';
import { exportProto } from './export-proto';

/** A decoded TemporaryExposureKey (plain values; bytes as Buffer; absent fields undefined). */
export interface DecodedKey {
  keyData: Buffer;
  transmissionRiskLevel?: number;
  rollingStartIntervalNumber?: number;
  /** 144 when absent on the wire (the proto default). */
  rollingPeriod: number;
  reportType?: number;
  daysSinceOnsetOfSymptoms?: number;
}

/** A decoded export.bin. */
export interface DecodedExport {
  startTimestamp: number;
  endTimestamp: number;
  region: string;
  batchNum: number;
  batchSize: number;
  signatureInfos: { verificationKeyVersion: string; verificationKeyId: string; signatureAlgorithm: string }[];
  keys: DecodedKey[];
  revisedKeys: DecodedKey[];
}

/** A decoded TEKSignature. */
export interface DecodedSignature {
  signatureInfo: DecodedExport['signatureInfos'][number];
  batchNum: number;
  batchSize: number;
  signature: Buffer;
}

/** Raised for a file that is not a well-formed export. */
export class ExportFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExportFormatError';
  }
}

function toKey(raw: Record<string, unknown>): DecodedKey {
  return {
    keyData: Buffer.from(raw.keyData as Uint8Array),
    transmissionRiskLevel: raw.transmissionRiskLevel as number | undefined,
    rollingStartIntervalNumber: raw.rollingStartIntervalNumber as number | undefined,
    rollingPeriod: (raw.rollingPeriod as number | undefined) ?? 144,
    reportType: raw.reportType as number | undefined,
    daysSinceOnsetOfSymptoms: raw.daysSinceOnsetOfSymptoms as number | undefined,
  };
}

/** Decodes export.bin (header checked). Readers of our own files and of the shared vectors use this. */
export function decodeExportBin(bin: Buffer): DecodedExport {
  if (bin.length < 16 || !bin.subarray(0, 16).equals(EXPORT_BIN_HEADER))
    throw new ExportFormatError('missing export header');
  const { TemporaryExposureKeyExport } = exportProto();
  const raw = TemporaryExposureKeyExport.toObject(TemporaryExposureKeyExport.decode(bin.subarray(16)), {
    longs: Number,
    enums: Number,
    defaults: false,
    arrays: true,
  }) as Record<string, unknown>;
  return {
    startTimestamp: raw.startTimestamp as number,
    endTimestamp: raw.endTimestamp as number,
    region: raw.region as string,
    batchNum: raw.batchNum as number,
    batchSize: raw.batchSize as number,
    signatureInfos: raw.signatureInfos as DecodedExport['signatureInfos'],
    keys: (raw.keys as Record<string, unknown>[]).map(toKey),
    revisedKeys: (raw.revisedKeys as Record<string, unknown>[]).map(toKey),
  };
}

/** Decodes export.sig. */
export function decodeSignatureList(sig: Buffer): DecodedSignature[] {
  const { TEKSignatureList } = exportProto();
  const raw = TEKSignatureList.toObject(TEKSignatureList.decode(sig), { arrays: true, defaults: false }) as {
    signatures: {
      signatureInfo: DecodedSignature['signatureInfo'];
      batchNum: number;
      batchSize: number;
      signature: Uint8Array;
    }[];
  };
  return raw.signatures.map((s) => ({ ...s, signature: Buffer.from(s.signature) }));
}

/** True when `signature` (DER ECDSA) verifies over the whole export.bin with `publicKey` (PEM or KeyObject). */
export function verifyExportSignature(bin: Buffer, signature: Buffer, publicKey: string | KeyObject): boolean {
  const key = typeof publicKey === 'string' ? createPublicKey(publicKey) : publicKey;
  return verify('sha256', bin, { key, dsaEncoding: 'der' }, signature);
}
