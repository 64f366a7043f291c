import { z } from 'zod';

/** Raised at start-up when environment variables are missing or malformed; lists every problem at once. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Whole seconds, written as `90`, `90s`, `15m`, `2h` or `14d`. */
export const duration = (fallbackSeconds: number) =>
  z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined) return fallbackSeconds;
      const match = /^(\d+)(s|m|h|d)?$/.exec(value.trim());
      if (!match) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'expected a duration such as 30s, 15m, 1h or 14d' });
        return z.NEVER;
      }
      const unit = { s: 1, m: 60, h: 3600, d: 86400 }[(match[2] as 's' | 'm' | 'h' | 'd' | undefined) ?? 's'];
      return Number(match[1]) * unit;
    });

/** A whole number in [min, max]. */
export const integer = (fallback: number, min: number, max: number) =>
  z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined) return fallback;
      const n = Number(value);
      if (!Number.isInteger(n) || n < min || n > max) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: `expected a whole number from ${min} to ${max}` });
        return z.NEVER;
      }
      return n;
    });

/** `true`/`false` (also 1/0, yes/no). */
export const flag = (fallback: boolean) =>
  z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined) return fallback;
      const v = value.toLowerCase();
      if (['true', '1', 'yes'].includes(v)) return true;
      if (['false', '0', 'no'].includes(v)) return false;
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'expected true or false' });
      return z.NEVER;
    });

/** A comma-separated list, trimmed, empty entries dropped. */
export const list = (fallback: string[]) =>
  z
    .string()
    .optional()
    .transform((value) =>
      value === undefined
        ? fallback
        : value
            .split(',')
            .map((s) => s.trim())
            .filter((s) => s.length > 0),
    );

/** A URL with one of the given protocols. */
export const url = (fallback: string, protocols: string[]) =>
  z
    .string()
    .optional()
    .transform((value, ctx) => {
      const v = value ?? fallback;
      try {
        const parsed = new URL(v);
        if (!protocols.includes(parsed.protocol)) throw new Error('protocol');
        return v;
      } catch {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: `expected a ${protocols.join(' or ')} URL` });
        return z.NEVER;
      }
    });
