import { KEY_LENGTH } from '../../../core/keys/exposure-key';

const BASE64_TEXT = /^[A-Za-z0-9+/_-]+={0,2}$/;

/**
 * Decodes a key's base64 text, standard or URL alphabet, padded or not. Returns undefined unless the
 * text is canonical base64 of exactly 16 bytes (Buffer.from alone would skip stray characters).
 */
export function decodeKeyBase64(text: string): Buffer | undefined {
  if (text.length < 22 || text.length > 24 || !BASE64_TEXT.test(text)) return undefined;
  const unpadded = text.replace(/=+$/, '');
  if (unpadded.length !== 22 || (text.length !== 22 && text.length !== 24)) return undefined;
  const standard = unpadded.replace(/-/g, '+').replace(/_/g, '/');
  const bytes = Buffer.from(standard, 'base64');
  if (bytes.length !== KEY_LENGTH) return undefined;
  // Reject texts whose unused low bits are set: they are not the encoding of any 16 bytes.
  if (bytes.toString('base64').slice(0, 22) !== standard) return undefined;
  return bytes;
}

/** Decodes standard or URL-alphabet base64 strictly; undefined when the text is not base64. */
export function decodeBase64Strict(text: string): Buffer | undefined {
  if (text.length === 0 || !BASE64_TEXT.test(text)) return undefined;
  const unpadded = text.replace(/=+$/, '');
  if (unpadded.length % 4 === 1) return undefined;
  return Buffer.from(unpadded.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
}
