import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { EXPORT_BIN_ENTRY, EXPORT_SIG_ENTRY } from '../format/export-format';
import type { ExportInput } from './check-export';
import { readZip } from './export-zip';

const FETCH_TIMEOUT_MS = 30_000;

async function get(url: string): Promise<Buffer> {
  const response = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
  if (!response.ok) throw new Error(`GET ${url}: HTTP ${response.status}`);
  return Buffer.from(await response.arrayBuffer());
}

/** An export zip's bytes as an ExportInput (a zip that cannot be read becomes a load problem). */
export async function zipInput(source: string, zip: Buffer, index?: string): Promise<ExportInput> {
  try {
    const { names, files } = await readZip(zip);
    return { source, index, members: names, bin: files.get(EXPORT_BIN_ENTRY), sig: files.get(EXPORT_SIG_ENTRY) };
  } catch (err) {
    return { source, index, members: [], loadProblem: `not a readable zip (${(err as Error).message})` };
  }
}

/**
 * Where index.txt's lines are relative to. Lines name `<root>/<file>.zip` relative to the export base (Google's
 * convention, and enfed's): when the index URL ends in `<root>/index.txt` the base is what precedes `<root>`;
 * otherwise a line is taken as relative to the index's own folder.
 */
export function exportFileUrl(indexUrl: string, line: string): string {
  const url = new URL(indexUrl);
  const slash = line.lastIndexOf('/');
  const folder = slash >= 0 ? line.slice(0, slash + 1) : '';
  const tail = `/${folder}index.txt`;
  if (folder !== '' && url.pathname.endsWith(tail)) {
    url.pathname = url.pathname.slice(0, url.pathname.length - tail.length + 1) + line;
    url.search = '';
    return url.toString();
  }
  return new URL(line, indexUrl).toString();
}

/** The lines of an index.txt (no blank lines). */
export async function readIndex(indexUrl: string): Promise<string[]> {
  return (await get(indexUrl))
    .toString('utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
}

async function* fromIndex(indexUrl: string): AsyncGenerator<ExportInput> {
  let lines: string[];
  try {
    lines = await readIndex(indexUrl);
  } catch (err) {
    yield { source: indexUrl, members: [], loadProblem: `index unreadable: ${(err as Error).message}` };
    return;
  }
  for (const line of lines) {
    const url = exportFileUrl(indexUrl, line);
    try {
      yield await zipInput(url, await get(url), indexUrl);
    } catch (err) {
      yield { source: url, index: indexUrl, members: [], loadProblem: (err as Error).message };
    }
  }
}

async function zipsUnder(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...(await zipsUnder(path)));
    else if (entry.name.endsWith('.zip')) found.push(path);
  }
  return found.sort();
}

async function* fromPath(path: string): AsyncGenerator<ExportInput> {
  let info;
  try {
    info = await stat(path);
  } catch {
    yield { source: path, members: [], loadProblem: 'no such file or directory' };
    return;
  }
  if (!info.isDirectory()) {
    yield await zipInput(path, await readFile(path));
    return;
  }
  const names = await readdir(path);
  if (names.includes(EXPORT_BIN_ENTRY)) {
    // An unzipped export (the shared test vectors come this way): the folder holds the two members.
    const read = (name: string) => (names.includes(name) ? readFile(join(path, name)) : Promise.resolve(undefined));
    const members = names.filter((n) => n === EXPORT_BIN_ENTRY || n === EXPORT_SIG_ENTRY);
    yield { source: path, members, bin: await read(EXPORT_BIN_ENTRY), sig: await read(EXPORT_SIG_ENTRY) };
    return;
  }
  const zips = await zipsUnder(path);
  if (zips.length === 0) yield { source: path, members: [], loadProblem: 'no export zip in this directory' };
  for (const zip of zips) yield await zipInput(zip, await readFile(zip));
}

/** True for an argument that is an index.txt URL (all of its files are then checked, batches for completeness). */
export const isIndexUrl = (input: string) => /^https?:\/\//i.test(input) && !/\.zip(\?|$)/i.test(input);

/**
 * Every export file the inputs name, one at a time (a large index is never held in memory at once): a zip
 * file, a directory (its zips, or the unzipped export.bin/export.sig it holds), an index.txt URL (every file it
 * lists) or a zip URL.
 */
export async function* exportInputs(inputs: readonly string[]): AsyncGenerator<ExportInput> {
  for (const input of inputs) {
    if (isIndexUrl(input)) yield* fromIndex(input);
    else if (/^https?:\/\//i.test(input)) {
      try {
        yield await zipInput(input, await get(input));
      } catch (err) {
        yield { source: input, members: [], loadProblem: (err as Error).message };
      }
    } else yield* fromPath(input);
  }
}
