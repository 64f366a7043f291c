/** What verify found about one export file (JSON-friendly: `enfed verify --json` prints these). */
export interface ExportFileReport {
  /** The path or URL the file came from. */
  source: string;
  /** The index.txt URL that listed it, when it came from one. */
  index?: string;
  ok: boolean;
  /** Everything a phone would reject, in words; empty when ok. */
  problems: string[];
  sha256?: string;
  region?: string;
  startTimestamp?: number;
  endTimestamp?: number;
  batchNum?: number;
  batchSize?: number;
  keys: number;
  revisedKeys: number;
  /** Keys and revised keys per report type name (`NONE` when the field is absent). */
  reportTypes: Record<string, number>;
  /** Earliest rolling_start_interval_number and latest end (start + period) of any key, in 10-minute intervals. */
  firstInterval?: number;
  lastIntervalEnd?: number;
  signatures: SignatureReport[];
}

/** One TEKSignature of export.sig and what became of it. */
export interface SignatureReport {
  keyId: string;
  keyVersion: string;
  algorithm: string;
  /** `verified` or `failed` with a key that applies to this id/version; `unchecked` when no given key does. */
  status: 'verified' | 'failed' | 'unchecked';
}

/** A file report before anything is known (e.g. the file could not be read at all). */
export function emptyReport(source: string, index?: string): ExportFileReport {
  return {
    source,
    ...(index === undefined ? {} : { index }),
    ok: false,
    problems: [],
    keys: 0,
    revisedKeys: 0,
    reportTypes: {},
    signatures: [],
  };
}
