/**
 * An expected refusal of an admin command (the thing exists, or does not): `enfed: <message>` on stderr and
 * exit 1, as opposed to a usage mistake (exit 2) or a fault.
 */
export class Refusal extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Refusal';
  }
}

/** Runs `work`; a thrown `kind` (e.g. AlreadyExistsError from a repository) becomes a Refusal. */
export async function refuseOn<T>(kind: abstract new (...args: never[]) => Error, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof kind) throw new Refusal(err.message);
    throw err;
  }
}
