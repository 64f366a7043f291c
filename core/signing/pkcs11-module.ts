import pkcs11js from 'pkcs11js';

/**
 * A PKCS#11 library loaded once per process. A library has one state per process (dlopen returns the same
 * handle), so a second C_Initialize would fail and a C_Finalize would end every other user's sessions: users of
 * one library share it, and the last one to release it finalizes it.
 */
interface LoadedModule {
  module: pkcs11js.PKCS11;
  users: number;
}

const loaded = new Map<string, LoadedModule>();

/** The initialized library at `path`; `release()` it when done. */
export function acquirePkcs11Module(path: string): { module: pkcs11js.PKCS11; release(): void } {
  let entry = loaded.get(path);
  if (!entry) {
    const module = new pkcs11js.PKCS11();
    try {
      module.load(path);
      module.C_Initialize();
    } catch (err) {
      throw new Error(`PKCS11_LIBRARY ${path}: cannot load (${(err as Error).message})`);
    }
    entry = { module, users: 0 };
    loaded.set(path, entry);
  }
  entry.users++;
  const held = entry;
  let released = false;
  return {
    module: held.module,
    release() {
      if (released) return;
      released = true;
      if (--held.users > 0) return;
      loaded.delete(path);
      try {
        held.module.C_Finalize();
      } finally {
        held.module.close();
      }
    },
  };
}
