import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';

/**
 * When the first certificate of a PEM file stops being valid (epoch seconds). Read anew each time, so a
 * certificate rotated in place (a Kubernetes Secret volume, a renewed file) shows at the next scrape.
 */
export async function certificateExpiry(path: string): Promise<number> {
  const certificate = new X509Certificate(await readFile(path));
  return Date.parse(certificate.validTo) / 1000;
}
