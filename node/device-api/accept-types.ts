import { DeviceApiError, DEVICE_API_CODES } from './device-api-errors';

/** Test types an app may name in `accept`, and what each implies (a newer app understands the older types). */
const IMPLIES: Record<string, readonly string[]> = {
  confirmed: ['confirmed'],
  likely: ['confirmed', 'likely'],
  negative: ['confirmed', 'likely', 'negative'],
  'user-report': ['confirmed', 'user-report'],
};

/**
 * The test types an app accepts (the reference's rules): none listed means all; names are case-insensitive and
 * expand to the types they imply; an unknown name is 400 `invalid_test_type`.
 */
export function acceptedTestTypes(accept: readonly string[] | undefined): ReadonlySet<string> {
  if (accept === undefined || accept.length === 0) return new Set(Object.keys(IMPLIES));
  const out = new Set<string>();
  for (const name of accept) {
    const implied = IMPLIES[name.toLowerCase()];
    if (!implied)
      throw new DeviceApiError(400, DEVICE_API_CODES.invalidTestType, `unsupported accept type: ${name.slice(0, 40)}`);
    for (const type of implied) out.add(type);
  }
  return out;
}
