import { randomBytes } from 'node:crypto';
import { compareRowKeys, ROW_OFFSET, ROW_SIZE } from '../format/export-row';

/** Primary rows with fake keys sorted in, and which of them are fake. */
export interface PaddedRows {
  rows: Buffer;
  fake: Uint8Array;
}

/**
 * Adds `count` fake keys to `primary`: random key bytes, metadata copied round-robin from the real rows
 * (primary first, then revised), so padding cannot be told from real keys by its fields. The result is
 * sorted by key bytes like every list in a file. Only used for small windows (below the padding target),
 * so holding these rows in memory is bounded.
 */
export function padRows(primary: Buffer, revised: Buffer, count: number): PaddedRows {
  const real = Buffer.concat([primary, revised]);
  const realCount = real.length / ROW_SIZE;
  if (realCount === 0 || count <= 0) return { rows: primary, fake: new Uint8Array(primary.length / ROW_SIZE) };
  const fakes = Buffer.alloc(count * ROW_SIZE);
  const random = randomBytes(count * 16);
  for (let i = 0; i < count; i++) {
    const source = (i % realCount) * ROW_SIZE;
    real.copy(fakes, i * ROW_SIZE, source, source + ROW_SIZE);
    random.copy(fakes, i * ROW_SIZE + ROW_OFFSET.key, i * 16, i * 16 + 16);
  }
  const all = Buffer.concat([primary, fakes]);
  const primaryCount = primary.length / ROW_SIZE;
  const order = Array.from({ length: primaryCount + count }, (_, i) => i);
  order.sort((a, b) => compareRowKeys(all, a * ROW_SIZE, all, b * ROW_SIZE));
  const rows = Buffer.alloc(all.length);
  const fake = new Uint8Array(order.length);
  order.forEach((from, to) => {
    all.copy(rows, to * ROW_SIZE, from * ROW_SIZE, from * ROW_SIZE + ROW_SIZE);
    fake[to] = from >= primaryCount ? 1 : 0;
  });
  return { rows, fake };
}
