import { createHmac, timingSafeEqual } from 'node:crypto';

const HMAC_HEX = /^[0-9a-fA-F]{64}$/;

/**
 * The reference's retrieve authentication: the app proves it was built with the retrieve key by sending
 * HMAC-SHA256(key, `<region>:<day>:<hour>`) in the URL, `<day>` as written in the URL and `<hour>` the Unix hour.
 * The current hour and its neighbours are accepted (clock skew), compared in constant time.
 */
export class RetrieveHmac {
  private readonly key: Buffer;

  constructor(keyHex: string) {
    this.key = Buffer.from(keyHex, 'hex');
  }

  /** The MAC an app sends for `region` and `day` in `hour`. */
  mac(region: string, day: string, hour: number): Buffer {
    return createHmac('sha256', this.key).update(`${region}:${day}:${hour}`, 'utf8').digest();
  }

  verify(region: string, day: string, hmacHex: string, now: Date): boolean {
    if (!HMAC_HEX.test(hmacHex)) return false;
    const given = Buffer.from(hmacHex, 'hex');
    const hour = Math.floor(now.getTime() / 3_600_000);
    let ok = false;
    for (const h of [hour - 1, hour, hour + 1]) ok = timingSafeEqual(this.mac(region, day, h), given) || ok;
    return ok;
  }
}
