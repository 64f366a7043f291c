import type { FileSignature } from '../../signing/signature';
import { EXPORT_BIN_HEADER, type ExportHeader } from './export-format';
import { exportProto } from './export-proto';

/**
 * The start of export.bin: the 16-byte header, then fields 1–6 of TemporaryExposureKeyExport. Keys
 * (field 7) and revised keys (field 8) are appended after it as they stream, which is valid protobuf
 * because a message is the concatenation of its fields.
 */
export function encodeExportBinPrefix(header: ExportHeader): Buffer {
  const { TemporaryExposureKeyExport } = exportProto();
  const message = TemporaryExposureKeyExport.fromObject({
    startTimestamp: header.startTimestamp,
    endTimestamp: header.endTimestamp,
    region: header.region,
    batchNum: header.batchNum,
    batchSize: header.batchSize,
    signatureInfos: header.signatureInfos,
  });
  return Buffer.concat([EXPORT_BIN_HEADER, TemporaryExposureKeyExport.encode(message).finish()]);
}

/** export.sig: a TEKSignatureList with one TEKSignature per signing key. */
export function encodeSignatureList(signatures: FileSignature[], batchNum: number, batchSize: number): Buffer {
  const { TEKSignatureList } = exportProto();
  const message = TEKSignatureList.fromObject({
    signatures: signatures.map((s) => ({ signatureInfo: s.info, batchNum, batchSize, signature: s.signature })),
  });
  return Buffer.from(TEKSignatureList.encode(message).finish());
}
