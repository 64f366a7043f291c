import type { Metadata } from '@grpc/grpc-js';
import { UnauthenticatedError } from '../errors/app-error';
import { bearerToken } from './oidc/bearer-token';
import type { VerifiedToken } from './oidc/verify-id-token';
import type { PartnerAuthorization, PartnerAuthorizationRepository } from './partner-authorization.repository';

/**
 * The authorization of a caller identified by its client certificate (the mTLS listener). Identity comes only
 * from the certificate that completed the handshake.
 */
export async function partnerByCertificate(
  partners: PartnerAuthorizationRepository,
  fingerprint: string | undefined,
): Promise<PartnerAuthorization> {
  if (!fingerprint) throw new UnauthenticatedError('a client certificate is required', 'client_certificate_required');
  const partner = await partners.findEnabledByFingerprint(fingerprint);
  if (!partner) throw new UnauthenticatedError('this client certificate is not authorized', 'partner_not_authorized');
  return partner;
}

/** What identifying a token caller needs. */
export interface TokenCallerDeps {
  partners: PartnerAuthorizationRepository;
  verify: (token: string) => Promise<VerifiedToken>;
  /** Audience a token must carry when its authorization names none (FEDERATION_TOKEN_AUDIENCE). */
  defaultAudience: string;
}

/**
 * The authorization of a caller identified by a bearer ID token (the token listener), as the reference server's
 * FederationOutAuthorization: the verified token's issuer and subject select the partner, and its audience must
 * include the partner's audience, or this server's when the partner has none.
 */
export async function partnerByToken(deps: TokenCallerDeps, metadata: Metadata): Promise<PartnerAuthorization> {
  const token = await deps.verify(bearerToken(metadata));
  const partner = await deps.partners.findEnabledByToken(token.issuer, token.subject);
  if (!partner) throw new UnauthenticatedError('this token subject is not authorized', 'partner_not_authorized');
  const audience = partner.tokenAudience ?? deps.defaultAudience;
  if (!token.audiences.includes(audience)) {
    throw new UnauthenticatedError('the token is not meant for this server', 'token_audience_mismatch');
  }
  return partner;
}
