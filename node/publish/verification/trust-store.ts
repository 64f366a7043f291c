import type { KeyObject } from 'node:crypto';
import { TtlCache } from '../../../core/cache/ttl-cache';
import type { Logger } from '../../../core/logging/logger';
import type { AuthorizedAppInfo, AuthorizedAppRepository } from '../apps/authorized-app.repository';
import type { HealthAuthorityRepository, StoredHealthAuthority } from '../authorities/health-authority.repository';
import { toVerifyKey } from '../authorities/public-key';

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

/** Every app and authority, as of one load. */
interface TrustSnapshot {
  apps: ReadonlyMap<string, AuthorizedAppInfo>;
  authorities: ReadonlyMap<string, TrustedAuthority>;
}

/**
 * The publish path's view of authorized apps and health authorities. Both tables are small (one row per app and
 * per verification server), so the whole of both is loaded at once and kept for `ttlMs`: a request naming an
 * unknown healthAuthorityID or iss, even a random one per request, costs no database lookup, and operator
 * changes apply within one TTL without a restart. Keys are parsed once per load.
 */
export class TrustStore {
  private readonly snapshot: TtlCache<'all', TrustSnapshot>;

  /** `repositories` gives fresh repositories per load (each on its own EntityManager fork). */
  constructor(
    repositories: { apps: () => AuthorizedAppRepository; authorities: () => HealthAuthorityRepository },
    ttlMs: number,
    private readonly logger: Logger,
  ) {
    this.snapshot = new TtlCache(async () => {
      const [apps, authorities] = await Promise.all([repositories.apps().list(), repositories.authorities().list()]);
      const trusted = await Promise.all(authorities.map((a) => this.trust(a)));
      return {
        apps: new Map(apps.map((a) => [a.name, a])),
        authorities: new Map(trusted.map((a) => [a.iss, a])),
      };
    }, ttlMs);
  }

  /** The app named by a request's healthAuthorityID (case-insensitive). */
  async app(healthAuthorityID: string): Promise<AuthorizedAppInfo | undefined> {
    return (await this.snapshot.get('all')).apps.get(healthAuthorityID.toLowerCase());
  }

  /** The authority whose iss is exactly `iss`. */
  async authority(iss: string): Promise<TrustedAuthority | undefined> {
    return (await this.snapshot.get('all')).authorities.get(iss);
  }

  private async trust(stored: StoredHealthAuthority): Promise<TrustedAuthority> {
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
        this.logger.warn(
          { healthAuthorityId: stored.id, version: k.version },
          'stored health authority key is unusable; skipped',
        );
      }
    }
    return { id: stored.id, iss: stored.iss, aud: stored.aud, keys };
  }
}
