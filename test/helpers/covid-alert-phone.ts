import { createHmac, randomBytes } from 'node:crypto';
import nacl from 'tweetnacl';

/*
 * A COVID Alert "phone" written from the protocol alone (field numbers and types of covidshield.proto, NaCl box),
 * with its own protobuf encoding: it shares no code with the server, so a wire incompatibility fails the tests.
 */

// ---------------------------------------------------------------- a minimal protobuf writer and reader

function varint(value: bigint): Buffer {
  let v = BigInt.asUintN(64, value);
  const out: number[] = [];
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) byte |= 0x80;
    out.push(byte);
  } while (v > 0n);
  return Buffer.from(out);
}

/** A varint field (int32/uint32/enum/int64; negatives as 64-bit two's complement). */
export function pbVarint(field: number, value: number): Buffer {
  return Buffer.concat([varint(BigInt((field << 3) | 0)), varint(BigInt(value))]);
}

/** A length-delimited field (bytes, string, message). */
export function pbBytes(field: number, value: Buffer | string): Buffer {
  const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  return Buffer.concat([varint(BigInt((field << 3) | 2)), varint(BigInt(bytes.length)), bytes]);
}

/** Every field of a message: number → values (varints as numbers, length-delimited as Buffers). */
export function pbDecode(buf: Buffer): Map<number, (number | Buffer)[]> {
  const fields = new Map<number, (number | Buffer)[]>();
  let pos = 0;
  const readVarint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const byte = buf[pos++];
      if (byte === undefined) throw new Error('truncated varint');
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7n;
    }
  };
  while (pos < buf.length) {
    const tag = Number(readVarint());
    const field = tag >> 3;
    const list = fields.get(field) ?? [];
    if ((tag & 7) === 0) list.push(Number(BigInt.asIntN(64, readVarint())));
    else if ((tag & 7) === 2) {
      const length = Number(readVarint());
      list.push(buf.subarray(pos, pos + length));
      pos += length;
    } else throw new Error(`wire type ${tag & 7}`);
    fields.set(field, list);
  }
  return fields;
}

// ---------------------------------------------------------------- the protocol's messages

/** A TemporaryExposureKey as the phone sends it; fields left undefined are not sent. */
export interface PhoneKey {
  keyData?: Buffer;
  transmissionRiskLevel?: number;
  rollingStartIntervalNumber?: number;
  rollingPeriod?: number;
}

function encodeKey(key: PhoneKey): Buffer {
  const parts: Buffer[] = [];
  if (key.keyData !== undefined) parts.push(pbBytes(1, key.keyData));
  if (key.transmissionRiskLevel !== undefined) parts.push(pbVarint(2, key.transmissionRiskLevel));
  if (key.rollingStartIntervalNumber !== undefined) parts.push(pbVarint(3, key.rollingStartIntervalNumber));
  if (key.rollingPeriod !== undefined) parts.push(pbVarint(4, key.rollingPeriod));
  return Buffer.concat(parts);
}

/** Upload{timestamp = Timestamp{seconds}, keys}. */
export function encodeUpload(keys: readonly PhoneKey[], timestampSeconds: number | undefined): Buffer {
  return Buffer.concat([
    ...(timestampSeconds === undefined ? [] : [pbBytes(1, pbVarint(1, timestampSeconds))]),
    ...keys.map((k) => pbBytes(2, encodeKey(k))),
  ]);
}

/** Decoded KeyClaimResponse. */
export interface ClaimAnswer {
  status: number;
  error: number;
  serverPublicKey?: Buffer;
  triesRemaining?: number;
  banSeconds?: number;
}

/** `count` daily keys (rolling period omitted = 144), newest yesterday relative to `now`, risk 1 as the app sends. */
export function phoneDailyKeys(now: Date, count: number): PhoneKey[] {
  const today = Math.floor(now.getTime() / 600_000 / 144) * 144;
  return Array.from({ length: count }, (_, i) => ({
    keyData: randomBytes(16),
    transmissionRiskLevel: 1,
    rollingStartIntervalNumber: today - (i + 1) * 144,
  }));
}

