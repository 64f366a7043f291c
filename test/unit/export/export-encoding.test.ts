import test from 'ava';
import { vectorBytes, vectorText } from '../../helpers/vectors';
import { createHash } from 'node:crypto';
import { encodeExportBin } from '../../../core/export/format/export-bin';
import { DEFAULT_ROLLING_PERIOD, type ExportHeader } from '../../../core/export/format/export-format';
import { exportProto } from '../../../core/export/format/export-proto';
import { decodeExportBin, decodeSignatureList, verifyExportSignature } from '../../../core/export/format/export-reader';
import { recordToRow, type ExportRecord } from '../../../core/export/format/export-row';
import { encodeRow, KEYS_TAG, MAX_ENCODED_KEY_SIZE } from '../../../core/export/format/tek-encoder';

/** The reference vectors (test/fixtures/vectors, made by an independent implementation); test fixtures only. */
const vectorBin = vectorBytes('export/export.bin');
const vectorSig = vectorBytes('export/export.sig');
const vectorPub = vectorText('test-export-signing.pub.pem');
const expected = JSON.parse(vectorText('export/expected.json')) as {
  sha256: string;
  start_timestamp: number;
  end_timestamp: number;
  region: string;
  batch_num: number;
  batch_size: number;
  signature_info: { verification_key_version: string; verification_key_id: string; signature_algorithm: string };
  keys: VectorKey[];
  revised_keys: VectorKey[];
};
interface VectorKey {
  key_data: string;
  transmission_risk_level: number;
  rolling_start_interval_number: number;
  rolling_period: number;
  report_type?: string;
  days_since_onset_of_symptoms?: number;
}

/** The digest of the golden export.bin; a change here is a change of the wire format. */
const PINNED_SHA256 = '40601271916d50502d9a1bb4d4ae9e5489396c1479caee565433425d78f3a056';

const REPORT = {
  CONFIRMED_TEST: 1,
  CONFIRMED_CLINICAL_DIAGNOSIS: 2,
  SELF_REPORT: 3,
  RECURSIVE: 4,
  REVOKED: 5,
} as const;

function toRecord(k: VectorKey): ExportRecord {
  return {
    keyData: Buffer.from(k.key_data, 'base64'),
    transmissionRiskLevel: k.transmission_risk_level,
    rollingStartIntervalNumber: k.rolling_start_interval_number,
    rollingPeriod: k.rolling_period,
    reportType: k.report_type === undefined ? undefined : REPORT[k.report_type as keyof typeof REPORT],
    daysSinceOnsetOfSymptoms: k.days_since_onset_of_symptoms,
  };
}

const header: ExportHeader = {
  startTimestamp: expected.start_timestamp,
  endTimestamp: expected.end_timestamp,
  region: expected.region,
  batchNum: expected.batch_num,
  batchSize: expected.batch_size,
  signatureInfos: [
    {
      verificationKeyVersion: expected.signature_info.verification_key_version,
      verificationKeyId: expected.signature_info.verification_key_id,
      signatureAlgorithm: expected.signature_info.signature_algorithm,
    },
  ],
};

test('golden: our writer reproduces the vector export.bin byte for byte, digest pinned', (t) => {
  const bin = encodeExportBin(header, expected.keys.map(toRecord), expected.revised_keys.map(toRecord));
  t.is(expected.sha256, PINNED_SHA256);
  t.is(createHash('sha256').update(vectorBin).digest('hex'), PINNED_SHA256);
  t.is(createHash('sha256').update(bin).digest('hex'), PINNED_SHA256);
  t.true(bin.equals(vectorBin));
});

test('golden: the vector export.sig verifies with the vector public key, and a changed byte does not', (t) => {
  const signatures = decodeSignatureList(vectorSig);
  t.is(signatures.length, 1);
  const [sig] = signatures;
  t.deepEqual(sig!.signatureInfo, header.signatureInfos[0]);
  t.is(sig!.batchNum, 1);
  t.is(sig!.batchSize, 1);
  t.true(verifyExportSignature(vectorBin, sig!.signature, vectorPub));
  const tampered = Buffer.from(vectorBin);
  const last = tampered.length - 1;
  tampered.writeUInt8(tampered.readUInt8(last) ^ 1, last);
  t.false(verifyExportSignature(tampered, sig!.signature, vectorPub));
});

