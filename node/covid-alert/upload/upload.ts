import nacl from 'tweetnacl';
import { storedArrival } from '../../../core/keys/arrival';
import type { ExposureKey } from '../../../core/keys/exposure-key';
import { INTERVALS_PER_DAY, intervalNumber } from '../../../core/keys/intervals';
import { DEFAULT_VALIDATION_LIMITS, KEY_LIMITS } from '../../../core/keys/key-limits';
import { backfillTransmissionRisk } from '../../../core/keys/report-type';
import { validateKey } from '../../../core/keys/validate-key';
import type { SecretSealer } from '../../../core/secrets/secret-sealer';
import type { KeyPairForUpload, KeyPairRepository } from '../claim/key-pair.repository';
import { covidShieldProto, decodeMessage, UPLOAD_ERROR } from '../covidshield.proto';
import { checkUpload, UPLOAD_LIMITS, type UploadedKey } from './upload-rules';
import type { UploadKeysRepository } from './upload-keys.repository';

export interface UploadDeps {
  keyPairs: KeyPairRepository;
  keys: UploadKeysRepository;
  sealer: SecretSealer;
  truncateWindowSeconds: number;
  now: () => Date;
}

/** The EncryptedUploadResponse error to send with its HTTP status, and the outcome counted in metrics. */
export interface UploadAnswer {
  status: number;
  error: number;
  outcome: string;
  inserted: number;
}

const refuse = (status: number, error: number, outcome: string): UploadAnswer => ({
  status,
  error,
  outcome,
  inserted: 0,
});

interface DecodedRequest {
  serverPublicKey?: Uint8Array;
  appPublicKey?: Uint8Array;
  nonce?: Uint8Array;
  payload?: Uint8Array;
}

interface DecodedUpload {
  timestamp?: { seconds?: number };
  keys?: {
    keyData?: Uint8Array;
    transmissionRiskLevel?: number;
    rollingStartIntervalNumber?: number;
    rollingPeriod?: number;
  }[];
}

/**
 * `POST /upload` (docs/covid-alert-protocol.md): checks in the reference's order with its error codes; then the
 * keys go into exposure_keys with the code's region and report type, arrival time truncated (and embargoed for a
 * key that is still valid), in one statement that also records the nonce and charges the budget. Nothing is
 * stored unless every rule holds.
 */
