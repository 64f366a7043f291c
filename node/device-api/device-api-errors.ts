/** Error codes of the reference verification server's device API that enfed answers with. */
export const DEVICE_API_CODES = {
  unparsableRequest: 'unparsable_request',
  internalServerError: 'internal_server_error',
  codeInvalid: 'code_invalid',
  codeExpired: 'code_expired',
  unsupportedTestType: 'unsupported_test_type',
  invalidTestType: 'invalid_test_type',
  tokenInvalid: 'token_invalid',
  tokenExpired: 'token_expired',
  hmacInvalid: 'hmac_invalid',
  /** enfed's own: too many failed claims from this client (429). */
  rateLimited: 'rate_limited',
  /** enfed's own: the claims counter (Redis) is unreachable (503). */
  unavailable: 'unavailable',
} as const;

/** A device API answer that is an error: status, the reference's error code and a message. */
export class DeviceApiError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    message: string,
    /** Seconds to wait before retrying (Retry-After), for bans. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'DeviceApiError';
  }
}
