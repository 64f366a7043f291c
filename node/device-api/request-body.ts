import { DeviceApiError } from './device-api-errors';

/**
 * Parses a device API body as the reference does: one JSON object whose fields are all listed in `fields` (each
 * with its JSON type); anything else is a 400 with `errorCode`.
 */
export function parseBody(
  text: string,
  fields: Record<string, 'string' | 'string[]'>,
  errorCode: string,
): Record<string, string | string[] | undefined> {
  const fail = (message: string): never => {
    throw new DeviceApiError(400, errorCode, message);
  };
  if (text.trim() === '') fail('body must not be empty');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    fail('malformed JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('body must be a JSON object');
  const out: Record<string, string | string[] | undefined> = {};
  for (const [name, field] of Object.entries(value as Record<string, unknown>)) {
    const type = fields[name];
    if (!type) fail(`unknown field ${JSON.stringify(name.slice(0, 40))}`);
    if (field === null) continue;
    const ok =
      type === 'string'
        ? typeof field === 'string'
        : Array.isArray(field) && field.every((v: unknown) => typeof v === 'string');
    if (!ok) fail(`${name} has the wrong type`);
    out[name] = field as string | string[];
  }
  return out;
}

const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

/** Standard or URL-alphabet base64, padded or not (the reference's tolerant decoder); undefined if not base64. */
export function decodeTolerantBase64(text: string): Buffer | undefined {
  if (!BASE64.test(text)) return undefined;
  const unpadded = text.replace(/=+$/, '');
  if (unpadded.length % 4 === 1) return undefined;
  return Buffer.from(unpadded.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
}
