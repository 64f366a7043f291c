import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Debian's SoftHSM2 PKCS#11 library (package softhsm2; scripts/ensure-test-services.sh installs it). */
export const SOFTHSM_LIBRARY = '/usr/lib/softhsm/libsofthsm2.so';

/** A SoftHSM2 token initialised in its own temporary directory, for one test file. */
export interface SoftHsmToken {
  label: string;
  /** The user PIN (a test fixture, not a secret). */
  pin: string;
  /** PKCS11_* settings naming it; the PIN through `env:` + `pinEnv`. */
  env: Record<string, string>;
  destroy(): void;
}

/**
 * Initialises a fresh token with softhsm2-util in a temporary directory and points SOFTHSM2_CONF at its config in
 * this process (the library reads it when it is initialised), so no test touches the machine's own tokens.
 */
export function createSoftHsmToken(label = 'enfed-test'): SoftHsmToken {
  const dir = mkdtempSync(join(tmpdir(), 'enfed-softhsm-'));
  mkdirSync(join(dir, 'tokens'));
  const conf = join(dir, 'softhsm2.conf');
  writeFileSync(conf, `directories.tokendir = ${dir}/tokens\nobjectstore.backend = file\nlog.level = ERROR\n`);
  process.env.SOFTHSM2_CONF = conf;
  const pin = '246810';
  execFileSync('softhsm2-util', ['--init-token', '--free', '--label', label, '--pin', pin, '--so-pin', '13579'], {
    env: { ...process.env, SOFTHSM2_CONF: conf },
    stdio: 'ignore',
  });
  return {
    label,
    pin,
    env: {
      PKCS11_LIBRARY: SOFTHSM_LIBRARY,
      PKCS11_TOKEN_LABEL: label,
      PKCS11_PIN: 'env:ENFED_TEST_HSM_PIN',
      ENFED_TEST_HSM_PIN: pin,
    },
    destroy: () => rmSync(dir, { recursive: true, force: true }),
  };
}
