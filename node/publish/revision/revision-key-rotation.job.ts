import type { Logger } from '../../../core/logging/logger';
import type { RevisionKeyRepository, RotationOutcome } from './revision-key.repository';

/** Queue name (and stable scheduler id) of the rotation job. */
export const REVISION_KEY_ROTATION_JOB = 'publish-revision-key-rotation';

export interface RevisionKeyRotationSettings {
  keys: RevisionKeyRepository;
  logger: Logger;
  now: () => Date;
  rotationSeconds: number;
  retentionSeconds: number;
}

/** The rotation job's run: rotates the revision-token keys and logs what changed. */
export function revisionKeyRotation(settings: RevisionKeyRotationSettings): () => Promise<RotationOutcome> {
  return async () => {
    const outcome = await settings.keys.rotate(settings.now(), settings.rotationSeconds, settings.retentionSeconds);
    if (outcome.created || outcome.deleted > 0) settings.logger.info(outcome, 'revision token keys rotated');
    return outcome;
  };
}
