/** Report types as stored; '' means the verification step gave none (bypass or legacy). */
export const REPORT_TYPES = ['', 'confirmed', 'likely', 'negative', 'user-report'] as const;
export type ReportType = (typeof REPORT_TYPES)[number];

/** Wire enum shared by the export format and the federation protocol. */
export enum WireReportType {
  UNKNOWN = 0,
  CONFIRMED_TEST = 1,
  CONFIRMED_CLINICAL_DIAGNOSIS = 2,
  SELF_REPORT = 3,
  RECURSIVE = 4,
  REVOKED = 5,
}

const TO_WIRE: Record<ReportType, WireReportType | undefined> = {
  '': undefined,
  confirmed: WireReportType.CONFIRMED_TEST,
  likely: WireReportType.CONFIRMED_CLINICAL_DIAGNOSIS,
  'user-report': WireReportType.SELF_REPORT,
  negative: WireReportType.REVOKED,
};

/** Wire value of a stored report type; undefined means the field is absent. */
export function toWireReportType(type: ReportType): WireReportType | undefined {
  return TO_WIRE[type];
}

/**
 * Stored report type of a wire value, or undefined for values that are dropped on the way in
 * (UNKNOWN, RECURSIVE, and anything out of range).
 */
export function fromWireReportType(value: number): ReportType | undefined {
  switch (value) {
    case WireReportType.CONFIRMED_TEST:
      return 'confirmed';
    case WireReportType.CONFIRMED_CLINICAL_DIAGNOSIS:
      return 'likely';
    case WireReportType.SELF_REPORT:
      return 'user-report';
    case WireReportType.REVOKED:
      return 'negative';
    default:
      return undefined;
  }
}

export function isReportType(value: unknown): value is ReportType {
  return typeof value === 'string' && (REPORT_TYPES as readonly string[]).includes(value);
}

/** Allowed revisions (docs/publish-api.md, "Revision tokens"): the only ways a stored report type may change. */
const ALLOWED_TRANSITIONS: Record<ReportType, readonly ReportType[]> = {
  '': ['confirmed', 'likely', 'negative'],
  likely: ['confirmed', 'negative'],
  'user-report': ['confirmed', 'likely', 'negative'],
  confirmed: [],
  negative: [],
};

/** Outcome of re-sending a key with a new report type. */
export type RevisionCheck = 'unchanged' | 'allowed' | 'forbidden';

export function checkRevision(from: ReportType, to: ReportType): RevisionCheck {
  if (from === to) return 'unchanged';
  return ALLOWED_TRANSITIONS[from].includes(to) ? 'allowed' : 'forbidden';
}

/** Transmission risk filled in when a client sent 0 (unknown). */
export function backfillTransmissionRisk(sent: number, type: ReportType): number {
  if (sent !== 0) return sent;
  switch (type) {
    case 'confirmed':
      return 2;
    case 'likely':
      return 4;
    case 'negative':
      return 6;
    default:
      return 0;
  }
}
