import { createPublicKey, randomBytes } from 'node:crypto';
import pkcs11js from 'pkcs11js';
import { describeSecretReference, resolveSecretReference, type SecretReference } from '../secrets/secret-reference';
import { p256SpkiFromEcPoint, P256_EC_PARAMS, rawEcdsaToDer } from './ecdsa-encoding';
import { acquirePkcs11Module } from './pkcs11-module';
import { p256PublicKeyPem } from './p256-key';

/** What opens a token: the PKCS11_* settings. */
export interface Pkcs11Settings {
  PKCS11_LIBRARY?: string;
  PKCS11_TOKEN_LABEL?: string;
  PKCS11_PIN?: SecretReference;
}

/**
 * One logged-in session on the PKCS#11 token that holds export signing keys. Keys are found by CKA_LABEL; private
 * keys are created sensitive and not extractable, so they never leave the token. Signing is CKM_ECDSA over a
 * SHA-256 digest computed in this process (the file streams through node's hash; only 32 bytes go to the token),
 * and the token's r ‖ s becomes the DER signature export.sig carries. Operations on the session are serialised (a
 * session runs one signing operation at a time) and run on libuv's pool, not on the event loop.
 */
export class Pkcs11Token {
  private queue: Promise<unknown> = Promise.resolve();
  private readonly keys = new Map<string, Buffer>();

  private constructor(
    private readonly module: pkcs11js.PKCS11,
    private readonly session: Buffer,
    private readonly release: () => void,
    readonly tokenLabel: string,
  ) {}

  /** Opens the token the settings name and logs in; undefined when no HSM is configured. */
  static async open(settings: Pkcs11Settings, env: NodeJS.ProcessEnv): Promise<Pkcs11Token | undefined> {
    const { PKCS11_LIBRARY: library, PKCS11_TOKEN_LABEL: label, PKCS11_PIN: pinRef } = settings;
    if (library === undefined || label === undefined || pinRef === undefined) return undefined;
    const pin = await resolveSecretReference(pinRef, env);
    const { module, release } = acquirePkcs11Module(library);
    try {
      const slot = module.C_GetSlotList(true).find((s) => module.C_GetTokenInfo(s).label.trim() === label);
      if (!slot) throw new Error(`PKCS11_TOKEN_LABEL: no token labelled "${label}" in ${library}`);
      const session = module.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION);
      try {
        module.C_Login(session, pkcs11js.CKU_USER, pin);
      } catch (err) {
        // Another user of the library in this process logged in to this token already (login is per process).
        if ((err as { code?: number }).code !== pkcs11js.CKR_USER_ALREADY_LOGGED_IN) {
          module.C_CloseSession(session);
          throw new Error(
            `PKCS#11 login to "${label}" with PKCS11_PIN (${describeSecretReference(pinRef)}) failed: ${(err as Error).message}`,
          );
        }
      }
      return new Pkcs11Token(module, session, release, label);
    } catch (err) {
      release();
      throw err;
    }
  }

  /** Runs `work` after every operation queued before it. */
  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private findOne(objectClass: number, label: string): Buffer | undefined {
    this.module.C_FindObjectsInit(this.session, [
      { type: pkcs11js.CKA_CLASS, value: objectClass },
      { type: pkcs11js.CKA_LABEL, value: label },
    ]);
    try {
      const found = this.module.C_FindObjects(this.session, 2);
      if (found.length > 1) throw new Error(`PKCS#11: more than one key labelled "${label}" in "${this.tokenLabel}"`);
      return found[0];
    } finally {
      this.module.C_FindObjectsFinal(this.session);
    }
  }

  private privateKey(label: string): Buffer {
    let key = this.keys.get(label);
    if (!key) {
      key = this.findOne(pkcs11js.CKO_PRIVATE_KEY, label);
      if (!key) throw new Error(`PKCS#11: no private key labelled "${label}" in "${this.tokenLabel}"`);
      this.keys.set(label, key);
    }
    return key;
  }

  /** Whether a key pair labelled `label` exists. */
  async has(label: string): Promise<boolean> {
    return this.serial(async () => this.findOne(pkcs11js.CKO_PRIVATE_KEY, label) !== undefined);
  }

  /**
   * Generates an ECDSA P-256 key pair in the token under `label` (refused if the label is taken) and returns its
   * public key as SPKI PEM. The private key is a token object, private, sensitive and never extractable.
   */
  async generateP256KeyPair(label: string): Promise<string> {
    return this.serial(async () => {
      if (this.findOne(pkcs11js.CKO_PRIVATE_KEY, label) !== undefined) {
        throw new Error(`PKCS#11: a key labelled "${label}" exists in "${this.tokenLabel}"`);
      }
      const id = randomBytes(16);
      const common = [
        { type: pkcs11js.CKA_TOKEN, value: true },
        { type: pkcs11js.CKA_LABEL, value: label },
        { type: pkcs11js.CKA_ID, value: id },
      ];
      const pair = this.module.C_GenerateKeyPair(
        this.session,
        { mechanism: pkcs11js.CKM_EC_KEY_PAIR_GEN },
        [
          ...common,
          { type: pkcs11js.CKA_VERIFY, value: true },
          { type: pkcs11js.CKA_EC_PARAMS, value: P256_EC_PARAMS },
        ],
        [
          ...common,
          { type: pkcs11js.CKA_SIGN, value: true },
          { type: pkcs11js.CKA_PRIVATE, value: true },
          { type: pkcs11js.CKA_SENSITIVE, value: true },
          { type: pkcs11js.CKA_EXTRACTABLE, value: false },
        ],
      );
      const [point] = this.module.C_GetAttributeValue(this.session, pair.publicKey, [{ type: pkcs11js.CKA_EC_POINT }]);
      const spki = p256SpkiFromEcPoint(point!.value);
      return p256PublicKeyPem(createPublicKey({ key: spki, format: 'der', type: 'spki' }));
    });
  }

  /** Signs a SHA-256 digest with the private key labelled `label`: the DER ECDSA signature. */
  async signDigest(label: string, digest: Buffer): Promise<Buffer> {
    return this.serial(async () => {
      const key = this.privateKey(label);
      this.module.C_SignInit(this.session, { mechanism: pkcs11js.CKM_ECDSA }, key);
      const raw = await new Promise<Buffer>((resolve, reject) =>
        this.module.C_Sign(this.session, digest, Buffer.alloc(132), (err, data) => (err ? reject(err) : resolve(data))),
      );
      return rawEcdsaToDer(raw);
    });
  }

  /** Closes the session (its login ends with the library's last user). */
  async close(): Promise<void> {
    await this.serial(async () => {
      try {
        this.module.C_CloseSession(this.session);
      } finally {
        this.release();
      }
    });
  }
}
