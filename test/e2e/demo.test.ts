import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { decodeExportBin, decodeSignatureList, verifyExportSignature } from '../../core/export/format/export-reader';
import { dropDatabase } from '../../core/db/admin';
import { pastDailyKeys, publishBody } from '../../cli/demo/dev-health-authority';
import type { DemoManifest } from '../../cli/demo/demo-manifest';
import { enfedInProcess } from '../helpers/cli';
import { freeBasePort } from '../helpers/demo';
import { databaseUrl, TEST_PG_URL, TEST_REDIS_URL, uniqueName } from '../helpers/test-database';
import { readZipBuffer } from '../helpers/zip';

const ENFED = fileURLToPath(new URL('../../cli/enfed.ts', import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    await sleep(500);
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Pids of live processes whose environment carries this demo instance's Redis prefix. */
async function processesOf(instance: string): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const environ = await readFile(`/proc/${entry}/environ`, 'latin1').catch(() => '');
    if (environ.includes(`REDIS_PREFIX=enfed-${instance}-`)) found.push(Number(entry));
  }
  return found;
}

test('enfed demo: keys published at a node reach the hub export, and SIGTERM stops everything', async (t) => {
  t.timeout(240_000);
  const dir = await mkdtemp(join(tmpdir(), 'enfed-demo-'));
  const instance = uniqueName('e2e');
  const manifestPath = join(dir, 'manifest.json');
  const demo = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      ENFED,
      'demo',
      '--seed',
      '5',
      '--dir',
      dir,
      '--manifest',
      manifestPath,
      '--instance',
      instance,
      '--base-port',
      String(await freeBasePort()),
      '--export-period',
      '10',
      '--truncate-window',
      '2',
      '--pull-interval',
      '2',
    ],
    {
      env: { ...process.env, DATABASE_URL: databaseUrl('postgres'), REDIS_URL: TEST_REDIS_URL, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  demo.stdout.on('data', (c: Buffer) => (output += c.toString()));
  demo.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((resolve) => demo.once('exit', (code) => resolve(code)));
  try {
    const manifest = await waitFor('the manifest', 120_000, async () => {
      if (demo.exitCode !== null) throw new Error(`demo exited early:\n${output}`);
      return JSON.parse(await readFile(manifestPath, 'utf8')) as DemoManifest;
    }).catch((err: Error) => {
      throw new Error(`${err.message}\n${output}`);
    });
    t.is(manifest.nodes.length, 3);
    t.regex(output, /enfed demo is running/);

    const node = manifest.nodes[0]!;
    const keys = pastDailyKeys(new Date(), 3, 5);
    const response = await fetch(node.publishUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(publishBody({ ...node.healthAuthority }, keys)),
    });
    t.is(response.status, 200, await response.clone().text());
    t.is(((await response.json()) as { insertedExposures: number }).insertedExposures, 3);

    // `enfed demo publish` does the same through the CLI, at another node.
    const published = await enfedInProcess(
      ['demo', 'publish', '--manifest', manifestPath, '--region', manifest.nodes[1]!.region!, '--count', '2'],
      process.env,
    );
    t.is(published.code, 0, published.stderr);
    t.regex(published.stdout, /published 2 diagnosis\(es\) at US-OR: 28 keys stored/);
    const wrongRegion = await enfedInProcess(
      ['demo', 'publish', '--manifest', manifestPath, '--region', 'US-XX'],
      process.env,
    );
    t.is(wrongRegion.code, 2, 'a usage mistake');
    t.regex(wrongRegion.stderr, /--region must be one of/);

    const wanted = new Set(keys.map((k) => Buffer.from(k.key, 'base64').toString('hex')));
    const seen = await waitFor('our keys in the hub export', 150_000, async () => {
      const index = await fetch(manifest.hub.exportIndexUrl);
      if (!index.ok) return undefined;
      const names = (await index.text()).split('\n').filter((l) => l.length > 0);
      const found = new Set<string>();
      for (const name of names) {
        const zip = await fetch(manifest.hub.exportBaseUrl + name);
        const entries = await readZipBuffer(Buffer.from(await zip.arrayBuffer()));
        const bin = entries.get('export.bin')!;
        const signatures = decodeSignatureList(entries.get('export.sig')!);
        if (!signatures.every((s) => verifyExportSignature(bin, s.signature, manifest.hub.signingPublicKeyPem))) {
          throw new Error(`${name}: signature does not verify with the hub's public key`);
        }
        for (const k of decodeExportBin(bin).keys) {
          const hex = k.keyData.toString('hex');
          if (wanted.has(hex)) found.add(hex);
        }
      }
      return found.size === wanted.size ? found : undefined;
    });
    t.is(seen.size, 3);
  } finally {
    demo.kill('SIGTERM');
    const code = await exited;
    t.is(code, 0, output);
    await sleep(200);
    t.deepEqual(await processesOf(instance), [], 'no demo process is left behind');
    for (const name of ['hub', 'node_wa', 'node_or', 'node_ca']) {
      const url = new URL(TEST_PG_URL);
      url.pathname = `/enfed_${instance}_${name}`;
      await dropDatabase(url.toString());
    }
    await rm(dir, { recursive: true, force: true });
  }
});
