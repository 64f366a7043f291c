import { BadRequestError } from '../../../core/errors/app-error';

/** One key object as the app sent it (numbers already checked to be int32). */
export interface PublishKeyInput {
  /** Base64 text exactly as sent: the tekmac is computed over this text. */
  key: string;
  rollingStartNumber: number;
  rollingPeriod: number;
  /** 0 when absent (= unknown). */
  transmissionRisk: number;
}

/** A publish request after strict structural parsing; the rules are checked later. */
export interface PublishRequest {
  temporaryExposureKeys: PublishKeyInput[];
  healthAuthorityID: string;
  verificationPayload: string;
  hmacKey: string;
  /** Undefined when absent or 0 (the reference server treats 0 as "not given"). */
  symptomOnsetInterval: number | undefined;
  traveler: boolean;
  revisionToken: string;
}

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

const REQUEST_FIELDS = new Set([
  'temporaryExposureKeys',
  'healthAuthorityID',
  'verificationPayload',
  'hmacKey',
  'symptomOnsetInterval',
  'traveler',
  'revisionToken',
  'padding',
]);
const KEY_FIELDS = new Set(['key', 'rollingStartNumber', 'rollingPeriod', 'transmissionRisk']);

function fail(message: string): never {
  throw new BadRequestError(message);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function rejectUnknown(obj: Record<string, unknown>, allowed: Set<string>, where: string): void {
  for (const name of Object.keys(obj)) {
    if (!allowed.has(name)) fail(`unknown field ${JSON.stringify(name.slice(0, 64))} in ${where}`);
  }
}

// JSON null for an optional field means "absent", as the reference (Go) server decodes it. Control characters
// (NUL above all, which PostgreSQL text cannot hold) never belong in these fields: refused at the boundary.
function optionalString(obj: Record<string, unknown>, name: string): string {
  const value = obj[name];
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') fail(`${name} must be a string`);
  if (/[\u0000-\u001f\u007f]/.test(value)) fail(`${name} contains a control character`);
  return value;
}

function int32(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < INT32_MIN || value > INT32_MAX) {
    fail(`${name} must be a 32-bit integer`);
  }
  return value;
}

function parseKey(value: unknown, index: number): PublishKeyInput {
  const where = `temporaryExposureKeys[${index}]`;
  if (!isPlainObject(value)) fail(`${where} must be an object`);
  rejectUnknown(value, KEY_FIELDS, where);
  if (typeof value.key !== 'string') fail(`${where}.key must be a string`);
  if (value.rollingStartNumber === undefined) fail(`${where}.rollingStartNumber is required`);
  if (value.rollingPeriod === undefined) fail(`${where}.rollingPeriod is required`);
  const risk = value.transmissionRisk;
  return {
    key: value.key,
    rollingStartNumber: int32(value.rollingStartNumber, `${where}.rollingStartNumber`),
    rollingPeriod: int32(value.rollingPeriod, `${where}.rollingPeriod`),
    transmissionRisk: risk === undefined || risk === null ? 0 : int32(risk, `${where}.transmissionRisk`),
  };
}

/**
 * Parses the raw body of `POST /v1/publish`: exactly one JSON object, no unknown fields, strict types.
 * Anything else is a BadRequestError (400 `bad_request`); it never throws anything else.
 */
export function parsePublishRequest(body: string): PublishRequest {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    fail('body is not valid JSON');
  }
  if (!isPlainObject(parsed)) fail('body must be one JSON object');
  rejectUnknown(parsed, REQUEST_FIELDS, 'request');

  const keys = parsed.temporaryExposureKeys;
  if (keys === undefined || keys === null) fail('temporaryExposureKeys is required');
  if (!Array.isArray(keys)) fail('temporaryExposureKeys must be an array');
  const healthAuthorityID = optionalString(parsed, 'healthAuthorityID');
  if (healthAuthorityID === '') fail('healthAuthorityID is required');
  optionalString(parsed, 'padding');

  const onset = parsed.symptomOnsetInterval;
  const onsetValue = onset === undefined || onset === null ? 0 : int32(onset, 'symptomOnsetInterval');
  const traveler = parsed.traveler;
  if (traveler !== undefined && traveler !== null && typeof traveler !== 'boolean') fail('traveler must be a boolean');

  return {
    temporaryExposureKeys: keys.map((k, i) => parseKey(k, i)),
    healthAuthorityID,
    verificationPayload: optionalString(parsed, 'verificationPayload'),
    hmacKey: optionalString(parsed, 'hmacKey'),
    symptomOnsetInterval: onsetValue === 0 ? undefined : onsetValue,
    traveler: traveler === true,
    revisionToken: optionalString(parsed, 'revisionToken'),
  };
}
