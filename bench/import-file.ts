/**
 * Writes the benchmark's export file: `node --import tsx bench/import-file.ts <zip> <keys> <pem-out>`. Run as a
 * child process so that making the file (keys, encoding, signing, zipping) never counts in the importing
 * process's peak RSS. Encoded with the project's own export encoders, signed with a fresh key whose public half
 * it writes to <pem-out>.
 */
import { createWriteStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { randomBytes } from 'node:crypto';
import yazl from 'yazl';
import { EXPORT_BIN_ENTRY, EXPORT_SIG_ENTRY } from '../core/export/format/export-format';
import { encodeExportBinPrefix, encodeSignatureList } from '../core/export/format/export-header';
import { recordToRow } from '../core/export/format/export-row';
import { encodeRow, KEYS_TAG, MAX_ENCODED_KEY_SIZE } from '../core/export/format/tek-encoder';
import { intervalNumber } from '../core/keys/intervals';
import { FileSigner } from '../core/signing/file-signer';
import { makeExportSigner } from '../test/helpers/export-files';

const [zipPath, keysArg, pemPath] = process.argv.slice(2);
if (!zipPath || !keysArg || !pemPath) throw new Error('usage: import-file.ts <zip> <keys> <pem-out>');
const keys = Number(keysArg);
const signer = makeExportSigner('310', 'v1');
const end = Math.floor(Date.now() / 3_600_000) * 3600;
const prefix = encodeExportBinPrefix({
  startTimestamp: end - 3600,
  endTimestamp: end,
  region: 'US-WA',
  batchNum: 1,
  batchSize: 1,
  signatureInfos: [signer.info],
});
const bin = Buffer.alloc(prefix.length + keys * MAX_ENCODED_KEY_SIZE);
let pos = prefix.copy(bin, 0);
const bytes = randomBytes(16 * keys);
const now = intervalNumber(new Date());
for (let i = 0; i < keys; i += 1) {
  const row = recordToRow({
    keyData: bytes.subarray(16 * i, 16 * i + 16),
    transmissionRiskLevel: 1 + (i % 8),
    rollingStartIntervalNumber: now - 144 * (1 + (i % 12)),
    rollingPeriod: 144,
    reportType: i % 3 === 0 ? undefined : 1,
    daysSinceOnsetOfSymptoms: i % 5 === 0 ? undefined : (i % 15) - 7,
  });
  pos = encodeRow(row, 0, KEYS_TAG, bin, pos);
}
const body = bin.subarray(0, pos);
const fileSigner = new FileSigner([signer]);
fileSigner.update(body);
const zip = new yazl.ZipFile();
zip.addBuffer(body, EXPORT_BIN_ENTRY, { mtime: new Date(end * 1000), compressionLevel: 6 });
zip.addBuffer(encodeSignatureList(await fileSigner.finish(), 1, 1), EXPORT_SIG_ENTRY, { mtime: new Date(end * 1000) });
zip.end();
await pipeline(zip.outputStream as Readable, createWriteStream(zipPath));
await writeFile(pemPath, signer.publicKeyPem);
