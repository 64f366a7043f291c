import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

/** The message types of `proto/covidshield.proto`, loaded by reflection. */
export interface CovidShieldProto {
  KeyClaimRequest: protobuf.Type;
  KeyClaimResponse: protobuf.Type;
  EncryptedUploadRequest: protobuf.Type;
  EncryptedUploadResponse: protobuf.Type;
  Upload: protobuf.Type;
}

const PROTO_PATH = fileURLToPath(new URL('../../proto/covidshield.proto', import.meta.url));

let loaded: CovidShieldProto | undefined;

/** The parsed proto, once per process (immutable, so sharing it between servers is safe). */
export function covidShieldProto(): CovidShieldProto {
  if (!loaded) {
    const root = protobuf.loadSync(PROTO_PATH);
    const type = (name: string) => root.lookupType(`covidshield.${name}`);
    loaded = {
      KeyClaimRequest: type('KeyClaimRequest'),
      KeyClaimResponse: type('KeyClaimResponse'),
      EncryptedUploadRequest: type('EncryptedUploadRequest'),
      EncryptedUploadResponse: type('EncryptedUploadResponse'),
      Upload: type('Upload'),
    };
  }
  return loaded;
}

/** The reference's error codes, by name (values as on the wire). */
export const KEY_CLAIM_ERROR = {
  NONE: 0,
  UNKNOWN: 1,
  INVALID_ONE_TIME_CODE: 2,
  SERVER_ERROR: 3,
  INVALID_KEY: 4,
  TEMPORARY_BAN: 5,
} as const;

export const UPLOAD_ERROR = {
  NONE: 0,
  UNKNOWN: 1,
  INVALID_KEYPAIR: 2,
  DECRYPTION_FAILED: 3,
  INVALID_PAYLOAD: 4,
  SERVER_ERROR: 5,
  INVALID_CRYPTO_PARAMETERS: 6,
  TOO_MANY_KEYS: 7,
  INVALID_TIMESTAMP: 8,
  INVALID_ROLLING_PERIOD: 10,
  INVALID_KEY_DATA: 11,
  INVALID_ROLLING_START_INTERVAL_NUMBER: 12,
  INVALID_TRANSMISSION_RISK_LEVEL: 13,
  NO_KEYS_IN_PAYLOAD: 14,
} as const;

/**
 * Decodes `bytes` as `type`, or undefined when they are not a well-formed message: bad wire types, truncated
 * fields, lengths beyond the buffer. The bytes are read through a plain Uint8Array view, because protobufjs's
 * reader for Node Buffers silently cuts a string field whose length runs past the end, where the reference
 * refuses the message.
 */
export function decodeMessage(type: protobuf.Type, bytes: Uint8Array): protobuf.Message | undefined {
  try {
    return type.decode(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch {
    return undefined;
  }
}
