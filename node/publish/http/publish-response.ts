import { randomBytes, randomInt } from 'node:crypto';
import type { Context } from 'koa';

/** Every publish answer carries this header (reference server protocol version). */
export const API_VERSION = 'v1';

/**
 * Random base64 of 1–2 KB, added to every answer (success and error) so that the response size does
 * not tell an observer whether a phone uploaded keys.
 */
export function responsePadding(): string {
  return randomBytes(randomInt(768, 1537)).toString('base64');
}

/** Writes a publish answer: JSON, `x-api-version: v1`, never cached, always padded. */
export function writePublishResponse(ctx: Context, status: number, body: Record<string, unknown>): void {
  ctx.status = status;
  ctx.set('x-api-version', API_VERSION);
  ctx.set('cache-control', 'no-store');
  ctx.body = { ...body, padding: responsePadding() };
}
