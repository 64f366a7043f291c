import type { Metadata } from '@grpc/grpc-js';
import { UnauthenticatedError } from '../../errors/app-error';

/**
 * The token of the one `authorization: Bearer …` entry of a call's metadata. No entry, several entries or
 * another scheme is UNAUTHENTICATED. The token itself is never put into an error or a log line.
 */
export function bearerToken(metadata: Metadata): string {
  const values = metadata.get('authorization');
  if (values.length === 0) throw new UnauthenticatedError('a bearer token is required', 'token_required');
  if (values.length > 1) throw new UnauthenticatedError('send one authorization entry', 'token_malformed');
  const match = /^Bearer[ \t]+(\S+)\s*$/i.exec(String(values[0]));
  if (!match) throw new UnauthenticatedError('the authorization entry is not a bearer token', 'token_malformed');
  return match[1] as string;
}
