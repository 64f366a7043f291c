import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePort } from './ports';

const SCRIPT = fileURLToPath(new URL('../../scripts/ceph-rgw.sh', import.meta.url));

/** A running Ceph radosgw (a real S3 implementation) with one user, for one test file. */
export interface CephRgw {
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  stop(): Promise<void>;
}

/**
 * Starts a single-node Ceph (monitor, memstore OSD, radosgw) on free loopback ports with scripts/ceph-rgw.sh,
 * about 12 s, and a user with fresh random credentials. `stop()` ends its daemons and removes its directory; a
 * process exit that skipped it does the same.
 */
export async function startCephRgw(): Promise<CephRgw> {
  const dir = path.join(tmpdir(), `enfed-ceph-${randomBytes(4).toString('hex')}`);
  const [monPort, rgwPort] = [await freePort(), await freePort()];
  const accessKeyId = `ENFED${randomBytes(6).toString('hex').toUpperCase()}`;
  const secretAccessKey = randomBytes(24).toString('base64url');
  const stopNow = () => execFileSync('bash', [SCRIPT, 'stop', dir], { stdio: 'ignore' });
  process.once('exit', stopNow);
  try {
    await promisify(execFile)(
      'bash',
      [SCRIPT, 'start', dir, String(monPort), String(rgwPort), accessKeyId, secretAccessKey],
      { timeout: 150_000 },
    );
  } catch (err) {
    process.removeListener('exit', stopNow);
    await promisify(execFile)('bash', [SCRIPT, 'stop', dir]).catch(() => undefined);
    const e = err as Error & { stderr?: string };
    throw new Error(`Ceph radosgw did not start: ${e.message}\n${e.stderr ?? ''}`);
  }
  return {
    endpoint: `http://127.0.0.1:${rgwPort}`,
    accessKeyId,
    secretAccessKey,
    async stop() {
      process.removeListener('exit', stopNow);
      await promisify(execFile)('bash', [SCRIPT, 'stop', dir]);
    },
  };
}
