import type { RevisionKeyRepository } from './revision-key.repository';
import {
  openRevisionToken,
  revisionTokenKid,
  encodeRevisionToken,
  type RevisableKey,
  type RevisionKey,
} from './revision-token';

/** How often an unknown kid may trigger a reload, so that forged tokens cannot hammer the database. */
const MISS_RELOAD_MS = 1000;

/**
 * The revision-token keys of this node, cached for `ttlMs`: the newest seals new tokens, any key not yet
 * destroyed opens them. Keys created or destroyed by the rotation job (on any replica) apply within a TTL.
 */
export class RevisionKeyRing {
  private keys: RevisionKey[] = [];
  private loadedAt = 0;
  private loading: Promise<void> | undefined;

  constructor(
    private readonly repository: RevisionKeyRepository,
    private readonly ttlMs: number,
    /** Called when no key exists at all (the rotation job has not run yet). */
    private readonly ensureKey: () => Promise<unknown>,
  ) {}

  private reload(): Promise<void> {
    this.loading ??= this.repository
      .load()
      .then((keys) => {
        this.keys = keys;
        this.loadedAt = Date.now();
      })
      .finally(() => {
        this.loading = undefined;
      });
    return this.loading;
  }

  private async fresh(): Promise<RevisionKey[]> {
    if (Date.now() - this.loadedAt >= this.ttlMs) await this.reload();
    return this.keys;
  }

  /** Seals `keys` into a token with the newest key. */
  async seal(keys: readonly RevisableKey[]): Promise<string> {
    let newest = (await this.fresh())[0];
    if (!newest) {
      await this.ensureKey();
      await this.reload();
      newest = this.keys[0];
      if (!newest) throw new Error('no revision token key available');
    }
    return encodeRevisionToken(keys, newest);
  }

  /** Opens a token; undefined when it is malformed, names no live key, or does not authenticate. */
  async open(token: string): Promise<RevisableKey[] | undefined> {
    const sealed = revisionTokenKid(token);
    if (!sealed) return undefined;
    let key = (await this.fresh()).find((k) => k.kid === sealed.kid);
    if (!key && Date.now() - this.loadedAt >= MISS_RELOAD_MS) {
      await this.reload();
      key = this.keys.find((k) => k.kid === sealed.kid);
    }
    return key ? openRevisionToken(sealed, key) : undefined;
  }
}
