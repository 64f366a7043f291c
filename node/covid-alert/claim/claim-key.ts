import nacl from 'tweetnacl';
import type pg from 'pg';
import { inTransaction } from '../../../core/db/transaction';
import { utcMidnight } from '../../../core/keys/intervals';
import type { SecretSealer } from '../../../core/secrets/secret-sealer';
import type { CodeServices } from '../../codes/code-services';
import { normalizeCode } from '../../codes/code-format';
import { covidShieldProto, decodeMessage, KEY_CLAIM_ERROR } from '../covidshield.proto';
import { KeyPairRepository } from './key-pair.repository';

/** Curve25519 public keys are 32 bytes. */
const KEY_LENGTH = 32;

export interface ClaimKeyDeps {
  pool: pg.Pool;
  codes: CodeServices;
  keyPairs: KeyPairRepository;
  sealer: SecretSealer;
  /** Keys a key pair may upload (COVID_ALERT_KEY_BUDGET). */
  keyBudget: number;
  validitySeconds: number;
  now: () => Date;
}

/** A KeyClaimResponse to send, with its HTTP status and the outcome counted in metrics. */
export interface ClaimKeyAnswer {
  status: number;
  outcome: string;
  response: {
    error?: number;
    serverPublicKey?: Uint8Array;
    triesRemaining?: number;
    remainingBanDuration?: { seconds: number };
  };
}

const answer = (status: number, outcome: string, response: ClaimKeyAnswer['response']): ClaimKeyAnswer => ({
  status,
  outcome,
  response,
});

/**
 * `POST /claim-key` (docs/covid-alert-protocol.md): a phone exchanges a one-time code and its Curve25519 public
 * key for a server key pair made for this claim. The order of checks and the answers are the reference's: the
 * client's ban first (429), then the request (400 UNKNOWN / INVALID_KEY), a registered app key (401 INVALID_KEY,
 * not counted), then the code (401 INVALID_ONE_TIME_CODE, counted). The code is consumed and the key pair stored in
 * one transaction, so a failure after the claim leaves the code usable.
 */
export async function claimKey(
  deps: ClaimKeyDeps,
  clientKey: string,
  readBody: () => Promise<Buffer>,
): Promise<ClaimKeyAnswer> {
  const { limiter } = deps.codes;
  const standing = await limiter.standing(clientKey);
  const tries = standing.triesRemaining;
  if (standing.banned) {
    return answer(429, 'banned', {
      error: KEY_CLAIM_ERROR.TEMPORARY_BAN,
      triesRemaining: 0,
      remainingBanDuration: { seconds: Math.ceil(standing.banRemainingMs / 1000) },
    });
  }
  let body: Buffer;
  try {
    body = await readBody();
  } catch {
    return answer(400, 'unreadable', { error: KEY_CLAIM_ERROR.UNKNOWN, triesRemaining: tries });
  }
  const { KeyClaimRequest } = covidShieldProto();
  const request = decodeMessage(KeyClaimRequest, body) as
    | { oneTimeCode?: string; appPublicKey?: Uint8Array }
    | undefined;
  if (!request) return answer(400, 'bad_protobuf', { error: KEY_CLAIM_ERROR.UNKNOWN, triesRemaining: tries });
  const appPublicKey = Buffer.from(request.appPublicKey ?? []);
  if (appPublicKey.length !== KEY_LENGTH)
    return answer(400, 'invalid_key', { error: KEY_CLAIM_ERROR.INVALID_KEY, triesRemaining: tries });
  if (await deps.keyPairs.appKeyRegistered(appPublicKey))
    return answer(401, 'key_reused', { error: KEY_CLAIM_ERROR.INVALID_KEY, triesRemaining: tries });

  const now = deps.now();
  const code = normalizeCode(request.oneTimeCode ?? '');
  const outcome = await inTransaction(deps.pool, async (client) => {
    const claimed =
      code === '' ? undefined : await deps.codes.codes.claim(client, deps.codes.mac.mac('code', code), now);
    if (claimed === undefined || claimed === 'expired') return 'invalid_code' as const;
    const pair = nacl.box.keyPair();
    // The key pair's validity (and the budget's) runs from UTC midnight of the code's issue day, as the
    // reference's does, so the stored times say no more than the day.
    const validFrom = utcMidnight(claimed.createdAt);
    const stored = await deps.keyPairs.insert(client, {
      serverPublicKey: Buffer.from(pair.publicKey),
      serverPrivateKeySealed: await deps.sealer.seal(Buffer.from(pair.secretKey)),
      appPublicKey,
      region: claimed.region,
      testType: claimed.testType,
      symptomDate: claimed.symptomDate,
      remainingKeys: deps.keyBudget,
      validFrom,
      expiresAt: new Date(validFrom.getTime() + deps.validitySeconds * 1000),
    });
    if (!stored) throw new AppKeyTaken();
    return { serverPublicKey: pair.publicKey };
  }).catch((err: unknown) => {
    if (err instanceof AppKeyTaken) return 'key_reused' as const;
    throw err;
  });

  if (outcome === 'key_reused')
    return answer(401, 'key_reused', { error: KEY_CLAIM_ERROR.INVALID_KEY, triesRemaining: tries });
  if (outcome === 'invalid_code') {
    const after = await limiter.recordFailure(clientKey);
    return answer(401, 'invalid_code', {
      error: KEY_CLAIM_ERROR.INVALID_ONE_TIME_CODE,
      triesRemaining: after.triesRemaining,
      remainingBanDuration: { seconds: Math.ceil(after.banRemainingMs / 1000) },
    });
  }
  await limiter.reset(clientKey);
  return answer(200, 'claimed', {
    serverPublicKey: outcome.serverPublicKey,
    triesRemaining: limiter.fresh.triesRemaining,
  });
}

/** The app key was registered by a concurrent claim: the transaction rolls back, the code stays usable. */
class AppKeyTaken extends Error {}
