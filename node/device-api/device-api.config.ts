import { z } from 'zod';
import { configSection, type ConfigOf } from '../../core/config/config-section';
import { duration, list } from '../../core/config/env';

/** Environment of the device API (docs/device-api.md). Defaults are the reference verification server's. */
export const deviceApiConfig = configSection({
  /**
   * Secret. API keys apps must send as X-API-Key, comma-separated; unset: no API key is asked for (the one-time
   * codes are the secret, and their claims are counted and banned per client).
   */
  DEVICE_API_KEYS: list([]).pipe(z.array(z.string().min(16, 'each API key needs at least 16 characters'))),
  /** How long a verification token from /api/verify can be exchanged for a certificate (reference: 24 h). */
  VERIFICATION_TOKEN_DURATION: duration(86400),
  /** How long a certificate is valid (reference: 15 min). */
  CERTIFICATE_DURATION: duration(900),
  /**
   * A newly created signing key signs certificates only after it has been trusted this long, so that every
   * replica's publish path (which caches trusted keys for PUBLISH_CACHE_TTL) knows it first.
   */
  DEVICE_API_KEY_ACTIVATION_DELAY: duration(60),
  /** How often expired verification tokens are deleted. */
  DEVICE_API_CLEANUP_INTERVAL: duration(300),
});

export type DeviceApiConfig = ConfigOf<typeof deviceApiConfig>;
