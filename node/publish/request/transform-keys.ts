import type { ExposureKey } from '../../../core/keys/exposure-key';
import { storedArrival } from '../../../core/keys/arrival';
import type { KeyValidationLimits } from '../../../core/keys/key-limits';
import { backfillTransmissionRisk, type ReportType } from '../../../core/keys/report-type';
import { validateKey } from '../../../core/keys/validate-key';
import { decodeKeyBase64 } from './key-base64';
import type { PublishKeyInput } from './publish-request';
import { daysSinceOnset } from './symptom-onset';

/** What every key of one publish shares. */
export interface TransformContext {
  now: Date;
  truncateWindowSeconds: number;
  limits: KeyValidationLimits;
  reportType: ReportType;
  onsetInterval: number;
  regions: string[];
  traveler: boolean;
  healthAuthorityId: number | null;
}

/** The keys that survived, and a warning per dropped key. */
export interface TransformResult {
  keys: ExposureKey[];
  warnings: string[];
}

/**
 * Applies the per-key rules and derives the stored fields: days since onset, transmission-risk backfill, and
 * created_at (core/keys/arrival.ts: truncated to the window; for a still-valid key, embargoed past its expiry).
 */
export function transformKeys(input: readonly PublishKeyInput[], ctx: TransformContext): TransformResult {
  const keys: ExposureKey[] = [];
  const warnings: string[] = [];
  const seen = new Set<string>();
  input.forEach((sent, index) => {
    const bytes = decodeKeyBase64(sent.key);
    const dsos = daysSinceOnset(sent.rollingStartNumber, ctx.onsetInterval);
    const rejection = bytes
      ? validateKey(
          {
            key: bytes,
            intervalNumber: sent.rollingStartNumber,
            intervalCount: sent.rollingPeriod,
            transmissionRisk: sent.transmissionRisk,
            daysSinceOnset: dsos,
          },
          ctx.now,
          ctx.limits,
        )
      : 'invalid_key_length';
    if (rejection || !bytes) {
      warnings.push(`key ${index} dropped: ${rejection}`);
      return;
    }
    // The same key twice in one request would store one row; keep the first and say so.
    const id = bytes.toString('hex');
    if (seen.has(id)) {
      warnings.push(`key ${index} dropped: duplicate_key`);
      return;
    }
    seen.add(id);
    const keyCreatedAt = storedArrival(
      { intervalNumber: sent.rollingStartNumber, intervalCount: sent.rollingPeriod },
      ctx.now,
      ctx.truncateWindowSeconds,
    );
    keys.push({
      key: bytes,
      transmissionRisk: backfillTransmissionRisk(sent.transmissionRisk, ctx.reportType),
      intervalNumber: sent.rollingStartNumber,
      intervalCount: sent.rollingPeriod,
      regions: ctx.regions,
      traveler: ctx.traveler,
      reportType: ctx.reportType,
      daysSinceOnset: dsos,
      createdAt: keyCreatedAt,
      localProvenance: true,
      healthAuthorityId: ctx.healthAuthorityId,
      originQueryId: null,
      revisedReportType: null,
      revisedAt: null,
      revisedDaysSinceOnset: null,
      revisedTransmissionRisk: null,
    });
  });
  return { keys, warnings };
}