test('golden: our reader decodes exactly the expected values', (t) => {
  const decoded = decodeExportBin(vectorBin);
  t.is(decoded.startTimestamp, expected.start_timestamp);
  t.is(decoded.endTimestamp, expected.end_timestamp);
  t.is(decoded.region, expected.region);
  t.deepEqual(decoded.signatureInfos, header.signatureInfos);
  const plain = (r: ExportRecord) => ({ ...r, daysSinceOnsetOfSymptoms: r.daysSinceOnsetOfSymptoms ?? undefined });
  t.deepEqual(decoded.keys, expected.keys.map(toRecord).map(plain));
  t.deepEqual(decoded.revisedKeys, expected.revised_keys.map(toRecord).map(plain));
});

const cases: [string, ExportRecord][] = [
  [
    'every field',
    {
      keyData: Buffer.alloc(16, 7),
      transmissionRiskLevel: 8,
      rollingStartIntervalNumber: 2930112,
      rollingPeriod: 100,
      reportType: 5,
      daysSinceOnsetOfSymptoms: -14,
    },
  ],
  [
    'rolling period 144 omitted',
    {
      keyData: Buffer.alloc(16, 1),
      transmissionRiskLevel: 0,
      rollingStartIntervalNumber: 1,
      rollingPeriod: DEFAULT_ROLLING_PERIOD,
      reportType: 1,
      daysSinceOnsetOfSymptoms: 0,
    },
  ],
  [
    'no report type, no onset',
    {
      keyData: Buffer.alloc(16, 255),
      transmissionRiskLevel: 3,
      rollingStartIntervalNumber: 2_000_000_000,
      rollingPeriod: 1,
    },
  ],
  [
    'large onset',
    {
      keyData: Buffer.alloc(16, 9),
      transmissionRiskLevel: 2,
      rollingStartIntervalNumber: 127,
      rollingPeriod: 128,
      daysSinceOnsetOfSymptoms: 14,
    },
  ],
  [
    'negative int32 (sign-extended varint)',
    {
      keyData: Buffer.alloc(16, 3),
      transmissionRiskLevel: -1,
      rollingStartIntervalNumber: -2,
      rollingPeriod: 144,
      reportType: 2,
      daysSinceOnsetOfSymptoms: -1,
    },
  ],
];
for (const [name, record] of cases) {
  test(`hand encoder equals protobufjs: ${name}`, (t) => {
    const { TemporaryExposureKey } = exportProto();
    const fields: Record<string, unknown> = {
      keyData: record.keyData,
      transmissionRiskLevel: record.transmissionRiskLevel,
      rollingStartIntervalNumber: record.rollingStartIntervalNumber,
    };
    if (record.rollingPeriod !== DEFAULT_ROLLING_PERIOD) fields.rollingPeriod = record.rollingPeriod;
    if (record.reportType !== undefined) fields.reportType = record.reportType;
    if (record.daysSinceOnsetOfSymptoms != null) fields.daysSinceOnsetOfSymptoms = record.daysSinceOnsetOfSymptoms;
    const reference = Buffer.from(TemporaryExposureKey.encode(TemporaryExposureKey.fromObject(fields)).finish());
    const out = Buffer.alloc(MAX_ENCODED_KEY_SIZE);
    const end = encodeRow(recordToRow(record), 0, KEYS_TAG, out, 0);
    t.is(out[0], KEYS_TAG);
    t.is(out[1], reference.length);
    t.true(
      out.subarray(2, end).equals(reference),
      `${out.subarray(2, end).toString('hex')} vs ${reference.toString('hex')}`,
    );
  });
}
