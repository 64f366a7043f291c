import { createHmac, timingSafeEqual } from 'node:crypto';
import type { PublishKeyInput } from '../request/publish-request';

/**
 * The text the `tekmac` claim MACs: keys sorted by their base64 text (ordinary string order), each as
 * `key.rollingStartNumber.rollingPeriod[.transmissionRisk]`, joined with commas.
 */
export function tekmacText(keys: readonly PublishKeyInput[], withRisk: boolean): string {
  return [...keys]
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((k) =>
      withRisk
        ? `${k.key}.${k.rollingStartNumber}.${k.rollingPeriod}.${k.transmissionRisk}`
        : `${k.key}.${k.rollingStartNumber}.${k.rollingPeriod}`,
    )
    .join(',');
}

/** HMAC-SHA256 of the text under `secret`. */
export function computeTekmac(keys: readonly PublishKeyInput[], secret: Buffer, withRisk = true): Buffer {
  return createHmac('sha256', secret).update(tekmacText(keys, withRisk), 'utf8').digest();
}

function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * True when `claimed` is the MAC of these keys: the four-part form, or the three-part form when every
 * transmission risk is 0. Compared in constant time.
 */
export function tekmacMatches(keys: readonly PublishKeyInput[], secret: Buffer, claimed: Buffer): boolean {
  if (sameBytes(computeTekmac(keys, secret, true), claimed)) return true;
  return keys.every((k) => k.transmissionRisk === 0) && sameBytes(computeTekmac(keys, secret, false), claimed);
}
