import type { ExposureKey } from '../keys/exposure-key';
import { fromWireReportType, toWireReportType, WireReportType, type ReportType } from '../keys/report-type';
import type { WireExposureKey } from './federation.proto';

/** The fields of a key as they travel in Federation.Fetch, in our stored vocabulary. */
export interface FederatedKey extends Pick<
  ExposureKey,
  'key' | 'transmissionRisk' | 'intervalNumber' | 'intervalCount' | 'regions' | 'traveler' | 'daysSinceOnset'
> {
  /** Not narrowed to ReportType: a row may hold a type this build does not know (sent as UNKNOWN). */
  reportType: string;
}

/** Encodes a stored key for the wire. A report type we do not know is sent as UNKNOWN (dropped by receivers). */
export function toWireKey(key: FederatedKey): WireExposureKey {
  const wireType = toWireReportType(key.reportType as ReportType) ?? WireReportType.UNKNOWN;
  return {
    exposureKey: key.key,
    transmissionRisk: key.transmissionRisk,
    intervalNumber: key.intervalNumber,
    intervalCount: key.intervalCount,
    reportType: wireType,
    daysSinceOnsetOfSymptoms: key.daysSinceOnset ?? 0,
    hasSymptomOnset: key.daysSinceOnset !== null,
    traveler: key.traveler,
    regions: key.regions,
  };
}

/** Decodes a wire key; undefined for report types dropped on the way in (UNKNOWN, RECURSIVE, out of range). */
export function fromWireKey(wire: WireExposureKey): (FederatedKey & { reportType: ReportType }) | undefined {
  const reportType = fromWireReportType(wire.reportType);
  if (reportType === undefined) return undefined;
  return {
    key: wire.exposureKey,
    transmissionRisk: wire.transmissionRisk,
    intervalNumber: wire.intervalNumber,
    intervalCount: wire.intervalCount,
    regions: wire.regions,
    traveler: wire.traveler,
    reportType,
    daysSinceOnset: wire.hasSymptomOnset ? wire.daysSinceOnsetOfSymptoms : null,
  };
}
