import type { ReportType } from './report-type';

/** Length of a Temporary Exposure Key in bytes. */
export const KEY_LENGTH = 16;

/**
 * A stored diagnosis key, one row of `exposure_keys`. The same model serves keys published at a node
 * and keys pooled at the hub; `localProvenance` tells which.
 */
export interface ExposureKey {
  key: Buffer;
  transmissionRisk: number;
  intervalNumber: number;
  intervalCount: number;
  regions: string[];
  traveler: boolean;
  reportType: ReportType;
  daysSinceOnset: number | null;
  /** Arrival time, truncated (and embargoed); export and federation show a key only after this hour closes. */
  createdAt: Date;
  /** True when the key entered through this server's own publish API. */
  localProvenance: boolean;
  healthAuthorityId: number | null;
  /** The federation-in query that brought the key (hub), or null. */
  originQueryId: number | null;
  revisedReportType: ReportType | null;
  revisedAt: Date | null;
  revisedDaysSinceOnset: number | null;
  revisedTransmissionRisk: number | null;
}
