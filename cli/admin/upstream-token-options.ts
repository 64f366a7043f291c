import { createPublicKey } from 'node:crypto';
import { resolve } from 'node:path';
import { Command } from 'commander';
import { AppError } from '../../core/errors/app-error';
import { publicJwks } from '../../core/federation/oidc/jwk-thumbprint';
import { loadSigner, type BearerTokenConfig } from '../../core/federation/oidc/token-source';
import type { CliContext } from '../support/cli-context';
import { setAction } from '../support/command-action';
import { required } from '../support/option-parsers';
import { UsageError } from '../support/usage-error';

/** The token options of `upstream add`. */
export interface TokenOptions {
  tokenFile?: string;
  tokenKey?: string;
  tokenIssuer?: string;
  tokenSubject?: string;
  tokenAudience?: string;
  tokenKeyId?: string;
}

function signerOrUsage(keyPath: string, keyId: string | null): ReturnType<typeof loadSigner> {
  try {
    return loadSigner(keyPath, keyId);
  } catch (err) {
    throw new UsageError(`--token-key ${err instanceof AppError ? err.message : 'unusable'}`);
  }
}

/**
 * The bearer token an upstream gets, from `upstream add`'s options, or null for none. Paths are stored
 * absolute; a token file may not exist yet (a sidecar writes it), but a signing key must be usable now.
 */
export function bearerOption(options: TokenOptions): BearerTokenConfig | null {
  const minting = [options.tokenIssuer, options.tokenSubject, options.tokenAudience, options.tokenKeyId];
  if (options.tokenFile !== undefined && options.tokenKey !== undefined) {
    throw new UsageError('give --token-file or --token-key, not both');
  }
  if (options.tokenKey === undefined && minting.some((o) => o !== undefined)) {
    throw new UsageError('--token-issuer, --token-subject, --token-audience and --token-key-id go with --token-key');
  }
  if (options.tokenFile !== undefined)
    return { kind: 'file', path: resolve(required(options.tokenFile, 'token-file')) };
  if (options.tokenKey === undefined) return null;
  const keyPath = resolve(options.tokenKey);
  const issuer = required(options.tokenIssuer, 'token-issuer');
  const keyId = options.tokenKeyId === undefined ? null : required(options.tokenKeyId, 'token-key-id');
  signerOrUsage(keyPath, keyId);
  return {
    kind: 'minted',
    keyPath,
    issuer,
    subject: options.tokenSubject === undefined ? issuer : required(options.tokenSubject, 'token-subject'),
    audience: required(options.tokenAudience, 'token-audience'),
    keyId,
  };
}

/** `upstream token-jwks`: the JWKS to publish for a minting key, so the upstream can verify our tokens. */
export function tokenJwksCommand(ctx: CliContext): Command {
  const cmd = new Command('token-jwks')
    .description('print the JWKS (public key only) an upstream needs to verify tokens minted with --token-key')
    .option('--token-key <file>', 'the EC P-256 private key (PEM) given to upstream add')
    .option('--token-key-id <kid>', "the kid given to upstream add (default: the key's thumbprint)");
  return setAction(cmd, (options: { tokenKey?: string; tokenKeyId?: string }) => {
    const signer = signerOrUsage(resolve(required(options.tokenKey, 'token-key')), options.tokenKeyId ?? null);
    ctx.out(`${JSON.stringify(publicJwks(createPublicKey(signer.key), signer.kid), null, 2)}\n`);
  });
}
