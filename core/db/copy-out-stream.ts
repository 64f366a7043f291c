import { Readable } from 'node:stream';
import type pg from 'pg';

/** Backend message codes met during COPY OUT (PostgreSQL protocol, "Message Formats"). */
const COPY_DATA = 0x64; // 'd'
const COPY_DONE = 0x63; // 'c'
const ERROR_RESPONSE = 0x45; // 'E'
/** Messages that may come before or among the CopyData ones and are skipped (as pg-copy-streams does). */
const SKIPPED = new Set([
  0x48, // CopyOutResponse 'H'
  0x4e, // NoticeResponse 'N'
  0x53, // ParameterStatus 'S'
  0x41, // NotificationResponse 'A'
]);
/** Code byte and int32 length. */
const MESSAGE_HEADER = 5;
/** Payloads up to this size are moved by a loop: Buffer#copy is a call with argument checks. */
const SHORT_COPY = 64;

/**
 * `COPY … TO STDOUT` for `client.query()`: a Readable of the CopyData payload bytes, one buffer per read
 * from the socket. It is pg-copy-streams' `to` without its per-message buffer objects: a binary COPY sends
 * one message per row, and that library's slice-and-join per message made it the largest cost of the
 * export's main thread after deflate (and most of its garbage collection) in the bench:export profile.
 * Like it, it takes the socket from pg for the duration of the COPY and hands back whatever follows
 * CopyDone or an ErrorResponse, so pg reads the rest of the exchange (CommandComplete, ReadyForQuery, or
 * the error, which then arrives here through handleError).
 */
export class CopyOutStream extends Readable implements pg.Submittable {
  private socket: pg.Connection['stream'] | undefined;
  private pgDataHandler: ((chunk: Buffer) => void) | undefined;
  private readonly header = Buffer.alloc(MESSAGE_HEADER);
  private headerBytes = 0;
  private code = 0;
  /** Bytes of the current message not read yet (0: between messages). */
  private payloadLeft = 0;
  private wantMore = false;
  private forwarding = false;
  private detached = false;
  private readonly onReadable = () => this.forward();

  constructor(private readonly text: string) {
    super();
  }

  submit(connection: pg.Connection): void {
    const socket = connection.stream;
    const listeners = socket.listeners('data');
    if (listeners.length !== 1) throw new Error('COPY OUT: unexpected data listeners on the connection');
    this.socket = socket;
    this.pgDataHandler = listeners[0] as (chunk: Buffer) => void;
    socket.removeListener('data', this.pgDataHandler);
    socket.pause();
    socket.on('readable', this.onReadable);
    connection.query(this.text);
  }

  override _read(): void {
    this.wantMore = true;
    this.forward();
  }

  handleError(err: Error): void {
    this.destroy(err);
  }

  handleCommandComplete(): void {}

  handleReadyForQuery(): void {}

  private forward(): void {
    if (this.forwarding || !this.wantMore || !this.socket) return;
    this.forwarding = true;
    let chunk: Buffer | null;
    while (this.wantMore && !this.detached && (chunk = this.socket.read() as Buffer | null) !== null) {
      this.wantMore = this.parse(chunk);
    }
    this.forwarding = false;
  }

  /** Copies the CopyData payloads of `chunk` into one buffer and pushes it; returns whether to go on. */
  private parse(chunk: Buffer): boolean {
    const out = Buffer.allocUnsafe(chunk.length);
    let o = 0;
    let p = 0;
    while (p < chunk.length) {
      if (this.payloadLeft === 0 && this.headerBytes === 0 && chunk[p] === ERROR_RESPONSE) {
        this.detach(chunk.subarray(p));
        return false;
      }
      if (this.payloadLeft === 0) {
        while (this.headerBytes < MESSAGE_HEADER && p < chunk.length) this.header[this.headerBytes++] = chunk[p++]!;
        if (this.headerBytes < MESSAGE_HEADER) break;
        this.headerBytes = 0;
        this.code = this.header[0]!;
        this.payloadLeft = this.header.readUInt32BE(1) - 4;
        if (this.code === COPY_DONE) {
          // The COPY is over (CopyDone has no body); what follows is pg's.
          this.payloadLeft = 0;
          const pushed = o === 0 || this.push(out.subarray(0, o));
          this.detach(chunk.subarray(p));
          this.push(null);
          return pushed;
        }
        if (this.code !== COPY_DATA && !SKIPPED.has(this.code)) {
          // Not part of a COPY OUT exchange: pg gets the message whole and this stream fails.
          this.payloadLeft = 0;
          this.detach(Buffer.concat([this.header, chunk.subarray(p)]));
          this.destroy(new Error(`COPY OUT: unexpected message ${String.fromCharCode(this.code)}`));
          return false;
        }
        continue;
      }
      const n = Math.min(this.payloadLeft, chunk.length - p);
      if (this.code === COPY_DATA) {
        if (n <= SHORT_COPY) for (let i = 0; i < n; i++) out[o + i] = chunk[p + i]!;
        else chunk.copy(out, o, p, p + n);
        o += n;
      }
      p += n;
      this.payloadLeft -= n;
    }
    return o === 0 || this.push(out.subarray(0, o));
  }

  /** Gives the socket back to pg with the bytes that are its. */
  private detach(rest: Buffer): void {
    const socket = this.socket!;
    this.detached = true;
    socket.removeListener('readable', this.onReadable);
    socket.addListener('data', this.pgDataHandler!);
    this.pgDataHandler!(rest);
    // As pg-copy-streams: resume on the next tick, after pg's handler may have paused the socket.
    process.nextTick(() => socket.resume());
  }
}
