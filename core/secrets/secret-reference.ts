import { readFile } from 'node:fs/promises';
import { isAbsolute } from 'node:path';

/**
 * A secret reference: where a secret (the KEK, the HSM PIN) is read from at start-up, never the secret itself, so
 * configuration, logs and process listings only ever show where it lives.
 *
 * - `env:NAME`: the environment variable NAME (e.g. a Kubernetes secret exposed as a variable);
 * - `file:/absolute/path`: the whole file, one trailing newline dropped (a mounted secret);
 * - `secret://env/NAME` and `secret://file/absolute/path`: the same two in URI form.
 *
 * Other URI schemes (a cloud key vault) are refused at configuration time, naming the supported ones.
 */
export type SecretReference = { kind: 'env'; name: string } | { kind: 'file'; path: string };

/** The schemes parseSecretReference accepts, for messages. */
export const SUPPORTED_SECRET_REFERENCES = 'env:NAME, file:/path, secret://env/NAME or secret://file/path';

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Parses a reference; a problem text (never echoing the value, which may be a secret pasted by mistake) on error. */
export function parseSecretReference(value: string): SecretReference | { problem: string } {
  const uri = /^secret:\/\/(env|file)\/(.+)$/.exec(value);
  const plain = /^(env|file):(.+)$/.exec(value);
  const match = uri ?? plain;
  if (!match) return { problem: `expected a secret reference (${SUPPORTED_SECRET_REFERENCES})` };
  const [, kind, rest] = match as unknown as [string, 'env' | 'file', string];
  if (kind === 'env') {
    return ENV_NAME.test(rest) ? { kind, name: rest } : { problem: 'env: needs a variable name' };
  }
  const path = uri ? `/${rest}` : rest;
  return isAbsolute(path) ? { kind, path } : { problem: 'file: needs an absolute path' };
}

/** Where a reference points, safe to show (the variable name or the path, never the value). */
export function describeSecretReference(ref: SecretReference): string {
  return ref.kind === 'env' ? `env:${ref.name}` : `file:${ref.path}`;
}

/** A reference that could not be resolved: names where it looked, never what it found. */
export class SecretReferenceError extends Error {
  readonly code = 'secret_reference_unresolved';
  constructor(message: string) {
    super(message);
    this.name = 'SecretReferenceError';
  }
}

/** Reads the secret a reference points at (once, at start-up). */
export async function resolveSecretReference(ref: SecretReference, env: NodeJS.ProcessEnv): Promise<string> {
  if (ref.kind === 'env') {
    const value = env[ref.name];
    if (value === undefined || value === '') throw new SecretReferenceError(`env:${ref.name}: the variable is not set`);
    return value;
  }
  let text: string;
  try {
    text = await readFile(ref.path, 'utf8');
  } catch (err) {
    throw new SecretReferenceError(`file:${ref.path}: cannot read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const value = text.replace(/\r?\n$/, '');
  if (value === '') throw new SecretReferenceError(`file:${ref.path}: the file is empty`);
  return value;
}
