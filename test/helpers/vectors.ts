import { readFileSync } from 'node:fs';

/**
 * The reference test vectors in test/fixtures/vectors (see its README.md): an independent implementation's
 * reading of the formats, kept byte for byte as received so that our code is checked against someone else's.
 */
export const VECTORS = new URL('../fixtures/vectors/', import.meta.url);

/** A vector file's bytes (`name` relative to the vectors folder, e.g. `export/export.bin`). */
export function vectorBytes(name: string): Buffer {
  return readFileSync(new URL(name, VECTORS));
}

/** A vector file as text. */
export function vectorText(name: string): string {
  return readFileSync(new URL(name, VECTORS), 'utf8');
}
