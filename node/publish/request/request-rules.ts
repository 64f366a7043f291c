import { BadRequestError } from '../../../core/errors/app-error';
import type { PublishKeyInput } from './publish-request';

/** The request-level limits (docs/publish-api.md; configurable). */
export interface RequestLimits {
  maxKeys: number;
  maxSameStartKeys: number;
}

/**
 * Request-level rules: the key count, and the layout of the keys in time. They reject the whole request
 * (400 `bad_request`) before anything is verified or stored.
 *
 * After sorting by (rollingStartNumber, rollingPeriod), keys sharing one start may overlap (a device may
 * release today's key early and the full key later), but at most `maxSameStartKeys` of them; a key that
 * starts inside the previous key's validity at a different start means two keys were valid at once.
 */
export function checkRequestRules(keys: readonly PublishKeyInput[], limits: RequestLimits): void {
  if (keys.length === 0) throw new BadRequestError('no temporaryExposureKeys');
  if (keys.length > limits.maxKeys) {
    throw new BadRequestError(`too many temporaryExposureKeys (at most ${limits.maxKeys})`);
  }
  const sorted = [...keys].sort(
    (a, b) => a.rollingStartNumber - b.rollingStartNumber || a.rollingPeriod - b.rollingPeriod,
  );
  let previous: PublishKeyInput | undefined;
  let sameStart = 0;
  for (const key of sorted) {
    if (previous && key.rollingStartNumber === previous.rollingStartNumber) {
      sameStart += 1;
      if (sameStart > limits.maxSameStartKeys) {
        throw new BadRequestError(
          `too many keys with the same rollingStartNumber (at most ${limits.maxSameStartKeys})`,
        );
      }
    } else {
      if (previous && key.rollingStartNumber < previous.rollingStartNumber + previous.rollingPeriod) {
        throw new BadRequestError('non aligned overlapping intervals');
      }
      sameStart = 1;
    }
    previous = key;
  }
}
