import { createServer, type Server } from 'node:http';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test from 'ava';
import yazl from 'yazl';
import { exportFileUrl } from '../../../core/export/verify/export-sources';
import type { VerificationReport } from '../../../core/export/verify/verify-exports';
import { SigningKeyRepository } from '../../../core/signing/signing-key.repository';
import { UNSEALED } from '../../../core/secrets/secret-sealer';
import { createSigningKey } from '../../../core/signing/signing-keys';
import { enfedInProcess } from '../../helpers/cli';
import { insertKeys, makeKey, reviseKey } from '../../helpers/key-factory';
import { vectorText, VECTORS } from '../../helpers/vectors';
import { addConfig, createExportKit, exportAt, hours } from './export-kit';

const VECTOR_DIR = new URL('export/', VECTORS).pathname;
const VECTOR_PUB = new URL('test-export-signing.pub.pem', VECTORS).pathname;
const OTHER_PUB = new URL('test-health-authority.pub.pem', VECTORS).pathname;

const verify = (args: string[]) => enfedInProcess(['verify', ...args], {});
const json = (stdout: string) => JSON.parse(stdout) as VerificationReport;

async function tempDir(): Promise<string> {
  return mkdtemp(path.join(tmpdir(), 'enfed-verify-'));
}

function zipOf(members: Record<string, Buffer>): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const [name, bytes] of Object.entries(members)) zip.addBuffer(bytes, name);
  zip.end();
  const chunks: Buffer[] = [];
  return new Promise((resolve, reject) => {
    zip.outputStream.on('data', (c: Buffer) => chunks.push(c));
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
    zip.outputStream.on('error', reject);
  });
}

