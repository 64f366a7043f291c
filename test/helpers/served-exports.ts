import {
  decodeExportBin,
  decodeSignatureList,
  type DecodedExport,
  type DecodedSignature,
} from '../../core/export/format/export-reader';
import { readZipBuffer } from './zip';

/** One export file as a phone gets it: fetched over HTTP, unzipped, decoded. */
export interface ServedExport {
  /** Its line in index.txt, e.g. `all/1758153600-1758157200-00001.zip`. */
  name: string;
  entries: string[];
  bin: Buffer;
  export: DecodedExport;
  signatures: DecodedSignature[];
}

async function get(url: string): Promise<Response> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`GET ${url}: ${response.status}`);
  return response;
}

/**
 * Reads `/exports/<root>/index.txt` of a running node or hub, then every file it lists, in index order
 * (the way a phone syncs). Fails on any HTTP error or an archive without export.bin and export.sig.
 */
export async function fetchServedExports(httpUrl: string, root: string): Promise<ServedExport[]> {
  const index = await (await get(`${httpUrl}/exports/${root}/index.txt`)).text();
  const names = index.split('\n').filter((line) => line.length > 0);
  const files: ServedExport[] = [];
  for (const name of names) {
    const zip = Buffer.from(await (await get(`${httpUrl}/exports/${name}`)).arrayBuffer());
    const entries = await readZipBuffer(zip);
    const bin = entries.get('export.bin');
    const sig = entries.get('export.sig');
    if (!bin || !sig) throw new Error(`${name}: export.bin or export.sig missing`);
    files.push({
      name,
      entries: [...entries.keys()],
      bin,
      export: decodeExportBin(bin),
      signatures: decodeSignatureList(sig),
    });
  }
  return files;
}
