import type { KeyObject } from 'node:crypto';
import type { Logger } from '../../../core/logging/logger';
import type { AuthorizedAppInfo, AuthorizedAppRepository } from '../apps/authorized-app.repository';
import type { HealthAuthorityRepository } from '../authorities/health-authority.repository';
import { toVerifyKey } from '../authorities/public-key';
import { TtlCache } from '../../../core/cache/ttl-cache';

/** A public key of an authority, ready for `crypto.verify`. */
export interface TrustedKey {
  key: KeyObject;
  fromMs: number;
  thruMs: number | null;
}

/** A health authority as the verifier sees it: audience and keys by version (= JWS `kid`). */
export interface TrustedAuthority {
  id: number;
  iss: string;
  aud: string;
  keys: ReadonlyMap<string, TrustedKey>;
}

/**
 * The publish path's view of authorized apps and health authorities, cached for `ttlMs` so that the hot
 * path does no database lookup and no key parsing, while operator changes apply within one TTL.
 */
export class TrustStore {
  private readonly apps: TtlCache<string, AuthorizedAppInfo | undefined>;
  private readonly authorities: TtlCache<string, TrustedAuthority | undefined>;

  /** `repositories` gives fresh repositories per load (each on its own EntityManager fork). */
  constructor(
    repositories: { apps: () => AuthorizedAppRepository; authorities: () => HealthAuthorityRepository },
    ttlMs: number,
    logger: Logger,
  ) {
    this.apps = new TtlCache((name) => repositories.apps().find(name), ttlMs);
    this.authorities = new TtlCache(async (iss) => {
      const stored = await repositories.authorities().find(iss);
      if (!stored) return undefined;
      const keys = new Map<string, TrustedKey>();
      for (const k of stored.keys) {
        try {
          keys.set(k.version, {
            key: await toVerifyKey(k.publicKeyPem),
            fromMs: k.from.getTime(),
            thruMs: k.thru?.getTime() ?? null,
          });
        } catch {
          // One unusable stored key must not take the authority's other keys down with it.
          logger.warn(
            { healthAuthorityId: stored.id, version: k.version },
            'stored health authority key is unusable; skipped',
          );
        }
      }
      return { id: stored.id, iss: stored.iss, aud: stored.aud, keys };
    }, ttlMs);
  }

  /** The app named by a request's healthAuthorityID (case-insensitive). */
  app(healthAuthorityID: string): Promise<AuthorizedAppInfo | undefined> {
    return this.apps.get(healthAuthorityID.toLowerCase());
  }

  /** The authority whose iss is exactly `iss`. */
  authority(iss: string): Promise<TrustedAuthority | undefined> {
    return this.authorities.get(iss);
  }
}
