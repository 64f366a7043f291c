import { z } from 'zod';
import { configRule } from '../config/config-section';
import { secretReference } from '../secrets/kek.config';
import type { SecretReference } from '../secrets/secret-reference';

/**
 * The PKCS#11 token export signing keys may live in (docs/secrets.md): any HSM with a PKCS#11 library (cloud HSMs,
 * Luna, YubiHSM, SoftHSM2 for tests). Part of the common settings: the export component of node and hub signs with
 * it, and `enfed admin signing-key create --hsm` creates keys in it.
 */
export const pkcs11Settings = {
  /** Path of the vendor's PKCS#11 library (e.g. /usr/lib/softhsm/libsofthsm2.so). Unset: no HSM. */
  PKCS11_LIBRARY: z.string().optional(),
  /** Label of the token (slot) holding the keys. */
  PKCS11_TOKEN_LABEL: z.string().optional(),
  /** The user PIN, as a secret reference (env:NAME, file:/path, secret://…), resolved once at start-up. */
  PKCS11_PIN: secretReference(),
};

interface Pkcs11Values {
  PKCS11_LIBRARY?: string;
  PKCS11_TOKEN_LABEL?: string;
  PKCS11_PIN?: SecretReference;
}

/** The three go together. */
export const pkcs11Rules = [
  configRule<Pkcs11Values>(['PKCS11_LIBRARY', 'PKCS11_TOKEN_LABEL', 'PKCS11_PIN'], (c) => {
    const set = [c.PKCS11_LIBRARY, c.PKCS11_TOKEN_LABEL, c.PKCS11_PIN].filter((v) => v !== undefined).length;
    return set === 0 || set === 3
      ? undefined
      : 'PKCS11_LIBRARY, PKCS11_TOKEN_LABEL and PKCS11_PIN are set together (or none of them)';
  }),
];
