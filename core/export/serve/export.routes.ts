import { createReadStream } from 'node:fs';
import type Router from '@koa/router';
import { NotFoundError } from '../../errors/app-error';
import type { FileBlobStore } from '../../blob-store/file-blob-store';
import { isSafeBlobName } from '../../blob-store/file-blob-store';

/** Only these blobs are public: zips and index files. Temporary files start with a dot and never match. */
const SERVED = /^(?:[a-z0-9][a-z0-9_-]*\/)+(?:index\.txt|[0-9]+-[0-9]+-[0-9]{5}\.zip)$/;

/**
 * GET /exports/<root>/index.txt and /exports/<root>/<file>.zip from the blob store, with the cache headers of
 * docs/export-format.md (a CDN sits in front in production). Anything else, including any name that could leave
 * the store, is a 404 JSON answer.
 */
export function addExportRoutes(router: Router, blobs: FileBlobStore): void {
  router.get('/exports/{*name}', async (ctx) => {
    const name = typeof ctx.params.name === 'string' ? ctx.params.name : '';
    if (!SERVED.test(name) || !isSafeBlobName(name)) throw new NotFoundError('no such export file');
    const size = await blobs.size(name);
    if (size === undefined) throw new NotFoundError('no such export file');
    const isIndex = name.endsWith('/index.txt');
    ctx.set('Cache-Control', isIndex ? 'no-cache' : 'public, max-age=86400');
    ctx.type = isIndex ? 'text/plain; charset=utf-8' : 'application/zip';
    ctx.length = size;
    ctx.body = createReadStream(blobs.resolve(name));
  });
}
