import { readFile } from 'node:fs/promises';
import { verificationKey, type VerificationKey } from '../../core/export/verify/verification-keys';
import type { DevHealthAuthority } from '../demo/dev-health-authority';
import type { DemoManifest } from '../demo/demo-manifest';
import { required } from '../support/option-parsers';
import { UsageError } from '../support/usage-error';
import { readPublicKeys } from '../verify/public-key-options';

/** Where a probe (or a generator) publishes, and as whom. */
export interface PublishTarget {
  publishUrl: string;
  authority: Omit<DevHealthAuthority, 'publicKeyPem'>;
}

/** Everything a probe needs: where it publishes, which export it watches, and the export's public key(s). */
export interface ProbeTarget extends PublishTarget {
  exportIndexUrl: string;
  keys: VerificationKey[];
}

/** The flags that name a publish target, by hand or from a demo manifest. */
export interface PublishFlags {
  manifest?: string;
  region?: string;
  publish?: string;
  healthAuthorityKey?: string;
  healthAuthorityId?: string;
  iss?: string;
  aud?: string;
  kid?: string;
}

async function readManifest(path: string): Promise<DemoManifest> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as DemoManifest;
  } catch {
    throw new UsageError(`--manifest: cannot read a demo manifest at ${path}`);
  }
}

/** The node of a manifest that `--region` names (default: the first). */
function manifestNode(manifest: DemoManifest, region: string | undefined) {
  const wanted = (region ?? manifest.nodes[0]?.region ?? '').toUpperCase();
  const node = manifest.nodes.find((n) => n.region === wanted);
  if (!node) throw new UsageError(`--region must be one of ${manifest.nodes.map((n) => n.region).join(', ')}`);
  return node;
}

/**
 * A publish target from flags: with --manifest (a running `enfed demo` or startFederation), the node of --region
 * and its dev health authority; otherwise --publish, --health-authority-key (PEM, P-256 private key of a TEST
 * health authority registered at the node), --health-authority-id (the app id), --iss, --aud and --kid.
 */
export async function publishTarget(flags: PublishFlags): Promise<PublishTarget> {
  if (flags.manifest !== undefined) {
    const node = manifestNode(await readManifest(flags.manifest), flags.region);
    return { publishUrl: flags.publish ?? node.publishUrl, authority: node.healthAuthority };
  }
  const keyFile = required(flags.healthAuthorityKey, 'health-authority-key');
  let privateKeyPem: string;
  try {
    privateKeyPem = await readFile(keyFile, 'utf8');
  } catch {
    throw new UsageError(`--health-authority-key: cannot read ${keyFile}`);
  }
  return {
    publishUrl: required(flags.publish, 'publish'),
    authority: {
      healthAuthorityID: required(flags.healthAuthorityId, 'health-authority-id'),
      iss: required(flags.iss, 'iss'),
      aud: required(flags.aud, 'aud'),
      kid: flags.kid ?? 'v1',
      privateKeyPem,
    },
  };
}

/** A probe target: the publish target, plus --export-index and --public-key (or the hub's from the manifest). */
export async function probeTarget(
  flags: PublishFlags & { exportIndex?: string; publicKey?: string[]; watch?: string },
): Promise<ProbeTarget> {
  const target = await publishTarget(flags);
  if (flags.manifest !== undefined && flags.exportIndex === undefined) {
    const manifest = await readManifest(flags.manifest);
    const server = flags.watch === 'node' ? manifestNode(manifest, flags.region) : manifest.hub;
    const keys = flags.publicKey
      ? await readPublicKeys(flags.publicKey)
      : [
          verificationKey(
            server.signingPublicKeyPem,
            `${flags.watch === 'node' ? 'node' : 'hub'} key from the manifest`,
            {
              keyId: server.verificationKeyId,
              keyVersion: server.verificationKeyVersion,
            },
          ),
        ];
    return { ...target, exportIndexUrl: server.exportIndexUrl, keys };
  }
  return {
    ...target,
    exportIndexUrl: required(flags.exportIndex, 'export-index'),
    keys: await readPublicKeys(flags.publicKey),
  };
}