/** A phone: its Curve25519 key pair, the server key it got, and what it sends. */
export class Phone {
  readonly keyPair = nacl.box.keyPair();
  serverPublicKey: Buffer | undefined;

  /** `address` is sent as X-Forwarded-For, so one node sees several clients. */
  constructor(
    private readonly baseUrl: string,
    private readonly address = `10.0.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`,
  ) {}

  async post(path: string, body: Buffer): Promise<{ status: number; body: Buffer; headers: Headers }> {
    const res = await fetch(`${this.baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf', 'x-forwarded-for': this.address },
      body,
    });
    return { status: res.status, body: Buffer.from(await res.arrayBuffer()), headers: res.headers };
  }

  /** KeyClaimRequest{one_time_code, app_public_key}. */
  claimBody(code: string, appPublicKey: Uint8Array = this.keyPair.publicKey): Buffer {
    return Buffer.concat([pbBytes(1, code), pbBytes(2, Buffer.from(appPublicKey))]);
  }

  /** POST /claim-key with `body` (default: this phone's claim of `code`); keeps the server key on success. */
  async claim(code: string, body: Buffer = this.claimBody(code)): Promise<ClaimAnswer> {
    const res = await this.post('/claim-key', body);
    const f = pbDecode(res.body);
    const ban = f.get(4)?.[0] as Buffer | undefined;
    const answer: ClaimAnswer = {
      status: res.status,
      error: (f.get(1)?.[0] as number | undefined) ?? 0,
      serverPublicKey: f.get(2)?.[0] as Buffer | undefined,
      triesRemaining: f.get(3)?.[0] as number | undefined,
      banSeconds: ban ? ((pbDecode(ban).get(1)?.[0] as number | undefined) ?? 0) : undefined,
    };
    if (answer.status === 200) this.serverPublicKey = answer.serverPublicKey;
    return answer;
  }

  /** EncryptedUploadRequest for `keys`, sealed for the server key (fields overridable for attacks). */
  uploadBody(
    keys: readonly PhoneKey[],
    options: {
      timestampSeconds?: number | undefined;
      nonce?: Buffer;
      serverPublicKey?: Buffer;
      appPublicKey?: Buffer;
      plaintext?: Buffer;
      tamper?: boolean;
    } = {},
  ): Buffer {
    const server = options.serverPublicKey ?? this.serverPublicKey;
    if (!server) throw new Error('claim a code first');
    const nonce = options.nonce ?? randomBytes(24);
    const plain =
      options.plaintext ??
      encodeUpload(keys, 'timestampSeconds' in options ? options.timestampSeconds : Date.now() / 1000);
    const sealed = Buffer.from(
      nacl.box(
        plain,
        nonce.length === 24 ? nonce : randomBytes(24),
        this.serverPublicKeyFor(server),
        this.keyPair.secretKey,
      ),
    );
    if (options.tamper) sealed[sealed.length - 1]! ^= 1;
    return Buffer.concat([
      pbBytes(1, server),
      pbBytes(2, options.appPublicKey ?? Buffer.from(this.keyPair.publicKey)),
      pbBytes(3, nonce),
      pbBytes(4, sealed),
    ]);
  }

  /** POST /upload; the EncryptedUploadResponse error (0 = NONE). */
  async upload(body: Buffer): Promise<{ status: number; error: number }> {
    const res = await this.post('/upload', body);
    return { status: res.status, error: (pbDecode(res.body).get(1)?.[0] as number | undefined) ?? 0 };
  }

  private serverPublicKeyFor(server: Buffer): Uint8Array {
    // nacl.box needs exactly 32 bytes; a deliberately wrong-sized key is still sent as given in field 1.
    return server.length === 32 ? server : Buffer.alloc(32);
  }
}

/** The retrieve MAC an app computes: HMAC-SHA256(key, "region:day:hour"), hex. */
export function retrieveMac(keyHex: string, region: string, day: string, now: Date): string {
  const hour = Math.floor(now.getTime() / 3_600_000);
  return createHmac('sha256', Buffer.from(keyHex, 'hex')).update(`${region}:${day}:${hour}`).digest('hex');
}
