import { createReadStream } from 'node:fs';
import type Router from '@koa/router';
import { NotFoundError } from '../../errors/app-error';
import { isSafeBlobName, type BlobStore } from '../../blob-store/blob-store';
import { FileBlobStore } from '../../blob-store/file-blob-store';
import { exportCacheHeaders } from '../format/export-cache-headers';

/** Only these blobs are public: zips and index files. Temporary files start with a dot and never match. */
const SERVED = /^(?:[a-z0-9][a-z0-9_-]*\/)+(?:index\.txt|[0-9]+-[0-9]+-[0-9]{5}\.zip)$/;

/** The export file a request names, or a 404 for anything else (including any name that could leave the store). */
function servedName(params: Record<string, unknown>): string {
  const name = typeof params.name === 'string' ? params.name : '';
  if (!SERVED.test(name) || !isSafeBlobName(name)) throw new NotFoundError('no such export file');
  return name;
}

/**
 * GET /exports/<root>/index.txt and /exports/<root>/<file>.zip. With the filesystem store the server serves the
 * files itself, with the cache headers of docs/export-format.md (a CDN sits in front in production). With an
 * object store the files are public at the store or its CDN, not here: the route redirects to `publicUrl`
 * (BLOB_PUBLIC_URL) when there is one, and is not registered otherwise.
 */
export function addExportRoutes(router: Router, blobs: BlobStore, publicUrl?: string): void {
  if (blobs instanceof FileBlobStore) {
    router.get('/exports/{*name}', async (ctx) => {
      const name = servedName(ctx.params);
      const info = await blobs.stat(name);
      if (info === undefined) throw new NotFoundError('no such export file');
      const headers = exportCacheHeaders(name);
      ctx.set('Cache-Control', headers.cacheControl);
      ctx.type = headers.contentType;
      ctx.length = info.size;
      ctx.body = createReadStream(blobs.resolve(name));
    });
    return;
  }
  if (publicUrl === undefined) return;
  const base = publicUrl.replace(/\/+$/, '');
  router.get('/exports/{*name}', (ctx) => {
    const name = servedName(ctx.params);
    // The redirect may be cached as long as its target (the name never moves).
    ctx.set('Cache-Control', exportCacheHeaders(name).cacheControl);
    ctx.redirect(`${base}/${name}`);
  });
}
