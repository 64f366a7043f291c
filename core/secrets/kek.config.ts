import { z } from 'zod';
import { configRule } from '../config/config-section';
import { parseSecretReference, type SecretReference } from './secret-reference';

/** A setting holding a secret reference (env:, file:, secret://…), checked when the configuration is parsed. */
export const secretReference = () =>
  z
    .string()
    .optional()
    .transform((value, ctx): SecretReference | undefined => {
      if (value === undefined) return undefined;
      const parsed = parseSecretReference(value);
      if ('problem' in parsed) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: parsed.problem });
        return z.NEVER;
      }
      return parsed;
    });

/**
 * The key-encryption key (docs/secrets.md), shared by every process of a server (it is part of the common
 * settings, since admin commands seal and open secrets too). Both are references, resolved once at start-up;
 * the values are never echoed in configuration problems.
 */
export const kekSettings = {
  /** Where the KEK is: `env:NAME`, `file:/path`, `secret://env/NAME` or `secret://file/path`. Unset: no sealing. */
  KEK: secretReference(),
  /** A previous KEK still accepted for opening (during a rotation, until `enfed admin kek rewrap` has run). */
  KEK_PREVIOUS: secretReference(),
};

/** KEK_PREVIOUS only makes sense beside a current KEK. */
export const kekRules = [
  configRule<{ KEK?: SecretReference; KEK_PREVIOUS?: SecretReference }>(['KEK', 'KEK_PREVIOUS'], (c) =>
    c.KEK_PREVIOUS !== undefined && c.KEK === undefined ? 'KEK_PREVIOUS is set but KEK is not' : undefined,
  ),
];
