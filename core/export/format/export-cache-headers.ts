import type { BlobHeaders } from '../../blob-store/blob-store';

/**
 * How export files are served (docs/export-format.md): a zip is written once for its window (a rebuild only
 * replaces it under the same name), so CDNs and phones may keep it a day; index.txt changes with every batch
 * and must be revalidated on every read. Object stores keep these with each blob; the filesystem
 * route sets them per request.
 */
export const ZIP_HEADERS: BlobHeaders = { contentType: 'application/zip', cacheControl: 'public, max-age=86400' };
export const INDEX_HEADERS: BlobHeaders = { contentType: 'text/plain; charset=utf-8', cacheControl: 'no-cache' };

/** The headers of an export blob by its name. */
export function exportCacheHeaders(name: string): BlobHeaders {
  return name.endsWith('/index.txt') ? INDEX_HEADERS : ZIP_HEADERS;
}