export async function upload(deps: UploadDeps, body: Buffer): Promise<UploadAnswer> {
  const proto = covidShieldProto();
  const request = decodeMessage(proto.EncryptedUploadRequest, body) as DecodedRequest | undefined;
  if (!request) return refuse(400, UPLOAD_ERROR.UNKNOWN, 'bad_protobuf');
  const serverPublicKey = Buffer.from(request.serverPublicKey ?? []);
  if (serverPublicKey.length !== UPLOAD_LIMITS.KEY_LENGTH)
    return refuse(400, UPLOAD_ERROR.INVALID_CRYPTO_PARAMETERS, 'bad_server_key');
  const now = deps.now();
  const pair = await deps.keyPairs.findForUpload(serverPublicKey, now);
  if (!pair) return refuse(401, UPLOAD_ERROR.INVALID_KEYPAIR, 'unknown_key_pair');
  const nonce = Buffer.from(request.nonce ?? []);
  const appPublicKey = Buffer.from(request.appPublicKey ?? []);
  if (nonce.length !== UPLOAD_LIMITS.NONCE_LENGTH)
    return refuse(400, UPLOAD_ERROR.INVALID_CRYPTO_PARAMETERS, 'bad_nonce');
  if (appPublicKey.length !== UPLOAD_LIMITS.KEY_LENGTH)
    return refuse(400, UPLOAD_ERROR.INVALID_CRYPTO_PARAMETERS, 'bad_app_key');
  // Ours: the app key must be the one the pair was claimed with (the reference decrypts with whatever app key
  // is sent and charges the pair registered for it).
  if (!appPublicKey.equals(pair.appPublicKey)) return refuse(401, UPLOAD_ERROR.INVALID_KEYPAIR, 'app_key_mismatch');
  const secretKey = await deps.sealer.open(pair.serverPrivateKeySealed);
  if (secretKey.length !== nacl.box.secretKeyLength) return refuse(500, UPLOAD_ERROR.SERVER_ERROR, 'bad_stored_key');
  const plain = nacl.box.open(Buffer.from(request.payload ?? []), nonce, appPublicKey, secretKey);
  if (!plain) return refuse(400, UPLOAD_ERROR.DECRYPTION_FAILED, 'decryption_failed');

  const decoded = decodeMessage(proto.Upload, plain);
  if (!decoded) return refuse(400, UPLOAD_ERROR.INVALID_PAYLOAD, 'bad_payload');
  const payload = proto.Upload.toObject(decoded, { longs: Number, defaults: false, arrays: true }) as DecodedUpload;
  const keys: UploadedKey[] = (payload.keys ?? []).map((k) => ({
    keyData: Buffer.from(k.keyData ?? []),
    transmissionRiskLevel: k.transmissionRiskLevel ?? 0,
    rollingStartIntervalNumber: k.rollingStartIntervalNumber ?? 0,
    rollingPeriod: k.rollingPeriod ?? UPLOAD_LIMITS.MAX_ROLLING_PERIOD,
  }));
  const broken = checkUpload(keys, payload.timestamp ? (payload.timestamp.seconds ?? 0) : undefined, now);
  if (broken !== undefined) return refuse(400, broken, 'rule_broken');
  if (pair.remainingKeys === 0) return refuse(400, UPLOAD_ERROR.INVALID_KEYPAIR, 'budget_spent');

  const stored = await deps.keys.store(pair.id, nonce, toExposureKeys(keys, pair, now, deps.truncateWindowSeconds));
  switch (stored.kind) {
    case 'stored':
      return { status: 200, error: UPLOAD_ERROR.NONE, outcome: 'stored', inserted: stored.inserted };
    case 'replayed_nonce':
      return refuse(400, UPLOAD_ERROR.INVALID_CRYPTO_PARAMETERS, 'replayed_nonce');
    case 'budget_spent':
      return refuse(400, UPLOAD_ERROR.INVALID_KEYPAIR, 'budget_spent');
    case 'over_budget':
      return refuse(400, UPLOAD_ERROR.TOO_MANY_KEYS, 'over_budget');
    case 'key_pair_gone':
      return refuse(401, UPLOAD_ERROR.INVALID_KEYPAIR, 'unknown_key_pair');
  }
}

/**
 * The keys as stored: the code's region and report type, the transmission risk as sent (0 back-filled from the
 * report type, as publish does), days since onset from the code's symptom date (absent without one, or when
 * further than 14 days). A key that no other path of enfed would accept (expired more than 15 days ago, or
 * starting in the future) and a repeat of a key in the same upload are skipped: not stored, not charged.
 */
function toExposureKeys(
  keys: readonly UploadedKey[],
  pair: KeyPairForUpload,
  now: Date,
  windowSeconds: number,
): ExposureKey[] {
  const onset = pair.symptomDate === null ? undefined : intervalNumber(new Date(`${pair.symptomDate}T00:00:00Z`));
  const seen = new Set<string>();
  const out: ExposureKey[] = [];
  for (const key of keys) {
    const id = key.keyData.toString('hex');
    const fields = {
      key: key.keyData,
      intervalNumber: key.rollingStartIntervalNumber,
      intervalCount: key.rollingPeriod,
      transmissionRisk: key.transmissionRiskLevel,
      daysSinceOnset: null,
    };
    if (seen.has(id) || validateKey(fields, now, DEFAULT_VALIDATION_LIMITS) !== undefined) continue;
    seen.add(id);
    out.push({
      ...fields,
      transmissionRisk: backfillTransmissionRisk(key.transmissionRiskLevel, pair.testType),
      daysSinceOnset: onset === undefined ? null : onsetDays(key.rollingStartIntervalNumber, onset),
      regions: [pair.region],
      traveler: false,
      reportType: pair.testType,
      createdAt: storedArrival(fields, now, windowSeconds),
      localProvenance: true,
      healthAuthorityId: null,
      originQueryId: null,
      revisedReportType: null,
      revisedAt: null,
      revisedDaysSinceOnset: null,
      revisedTransmissionRisk: null,
    });
  }
  return out;
}

/** Whole days from the onset day to the key's start day; null beyond the ±14 days an export may carry. */
function onsetDays(keyStart: number, onset: number): number | null {
  const days = Math.floor(keyStart / INTERVALS_PER_DAY) - Math.floor(onset / INTERVALS_PER_DAY);
  return Math.abs(days) > KEY_LIMITS.MAX_SYMPTOM_ONSET_DAYS ? null : days;
}
