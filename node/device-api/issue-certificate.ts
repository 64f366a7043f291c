import type pg from 'pg';
import { inTransaction } from '../../core/db/transaction';
import { intervalNumber } from '../../core/keys/intervals';
import type { SecretMac } from '../codes/secret-mac';
import { signCertificate } from './certificate-signer';
import { DeviceApiError, DEVICE_API_CODES } from './device-api-errors';
import type { CertificateSigningKey } from './keys/device-key.repository';
import { decodeTolerantBase64, parseBody } from './request-body';
import type { TokenRepository } from './token.repository';

/** HMAC-SHA256 output: the only length an `ekeyhmac` may have. */
const HMAC_BYTES = 32;
const TOKEN = /^[A-Za-z0-9_-]{64}$/;

export interface CertificateDeps {
  pool: pg.Pool;
  mac: SecretMac;
  tokens: TokenRepository;
  /** The key certificates are signed with now (cached); undefined when none exists. */
  signingKey: () => Promise<CertificateSigningKey | undefined>;
  certificateDurationSeconds: number;
  now: () => Date;
}

/**
 * `POST /api/certificate` (docs/device-api.md): a verification token and the app's HMAC of its keys for a
 * verification certificate signed by the node's own health-authority key, which the node's publish path trusts.
 * A token gives at most one certificate: it is locked, checked, and marked used in the transaction that signs.
 */
export async function issueCertificate(deps: CertificateDeps, body: string): Promise<{ certificate: string }> {
  const request = parseBody(
    body,
    { token: 'string', ekeyhmac: 'string', padding: 'string' },
    DEVICE_API_CODES.tokenInvalid,
  );
  const token = (request.token as string | undefined) ?? '';
  if (!TOKEN.test(token)) throw new DeviceApiError(400, DEVICE_API_CODES.tokenInvalid, 'invalid verification token');
  const ekeyhmac = (request.ekeyhmac as string | undefined) ?? '';
  const hmac = decodeTolerantBase64(ekeyhmac);
  if (!hmac || ekeyhmac === '') throw new DeviceApiError(400, DEVICE_API_CODES.hmacInvalid, 'ekeyhmac is not base64');
  if (hmac.length !== HMAC_BYTES) {
    throw new DeviceApiError(
      400,
      DEVICE_API_CODES.hmacInvalid,
      `ekeyhmac must be ${HMAC_BYTES} bytes, got ${hmac.length}`,
    );
  }
  const key = await deps.signingKey();
  if (!key) throw new Error('no device API signing key (enfed admin device-api key create)');

  const now = deps.now();
  const tokenMac = deps.mac.mac('device-token', token);
  return inTransaction(deps.pool, async (client) => {
    const stored = await deps.tokens.lock(client, tokenMac);
    if (!stored) throw new DeviceApiError(400, DEVICE_API_CODES.tokenInvalid, 'invalid verification token');
    if (stored.usedAt !== null || stored.expiresAt.getTime() <= now.getTime())
      throw new DeviceApiError(400, DEVICE_API_CODES.tokenExpired, 'verification token expired');
    const certificate = signCertificate(
      key,
      {
        reportType: stored.testType,
        ...(stored.symptomDate === null
          ? {}
          : { symptomOnsetInterval: intervalNumber(new Date(`${stored.symptomDate}T00:00:00Z`)) }),
        tekmac: ekeyhmac,
      },
      now,
      deps.certificateDurationSeconds,
    );
    await deps.tokens.markUsed(client, tokenMac, now);
    return { certificate };
  });
}
