import { createHmac, generateKeyPairSync, sign, timingSafeEqual, type KeyObject } from 'node:crypto';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import yazl from 'yazl';
import { encodeExportBin } from '../../core/export/format/export-bin';
import { encodeSignatureList } from '../../core/export/format/export-header';
import type { ExportRecord } from '../../core/export/format/export-row';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/**
 * A COVID Shield / COVID Alert retrieval server, written from the reference (cds-snc/covid-alert-server,
 * pkg/server/retrieve.go and pkg/retrieval): `GET /retrieve/{region: 3 digits}/{day: 5 digits}/{hmac}`. The MAC is
 * checked first (HMAC-SHA256 of `region:day:hour` under the retrieve key, current hour ± 1; else 401), then the
 * method (405), then the day: future 404, older than today − 14 410, today 404 unless the current day is served
 * (the reference's DisableCurrentDateCheckFeatureFlag, on by default). The answer is a zip of export.bin and
 * export.sig signed with ECDSA P-256 / SHA-256 (DER), key id "302" version "v1", batch 1 of 1, region "CA" for
 * MCC 302, covering [day, day + 1). Keys are filed by the day they were uploaded, as the reference does.
 */
export class RetrieveTestServer {
  readonly retrieveKey = Buffer.alloc(32, 7);
  readonly signingKey: KeyObject;
  readonly publicKeyPem: string;
  /** Keys by upload day number. */
  readonly uploads = new Map<number, ExportRecord[]>();
  /** Every request seen: day as in the URL and the status answered. */
  readonly requests: { day: string; status: number }[] = [];
  /** Days answered with a damaged zip; days whose answer never comes. */
  readonly corrupt = new Set<number>();
  /** Days answered with these bytes instead of the day's file (zip bombs, oversized answers). */
  readonly raw = new Map<number, Buffer>();
  stall = false;
  serveCurrentDay = true;
  /** The server's own clock offset from the test clock (MAC window tests). */
  skewMs = 0;
  private server?: Server;

  constructor(private readonly now: () => Date) {
    const pair = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    this.signingKey = pair.privateKey;
    this.publicKeyPem = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server?.address() as AddressInfo).port}`;
  }

  upload(day: number, keys: ExportRecord[]): void {
    this.uploads.set(day, [...(this.uploads.get(day) ?? []), ...keys]);
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      void this.handle(req.method ?? 'GET', req.url ?? '/', res);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  private authentic(region: string, day: string, mac: string): boolean {
    if (!/^[0-9a-f]{64}$/i.test(mac)) return false;
    const given = Buffer.from(mac, 'hex');
    const hour = Math.floor((this.now().getTime() + this.skewMs) / HOUR_MS);
    return [hour - 1, hour, hour + 1].some((h) =>
      timingSafeEqual(createHmac('sha256', this.retrieveKey).update(`${region}:${day}:${h}`).digest(), given),
    );
  }

  private async handle(method: string, url: string, res: ServerResponse): Promise<void> {
    const match = /^\/retrieve\/([0-9]{3})\/([0-9]{5})\/(.*)$/.exec(url);
    const answer = (status: number, day = '') => {
      this.requests.push({ day, status });
      res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(`${status}\n`);
    };
    if (!match) return answer(404);
    const [, region, dayText, mac] = match as unknown as [string, string, string, string];
    if (!this.authentic(region, dayText, mac)) return answer(401, dayText);
    if (method !== 'GET') return answer(405, dayText);
    const day = Number(dayText);
    const today = Math.floor((this.now().getTime() + this.skewMs) / DAY_MS);
    if (day > today || (day === today && !this.serveCurrentDay)) return answer(404, dayText);
    if (day < today - 14) return answer(410, dayText);
    if (this.stall) {
      this.requests.push({ day: dayText, status: 0 });
      return; // never answers
    }
    this.requests.push({ day: dayText, status: 200 });
    const zip =
      this.raw.get(day) ??
      (this.corrupt.has(day) ? Buffer.from('PK\x03\x04 not really a zip') : await this.dayFile(day));
    res.writeHead(200, { 'content-type': 'application/zip', 'cache-control': 'public, max-age=3600' }).end(zip);
  }

  /** The day's file, signed by `key` (the server's own by default). */
  dayFile(day: number, key: KeyObject = this.signingKey): Promise<Buffer> {
    const info = { verificationKeyVersion: 'v1', verificationKeyId: '302', signatureAlgorithm: '1.2.840.10045.4.3.2' };
    const keys = [...(this.uploads.get(day) ?? [])].sort((a, b) => a.keyData.compare(b.keyData));
    const header = {
      startTimestamp: (day * DAY_MS) / 1000,
      endTimestamp: ((day + 1) * DAY_MS) / 1000,
      region: 'CA',
      batchNum: 1,
      batchSize: 1,
      signatureInfos: [info],
    };
    const bin = encodeExportBin(header, keys, []);
    const signature = sign('sha256', bin, { key, dsaEncoding: 'der' });
    const sig = encodeSignatureList([{ info, signature }], 1, 1);
    const file = new yazl.ZipFile();
    file.addBuffer(bin, 'export.bin');
    file.addBuffer(sig, 'export.sig');
    file.end();
    const chunks: Buffer[] = [];
    return new Promise((resolve, reject) => {
      file.outputStream.on('data', (c: Buffer) => chunks.push(c));
      file.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
      file.outputStream.on('error', reject);
    });
  }
}
