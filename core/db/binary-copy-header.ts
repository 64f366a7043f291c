/** "PGCOPY\n\377\r\n\0": the signature that opens a binary COPY stream. */
const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
/** Signature, flags (int32) and header-extension length (int32). */
const FIXED_HEADER_SIZE = SIGNATURE.length + 8;

/**
 * Where the first tuple of a binary COPY stream starts, read from its first bytes (PostgreSQL, "COPY", Binary
 * Format): the offset, 'incomplete' while the header (including its extension area) has not all arrived, or
 * 'invalid' when the bytes do not begin with the signature.
 */
export function binaryCopyDataStart(head: Buffer): number | 'incomplete' | 'invalid' {
  const signed = Math.min(head.length, SIGNATURE.length);
  if (!head.subarray(0, signed).equals(SIGNATURE.subarray(0, signed))) return 'invalid';
  if (head.length < FIXED_HEADER_SIZE) return 'incomplete';
  const start = FIXED_HEADER_SIZE + head.readUInt32BE(SIGNATURE.length + 4);
  return head.length < start ? 'incomplete' : start;
}
