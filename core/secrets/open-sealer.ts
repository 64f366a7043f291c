import { describeSecretReference, resolveSecretReference, type SecretReference } from './secret-reference';
import { parseKek, type Kek } from './kek';
import { KekSealer } from './kek-sealer';
import { UNSEALED, type SecretSealer } from './secret-sealer';

/** Reads the KEK a reference points at. */
export async function resolveKek(ref: SecretReference, env: NodeJS.ProcessEnv): Promise<Kek> {
  return parseKek(await resolveSecretReference(ref, env), describeSecretReference(ref));
}

/**
 * The sealer of this process: KEK (and KEK_PREVIOUS) resolved once, here, at start-up; UNSEALED when no KEK is
 * configured. Throws SecretReferenceError naming the reference (never its value) when one cannot be read.
 */
export async function openSecretSealer(
  config: { KEK?: SecretReference; KEK_PREVIOUS?: SecretReference },
  env: NodeJS.ProcessEnv,
): Promise<SecretSealer> {
  if (config.KEK === undefined) return UNSEALED;
  const current = await resolveKek(config.KEK, env);
  const previous = config.KEK_PREVIOUS ? [await resolveKek(config.KEK_PREVIOUS, env)] : [];
  return new KekSealer(current, previous);
}
