import { readFileSync } from 'node:fs';

/**
 * The independent test vectors in ../shared/vectors (beside the repository, as CI places it). They are
 * read in place, not copied: they are someone else's reading of the formats, and stay theirs.
 */
export const SHARED_VECTORS = new URL('../../../shared/vectors/', import.meta.url);

/** A vector file's bytes (`name` relative to the vectors folder, e.g. `export/export.bin`). */
export function vectorBytes(name: string): Buffer {
  return readFileSync(new URL(name, SHARED_VECTORS));
}

/** A vector file as text. */
export function vectorText(name: string): string {
  return readFileSync(new URL(name, SHARED_VECTORS), 'utf8');
}