/** Serves `dir` at /exports/ (a stand-in for a CDN in front of another server's exports). */
async function serve(dir: string): Promise<{ server: Server; base: string }> {
  const server = createServer((req, res) => {
    const name = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname).replace(/^\/exports\//, '');
    readFile(path.join(dir, path.normalize(name)))
      .then((body) => res.end(body))
      .catch(() => {
        res.statusCode = 404;
        res.end();
      });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  return { server, base: `http://127.0.0.1:${address.port}/exports/` };
}

test('the independent golden export verifies, and its summary matches the values it was made from', async (t) => {
  const expected = JSON.parse(vectorText('export/expected.json')) as { keys: unknown[]; region: string };
  const run = await verify([VECTOR_DIR, '--public-key', `310/v1=${VECTOR_PUB}`, '--json']);
  t.is(run.code, 0, run.stderr);
  const report = json(run.stdout);
  t.true(report.ok);
  t.is(report.files.length, 1);
  t.is(report.files[0]!.sha256, '40601271916d50502d9a1bb4d4ae9e5489396c1479caee565433425d78f3a056');
  t.deepEqual(report.files[0]!.signatures, [
    { keyId: '310', keyVersion: 'v1', algorithm: '1.2.840.10045.4.3.2', status: 'verified' },
  ]);
  t.is(report.summary.keys, expected.keys.length);
  t.is(report.summary.revisedKeys, 1);
  t.deepEqual(report.summary.regions, [expected.region]);
  t.deepEqual(report.summary.reportTypes, { CONFIRMED_TEST: 2, CONFIRMED_CLINICAL_DIAGNOSIS: 1, REVOKED: 1 });
  t.deepEqual(report.summary.windows, { from: '2025-09-18T00:00:00.000Z', thru: '2025-09-18T01:00:00.000Z' });

  const human = await verify([VECTOR_DIR, '--public-key', VECTOR_PUB]);
  t.is(human.code, 0);
  t.regex(
    human.stdout,
    /^ok {3}.*export\/?\n {5}US-WA 2025-09-18T00:00:00Z–2025-09-18T01:00:00Z batch 1\/1, 3 keys, 1 revised/m,
  );
  t.regex(human.stdout, /1 file\(s\), 0 failed: OK/);
});

test('tampered, mis-keyed and malformed files fail with exit 1 and say why', async (t) => {
  const dir = await tempDir();
  try {
    const bin = await readFile(path.join(VECTOR_DIR, 'export.bin'));
    const sig = await readFile(path.join(VECTOR_DIR, 'export.sig'));
    const flipped = Buffer.from(bin);
    flipped[flipped.length - 3]! ^= 1;
    await writeFile(path.join(dir, 'a-tampered.zip'), await zipOf({ 'export.bin': flipped, 'export.sig': sig }));
    await writeFile(path.join(dir, 'b-extra.zip'), await zipOf({ 'export.bin': bin, 'export.sig': sig, 'x.txt': bin }));
    const headerless = Buffer.concat([Buffer.from('EK Export v2    '), bin.subarray(16)]);
    await writeFile(path.join(dir, 'c-header.zip'), await zipOf({ 'export.bin': headerless, 'export.sig': sig }));
    await writeFile(path.join(dir, 'd-nosig.zip'), await zipOf({ 'export.bin': bin }));
    await writeFile(path.join(dir, 'e-garbage.zip'), Buffer.from('not a zip at all'));
    const run = await verify([dir, '--public-key', VECTOR_PUB, '--json']);
    t.is(run.code, 1);
    t.regex(run.stderr, /verify: 5 of 5 file\(s\) failed/);
    const problems = json(run.stdout).files.map((f) => f.problems.join(' | '));
    t.regex(problems[0]!, /signature 310\/v1: does not verify over export.bin/);
    t.regex(problems[1]!, /unexpected zip member\(s\): x.txt/);
    t.regex(problems[2]!, /does not start with the header/);
    t.regex(problems[3]!, /export.sig is missing/);
    t.regex(problems[4]!, /not a readable zip/);

    const wrongKey = await verify([VECTOR_DIR, '--public-key', OTHER_PUB]);
    t.is(wrongKey.code, 1);
    t.regex(wrongKey.stdout, /FAIL .*\n.*\n {5}- signature 310\/v1: does not verify/);
    const otherId = await verify([VECTOR_DIR, '--public-key', `311/v1=${VECTOR_PUB}`]);
    t.is(otherId.code, 1);
    t.regex(otherId.stdout, /no public key given applies to 310\/v1/);
    const noKey = await verify([VECTOR_DIR]);
    t.is(noKey.code, 2);
    t.regex(noKey.stderr, /--public-key is required/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("enfed's own exports verify from a directory and from index.txt over HTTP, padding and revisions included", async (t) => {
  const kit = await createExportKit();
  const keyDir = await tempDir();
  let http: { server: Server; base: string } | undefined;
  try {
    const signing = await createSigningKey(new SigningKeyRepository(kit.db.pool, UNSEALED), {
      keyId: '310',
      now: hours(-48),
    });
    const pub = path.join(keyDir, 'ours.pem');
    await writeFile(pub, signing.publicKeyPem);
    await addConfig(kit);
    await addConfig(kit, { root: 'split', maxRecordsPerFile: 3 });
    const keys = Array.from({ length: 7 }, (_, i) =>
      makeKey({ createdAt: hours(1), transmissionRisk: i % 8, daysSinceOnset: i - 3 }),
    );
    const old = Array.from({ length: 2 }, () => makeKey({ createdAt: hours(-30) }));
    await insertKeys(kit.db.pool, [...keys, ...old]);
    for (const k of old) await reviseKey(kit.db.pool, k.key, 'negative', hours(1));
    await exportAt(kit, hours(4), { minRecords: 1000, paddingRange: 100 });

    const run = await verify([path.join(kit.blobDir, 'ca'), '--public-key', pub, '--json']);
    t.is(run.code, 0, run.stdout);
    const report = json(run.stdout);
    t.is(report.files.length, 1);
    t.is(report.summary.revisedKeys, 2);
    // Padding brings all records of the file (keys and revised keys) to at least MIN_RECORDS.
    t.true(report.summary.keys + report.summary.revisedKeys >= 1000, 'padded');
    t.is(report.summary.padding.likelyPaddedFiles, 1);
    t.deepEqual(report.summary.regions, ['CA']);

    http = await serve(kit.blobDir);
    const index = `${http.base}split/index.txt`;
    const overHttp = await verify([index, '--public-key', `310/v1=${pub}`, '--json']);
    t.is(overHttp.code, 0, overHttp.stdout);
    const served = json(overHttp.stdout);
    t.true(served.files.length >= 3, 'a split window: several files');
    t.true(served.files.every((f) => f.index === index && f.source.startsWith(`${http!.base}split/`)));

    const missing = await verify([`${http.base}nothing/index.txt`, '--public-key', pub]);
    t.is(missing.code, 1);
    t.regex(missing.stdout, /index unreadable: GET .* HTTP 404/);
  } finally {
    http?.server.close();
    await kit.destroy();
    await rm(keyDir, { recursive: true, force: true });
  }
});

test('index lines resolve against the export base when the index sits in their folder, else beside it', (t) => {
  t.is(exportFileUrl('http://h/exports/all/index.txt', 'all/1-2-00001.zip'), 'http://h/exports/all/1-2-00001.zip');
  t.is(exportFileUrl('https://cdn/x/index.txt', 'y/1-2-00001.zip'), 'https://cdn/x/y/1-2-00001.zip');
  t.is(exportFileUrl('https://cdn/x/index.txt', '1-2-00001.zip'), 'https://cdn/x/1-2-00001.zip');
});
