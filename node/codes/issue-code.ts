import { BadRequestError } from '../../core/errors/app-error';
import { utcMidnight } from '../../core/keys/intervals';
import { KEY_LIMITS } from '../../core/keys/key-limits';
import { generateCode, type CodeFormat } from './code-format';
import { CODE_TEST_TYPES, type CodeTestType, type OneTimeCodeRepository } from './one-time-code.repository';
import type { SecretMac } from './secret-mac';

/** Draws before giving up on a free code (the reference: 5). */
const MAX_DRAWS = 5;
const DAY_MS = 86_400_000;

export interface IssueDeps {
  codes: OneTimeCodeRepository;
  mac: SecretMac;
  format: CodeFormat;
  lifetimeSeconds: number;
  now: () => Date;
}

/** What a code grants, as the case worker's system asks for it. */
export interface CodeRequest {
  region: string;
  testType: CodeTestType;
  symptomDate: string | null;
  /** `/new-key-claim/{hashID}`: at most one live code per hashed ID. */
  hashId?: string;
}

/**
 * Issues a one-time code: draws a code, stores its MAC (never the code), returns the code once. Draws again when
 * the code is taken; `hash_id_claimed` when the hashed ID's code was claimed already (403).
 */
export async function issueCode(deps: IssueDeps, request: CodeRequest): Promise<{ code: string } | 'hash_id_claimed'> {
  const now = deps.now();
  for (let draw = 0; draw < MAX_DRAWS; draw++) {
    const code = generateCode(deps.format);
    const outcome = await deps.codes.issue({
      codeMac: deps.mac.mac('code', code),
      region: request.region,
      testType: request.testType,
      symptomDate: request.symptomDate,
      hashIdMac: request.hashId === undefined ? null : deps.mac.mac('hash-id', request.hashId),
      createdAt: now,
      expiresAt: new Date(now.getTime() + deps.lifetimeSeconds * 1000),
    });
    if (outcome === 'issued') return { code };
    if (outcome === 'hash_id_claimed') return outcome;
  }
  throw new Error(`no free one-time code after ${MAX_DRAWS} draws`);
}

/**
 * enfed's own addition to `/new-key-claim`: an optional JSON body `{"testType": "confirmed"|"likely",
 * "symptomDate": "YYYY-MM-DD"}` that the device API hands on (the reference ignores the body; so does enfed when
 * it is empty). The symptom date may be at most 28 days old and not in the future.
 */
export function parseCodeOptions(body: string, now: Date): { testType: CodeTestType; symptomDate: string | null } {
  if (body.trim() === '') return { testType: 'confirmed', symptomDate: null };
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    throw new BadRequestError('the body must be empty or a JSON object');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new BadRequestError('the body must be empty or a JSON object');
  const { testType, symptomDate, ...rest } = value as Record<string, unknown>;
  if (Object.keys(rest).length > 0) throw new BadRequestError('only testType and symptomDate are allowed');
  if (testType !== undefined && !(CODE_TEST_TYPES as readonly unknown[]).includes(testType))
    throw new BadRequestError(`testType must be one of ${CODE_TEST_TYPES.join(', ')}`);
  if (symptomDate !== undefined && symptomDate !== null && !isRecentDate(symptomDate, now))
    throw new BadRequestError('symptomDate must be a YYYY-MM-DD date within the last 28 days');
  return {
    testType: (testType as CodeTestType | undefined) ?? 'confirmed',
    symptomDate: (symptomDate as string | null | undefined) ?? null,
  };
}

function isRecentDate(value: unknown, now: Date): value is string {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  if (Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== value) return false;
  const today = utcMidnight(now).getTime();
  return date.getTime() <= today && date.getTime() >= today - KEY_LIMITS.MAX_SYMPTOM_ONSET_AGE_DAYS * DAY_MS;
}
