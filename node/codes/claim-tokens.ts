import { createHash, timingSafeEqual } from 'node:crypto';
import { REGION_CODE } from '../../core/keys/regions';

/** Token lengths the reference accepts (COVID Alert: at least 20, both servers: at most 63). */
const MIN_TOKEN_LENGTH = 20;
const MAX_TOKEN_LENGTH = 63;

interface TokenEntry {
  digest: Buffer;
  region: string;
}

/**
 * The bearer tokens that may ask for one-time codes, each bound to the region its codes (and the keys uploaded
 * with them) get. Only SHA-256 digests are held, and a presented token is compared against every entry in
 * constant time, so neither the answer time nor an early exit tells which token, or how much of one, matched.
 */
export class ClaimTokens {
  private constructor(private readonly entries: readonly TokenEntry[]) {}

  /**
   * Parses NEW_KEY_CLAIM_TOKENS as the reference's KEY_CLAIM_TOKEN: `token=REGION` pairs separated by `:`, each
   * split at its first `=`. Returns the tokens, or the problems (never quoting a token).
   */
  static parse(text: string): { tokens?: ClaimTokens; problems: string[] } {
    const problems: string[] = [];
    const entries: TokenEntry[] = [];
    const pairs = text.split(':').filter((p) => p.trim().length > 0);
    if (pairs.length === 0) problems.push('no token=REGION pair');
    const seen = new Set<string>();
    pairs.forEach((pair, index) => {
      const at = pair.indexOf('=');
      const token = at < 0 ? '' : pair.slice(0, at).trim();
      const region =
        at < 0
          ? ''
          : pair
              .slice(at + 1)
              .trim()
              .toUpperCase();
      const where = `pair ${index + 1}`;
      if (at < 0) return problems.push(`${where}: expected token=REGION`);
      if (token.length < MIN_TOKEN_LENGTH || token.length > MAX_TOKEN_LENGTH || /[\s\u0000-\u001f\u007f]/.test(token))
        return problems.push(
          `${where}: the token must be ${MIN_TOKEN_LENGTH}–${MAX_TOKEN_LENGTH} printable characters`,
        );
      if (!REGION_CODE.test(region)) return problems.push(`${where}: region must be 1–32 of A-Z 0-9 _ -`);
      if (seen.has(token)) return problems.push(`${where}: the same token twice`);
      seen.add(token);
      entries.push({ digest: digest(token), region });
    });
    return problems.length > 0 ? { problems } : { tokens: new ClaimTokens(entries), problems };
  }

  /** The region of the bearer token in an `Authorization` header, or undefined (missing, malformed, unknown). */
  regionFor(authorization: string | undefined): string | undefined {
    if (authorization === undefined) return undefined;
    const space = authorization.indexOf(' ');
    // As the reference: the scheme is exactly "Bearer", the rest exactly a configured token.
    if (space < 0 || authorization.slice(0, space) !== 'Bearer') return undefined;
    const given = digest(authorization.slice(space + 1));
    let region: string | undefined;
    for (const entry of this.entries) {
      if (timingSafeEqual(entry.digest, given) && region === undefined) region = entry.region;
    }
    return region;
  }
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}
