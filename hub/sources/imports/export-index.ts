import { ImportError } from './import-errors';

/** One safe path segment of a file name: letters, digits, dot, dash, underscore; never `.` or `..`. */
const SEGMENT = /^[A-Za-z0-9_.-]{1,128}$/;

/**
 * Reads a remote index.txt: one relative file name per line, blank lines ignored. The whole index is refused
 * (and nothing of it imported) when it looks like an HTML page (a portal's error page served with 200) or when any
 * line is not a plain relative `.zip` path: absolute paths, URLs, `..` or `.` segments, backslashes and odd
 * characters all mean the server is not what it should be, and one such line makes every other line suspect.
 */
export function parseExportIndex(body: Buffer, contentType: string): string[] {
  const text = body.toString('utf8');
  const head = text.trimStart().slice(0, 64).toLowerCase();
  if (/^text\/html|^application\/xhtml/i.test(contentType) || head.startsWith('<')) {
    throw new ImportError('index_is_html', 'the index is an HTML page, not a list of export files');
  }
  const names: string[] = [];
  const seen = new Set<string>();
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.replace(/\r$/, '').trim();
    if (line === '') continue;
    if (!isSafeFileName(line)) {
      throw new ImportError(
        'index_invalid_name',
        `line ${i + 1} of the index is not a relative .zip path (${JSON.stringify(line.slice(0, 80))})`,
      );
    }
    if (!seen.has(line)) names.push(line);
    seen.add(line);
  }
  return names;
}

/** True for a relative path of safe segments ending in `.zip`. */
export function isSafeFileName(name: string): boolean {
  if (name.length > 512 || !name.endsWith('.zip')) return false;
  return name.split('/').every((s) => SEGMENT.test(s) && s !== '.' && s !== '..');
}

/**
 * URL of a listed file: the name resolved under the export root. Checked again after resolving, so that a name
 * can never reach outside the root.
 */
export function fileUrl(exportRoot: string, name: string): URL {
  const root = new URL(exportRoot.endsWith('/') ? exportRoot : `${exportRoot}/`);
  const url = new URL(name, root);
  if (url.origin !== root.origin || !url.pathname.startsWith(root.pathname)) {
    throw new ImportError('index_invalid_name', `${name} resolves outside the export root`);
  }
  return url;
}
