import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

/** The message types of `proto/export.proto`, loaded by reflection (never hand-edited generated code). */
export interface ExportProto {
  TemporaryExposureKeyExport: protobuf.Type;
  TemporaryExposureKey: protobuf.Type;
  SignatureInfo: protobuf.Type;
  TEKSignatureList: protobuf.Type;
  TEKSignature: protobuf.Type;
}

const PROTO_PATH = fileURLToPath(new URL('../../../proto/export.proto', import.meta.url));

let loaded: ExportProto | undefined;

/**
 * The parsed export.proto. Parsed once per process and then immutable, so sharing it is safe
 * (it holds no state of any server instance).
 */
export function exportProto(): ExportProto {
  if (!loaded) {
    const root = protobuf.loadSync(PROTO_PATH);
    loaded = {
      TemporaryExposureKeyExport: root.lookupType('TemporaryExposureKeyExport'),
      TemporaryExposureKey: root.lookupType('TemporaryExposureKey'),
      SignatureInfo: root.lookupType('SignatureInfo'),
      TEKSignatureList: root.lookupType('TEKSignatureList'),
      TEKSignature: root.lookupType('TEKSignature'),
    };
  }
  return loaded;
}
