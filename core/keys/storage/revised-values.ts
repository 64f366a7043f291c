/**
 * How a revised key reads: the revised report type, and for every other field the revised value where the
 * revision set one, else the original. Export files (revised_keys) and federation (revisedKeys) both serve these.
 */
export const REVISED_VALUES = {
  reportType: 'revised_report_type',
  transmissionRisk: 'coalesce(revised_transmission_risk, transmission_risk)',
  daysSinceOnset: 'coalesce(revised_days_since_onset, days_since_onset)',
} as const;
