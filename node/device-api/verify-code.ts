import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { inTransaction } from '../../core/db/transaction';
import type { CodeServices } from '../codes/code-services';
import { normalizeCode } from '../codes/code-format';
import type { ClaimedCode } from '../codes/one-time-code.repository';
import { acceptedTestTypes } from './accept-types';
import { DeviceApiError, DEVICE_API_CODES } from './device-api-errors';
import { decodeTolerantBase64, parseBody } from './request-body';
import type { TokenRepository } from './token.repository';

/** Verification tokens: 48 random bytes, base64url (64 characters); stored only as a MAC. */
const TOKEN_BYTES = 48;

export interface VerifyDeps {
  pool: pg.Pool;
  codes: CodeServices;
  tokens: TokenRepository;
  tokenDurationSeconds: number;
  now: () => Date;
}

/** The answer of a successful verify. */
export interface VerifyResult {
  testtype: string;
  symptomDate?: string;
  token: string;
}

/** Thrown inside the claim transaction to undo it: the code's type is not one the app accepts. */
class NotAccepted extends Error {}

/**
 * `POST /api/verify` (docs/device-api.md): a one-time code, the same codes `/claim-key` takes, for a short-lived
 * verification token. The client's ban is checked first (429); an unknown or expired code counts as a failed claim,
 * as on `/claim-key`. A code whose test type the app does not accept is 412 and stays usable. The code is consumed
 * and the token stored in one transaction.
 */
export async function verifyCode(deps: VerifyDeps, clientKey: string, body: string): Promise<VerifyResult> {
  const request = parseBody(
    body,
    { code: 'string', accept: 'string[]', nonce: 'string', padding: 'string' },
    DEVICE_API_CODES.unparsableRequest,
  );
  const accepted = acceptedTestTypes(request.accept as string[] | undefined);
  const nonce = request.nonce as string | undefined;
  if (nonce !== undefined && decodeTolerantBase64(nonce) === undefined)
    throw new DeviceApiError(400, DEVICE_API_CODES.unparsableRequest, 'nonce is not base64');

  const { limiter } = deps.codes;
  const standing = await limiter.standing(clientKey);
  if (standing.banned) {
    const wait = Math.ceil(standing.banRemainingMs / 1000);
    throw new DeviceApiError(429, DEVICE_API_CODES.rateLimited, 'too many failed attempts; try later', wait);
  }

  const now = deps.now();
  const code = normalizeCode((request.code as string | undefined) ?? '');
  const token = randomBytes(TOKEN_BYTES).toString('base64url');
  let claimed: ClaimedCode | 'expired' | undefined;
  try {
    claimed = await inTransaction(deps.pool, async (client) => {
      const found =
        code === '' ? undefined : await deps.codes.codes.claim(client, deps.codes.mac.mac('code', code), now);
      if (found === undefined || found === 'expired') return found;
      if (!accepted.has(found.testType)) throw new NotAccepted();
      await deps.tokens.insert(client, {
        tokenMac: deps.codes.mac.mac('device-token', token),
        testType: found.testType,
        symptomDate: found.symptomDate,
        expiresAt: new Date(now.getTime() + deps.tokenDurationSeconds * 1000),
      });
      return found;
    });
  } catch (err) {
    if (err instanceof NotAccepted)
      throw new DeviceApiError(412, DEVICE_API_CODES.unsupportedTestType, 'the app does not accept this test type');
    throw err;
  }
  if (claimed === undefined || claimed === 'expired') {
    await limiter.recordFailure(clientKey);
    throw claimed === 'expired'
      ? new DeviceApiError(400, DEVICE_API_CODES.codeExpired, 'verification code expired')
      : new DeviceApiError(400, DEVICE_API_CODES.codeInvalid, 'verification code invalid');
  }
  await limiter.reset(clientKey);
  return {
    testtype: claimed.testType,
    ...(claimed.symptomDate === null ? {} : { symptomDate: claimed.symptomDate }),
    token,
  };
}
