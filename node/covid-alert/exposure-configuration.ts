import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { REGION_CODE } from '../../core/keys/regions';

const levels = z.array(z.number().int().min(0).max(8)).length(8);
const weight = z.number().int().min(0).max(100);

/** The COVID Alert app's schema of an exposure configuration (ExposureConfigurationSchema.json). */
export const exposureConfigurationSchema = z.object({
  minimumRiskScore: z.number().int().min(0).max(4096),
  attenuationDurationThresholds: z.array(z.number().int().min(0).max(100)).length(2),
  attenuationLevelValues: levels,
  daysSinceLastExposureLevelValues: levels,
  durationLevelValues: levels,
  transmissionRiskLevelValues: levels,
  attenuationWeight: weight,
  daysSinceLastExposureWeight: weight,
  durationWeight: weight,
  transmissionRiskWeight: weight,
  minimumExposureDurationMinutes: z.number().int().min(0).max(100).optional(),
});
export type ExposureConfiguration = z.infer<typeof exposureConfigurationSchema>;

/** The COVID Alert app's built-in default, served to every region when no file is configured. */
export const DEFAULT_EXPOSURE_CONFIGURATION: ExposureConfiguration = {
  minimumRiskScore: 1,
  attenuationDurationThresholds: [50, 62],
  attenuationLevelValues: [2, 3, 4, 5, 6, 7, 8, 8],
  daysSinceLastExposureLevelValues: [0, 1, 1, 1, 1, 1, 1, 1],
  durationLevelValues: [1, 1, 1, 1, 1, 1, 1, 1],
  transmissionRiskLevelValues: [1, 1, 1, 1, 1, 1, 1, 1],
  attenuationWeight: 1,
  daysSinceLastExposureWeight: 1,
  durationWeight: 1,
  transmissionRiskWeight: 1,
  minimumExposureDurationMinutes: 15,
};

/** The key of the configuration served to regions without their own. */
export const ANY_REGION = '*';

/**
 * Exposure configurations by region (`GET /exposure-configuration/{region}.json`), as the health authority sets
 * them: the file EXPOSURE_CONFIGURATION_FILE maps region codes (and `*`) to configurations, each checked against the
 * app's schema when the node starts, so a typo stops the start rather than reaching phones.
 */
export class ExposureConfigurations {
  private constructor(private readonly byRegion: ReadonlyMap<string, string>) {}

  /** Reads and checks the file; without one, the app default for every region. */
  static load(file: string | undefined): ExposureConfigurations {
    if (file === undefined) {
      return new ExposureConfigurations(new Map([[ANY_REGION, JSON.stringify(DEFAULT_EXPOSURE_CONFIGURATION)]]));
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new Error(`EXPOSURE_CONFIGURATION_FILE ${file}: not readable JSON (${(err as Error).message})`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new Error(`EXPOSURE_CONFIGURATION_FILE ${file}: expected an object of region → configuration`);
    const map = new Map<string, string>();
    for (const [region, value] of Object.entries(parsed)) {
      const code = region === ANY_REGION ? region : region.toUpperCase();
      if (code !== ANY_REGION && !REGION_CODE.test(code))
        throw new Error(`EXPOSURE_CONFIGURATION_FILE ${file}: "${region}" is not a region code`);
      const result = exposureConfigurationSchema.strict().safeParse(value);
      if (!result.success) {
        const issue = result.error.issues[0];
        throw new Error(`EXPOSURE_CONFIGURATION_FILE ${file}: ${region}: ${issue?.path.join('.')} ${issue?.message}`);
      }
      map.set(code, JSON.stringify(result.data));
    }
    return new ExposureConfigurations(map);
  }

  /** The JSON served for a region, or undefined (404). */
  forRegion(region: string): string | undefined {
    return this.byRegion.get(region.toUpperCase()) ?? this.byRegion.get(ANY_REGION);
  }
}
