import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** Azurite's documented development account (public, the same in every Azurite). */
const ACCOUNT = 'devstoreaccount1';
const ACCOUNT_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

/** A running Azurite blob service (Microsoft's Azure Storage emulator) for one test file. */
export interface Azurite {
  /** Base URL of the blob service, e.g. http://127.0.0.1:41234 (the account is the first path segment). */
  url: string;
  account: string;
  accountKey: string;
  /** Blob endpoint of the account: `${url}/${account}`. */
  blobEndpoint: string;
  connectionString: string;
  stop(): Promise<void>;
}

/**
 * Starts Azurite's blob service as a child process on a port the system picks (read back from what it prints),
 * in memory only, and stops it with the test file. A process exit kills it too.
 */
export async function startAzurite(): Promise<Azurite> {
  const main = createRequire(import.meta.url).resolve('azurite/dist/src/blob/main.js');
  // Data stays in memory; its working directory takes anything it writes besides (never the repository).
  const location = await mkdtemp(path.join(tmpdir(), 'enfed-azurite-'));
  const child = spawn(
    process.execPath,
    [
      main,
      '--blobHost',
      '127.0.0.1',
      '--blobPort',
      '0',
      '--inMemoryPersistence',
      '--skipApiVersionCheck',
      '--loose',
      '--disableTelemetry',
    ],
    { cwd: location, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`azurite did not start within 60 s:\n${output}`)), 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /successfully listens on (http:\/\/[\d.]+:\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`azurite exited (${code}) before listening:\n${output}`));
    });
  });
  // Keep draining its output so the child never blocks on a full pipe.
  child.stdout!.resume();
  child.stderr!.resume();
  const blobEndpoint = `${url}/${ACCOUNT}`;
  return {
    url,
    account: ACCOUNT,
    accountKey: ACCOUNT_KEY,
    blobEndpoint,
    connectionString: `DefaultEndpointsProtocol=http;AccountName=${ACCOUNT};AccountKey=${ACCOUNT_KEY};BlobEndpoint=${blobEndpoint};`,
    async stop() {
      process.removeListener('exit', killOnExit);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
      await rm(location, { recursive: true, force: true });
    },
  };
}
