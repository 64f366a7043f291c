import { AppError, BadRequestError, UnauthenticatedError } from '../../core/errors/app-error';

/** Stable error codes of the publish API (docs/publish-api.md, "Error codes"). */
export const PUBLISH_CODES = {
  badRequest: 'bad_request',
  unknownHealthAuthorityId: 'unknown_health_authority_id',
  certificateInvalid: 'health_authority_verification_certificate_invalid',
  missingRevisionToken: 'missing_revision_token',
  invalidRevisionToken: 'invalid_revision_token',
  keyAlreadyRevised: 'key_already_revised',
  invalidReportTypeTransition: 'invalid_report_type_transition',
  partialFailure: 'partial_failure',
  maintenance: 'maintenance',
} as const;

/** `healthAuthorityID` names no authorized app (401). */
export class UnknownHealthAuthorityIdError extends UnauthenticatedError {
  constructor() {
    super('unknown health authority id', PUBLISH_CODES.unknownHealthAuthorityId);
  }
}

/**
 * The verification certificate did not verify (401). `reason` is for the server log only: the client
 * always sees the same text, so that probing reveals nothing about which check failed.
 */
export class CertificateInvalidError extends UnauthenticatedError {
  constructor(readonly reason: string) {
    super('health authority verification certificate invalid', PUBLISH_CODES.certificateInvalid);
  }
}

/** A revision-token problem (400): missing, undecryptable or not listing the re-sent keys. */
export class RevisionError extends BadRequestError {
  constructor(
    code:
      | typeof PUBLISH_CODES.missingRevisionToken
      | typeof PUBLISH_CODES.invalidRevisionToken
      | typeof PUBLISH_CODES.keyAlreadyRevised
      | typeof PUBLISH_CODES.invalidReportTypeTransition,
    message: string,
  ) {
    super(message, code);
  }
}

/** Publishing is switched off for maintenance (429, ours). */
export class MaintenanceError extends AppError {
  constructor() {
    super('resource_exhausted', PUBLISH_CODES.maintenance, 'publishing is paused for maintenance, retry later');
  }
}
