import { AppError } from '../../../core/errors/app-error';

/**
 * Why an index or a file could not be imported. `code` is stable snake_case (the ledger, run records and the status
 * page show `code: message`); messages name files and limits, never key material.
 */
export type ImportErrorCode =
  | 'download_failed'
  | 'download_timeout'
  | 'download_too_large'
  | 'http_status'
  | 'index_is_html'
  | 'index_invalid_name'
  | 'zip_invalid'
  | 'zip_too_large_inflated'
  | 'zip_entries'
  | 'signature_unverified'
  | 'export_invalid';

/** A failure of one import step, recorded on the file's ledger row or on the run. */
export class ImportError extends AppError {
  constructor(
    readonly importCode: ImportErrorCode,
    message: string,
  ) {
    super('unavailable', importCode, message);
    this.name = 'ImportError';
  }

  /** The text the ledger, the run record and the status page show. */
  get summary(): string {
    return `${this.code}: ${this.message}`.slice(0, 500);
  }
}

/** A short, safe text for any failure: an ImportError's summary, else the error code or `internal_error`. */
export function describeImportFailure(err: unknown): string {
  if (err instanceof ImportError) return err.summary;
  if (err instanceof AppError) return err.code;
  return 'internal_error';
}
