import { randomInt } from 'node:crypto';

/**
 * Code formats (docs/one-time-codes.md): `alert` is COVID Alert's 10 characters in groups of 3, 3 and 4, each
 * group drawn wholly from letters or wholly from digits that cannot be mistaken for one another; `shield` is
 * COVID Shield's 8 decimal digits.
 */
export const CODE_FORMATS = ['alert', 'shield'] as const;
export type CodeFormat = (typeof CODE_FORMATS)[number];

/** COVID Alert's alphabets: no B C D G I M N O P T V, no 0 1 3. */
export const ALERT_LETTERS = 'AEFHJKLQRSUWXYZ';
export const ALERT_DIGITS = '2456789';
const ALERT_GROUPS = [3, 3, 4];
const SHIELD_DIGITS = 8;

function draw(alphabet: string, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}

/** A fresh code (crypto-random, uniform within the format). */
export function generateCode(format: CodeFormat): string {
  if (format === 'shield') return String(randomInt(10 ** SHIELD_DIGITS)).padStart(SHIELD_DIGITS, '0');
  return ALERT_GROUPS.map((length) => draw(randomInt(2) === 0 ? ALERT_LETTERS : ALERT_DIGITS, length)).join('');
}

/**
 * A code as typed into an app, in the form it was issued: spaces and hyphens (which apps show as separators)
 * removed, as COVID Alert does, and upper-cased (the alphabets have no lower-case letters, so nothing collides).
 */
export function normalizeCode(text: string): string {
  return text.replace(/[\s-]/g, '').toUpperCase();
}
