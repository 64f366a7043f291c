import { readFile, writeFile } from 'node:fs/promises';
import { Command } from 'commander';
import type { CliContext } from '../support/cli-context';
import { setAction } from '../support/command-action';
import { Refusal } from '../support/refusal';
import { UsageError } from '../support/usage-error';
import { probeTarget, publishTarget, type PublishFlags } from '../probe/probe-target';
import { collect, readPublicKeys } from '../verify/public-key-options';
import type { DemoManifest } from '../demo/demo-manifest';
import type { CheckResult, ConformanceCheck } from './check';
import { runChecks } from './check';
import { exportChecks } from './export-checks';
import { federationChecks } from './federation-checks';
import { junitXml } from './junit';
import { publishChecks } from './publish-checks';

const MORE = `
Runs the checks of each part it is given an address for, and reports pass/fail/skip per check:
  publish     --publish URL and a TEST health authority (--health-authority-key, --health-authority-id, --iss,
              --aud, --kid): a valid publish, malformed and oversized requests, per-key rules, certificate
              attacks (alg none/HS256, foreign signature, tekmac of other keys, expired), revision tokens
  export      --export-index URL --public-key FILE: index.txt, every file as a phone checks it, batches
  federation  --federation HOST:PORT --federation-region R --client-cert --client-key --ca-cert [--server-name]: mTLS refusal,
              Fetch response shape, region filters, paging with cursors
--manifest takes all of them from a running enfed demo: publish at --region, the hub's export, and the
federation-out of the --region node called with the hub's client certificate.
Valid publishes store real (random) keys: use a test health authority. Exit 1 when any check fails.`;

type ConformanceFlags = PublishFlags & {
  exportIndex?: string;
  publicKey?: string[];
  federation?: string;
  clientCert?: string;
  clientKey?: string;
  caCert?: string;
  serverName?: string;
  federationRegion?: string;
  junit?: string;
  json?: boolean;
};

async function collectChecks(flags: ConformanceFlags): Promise<ConformanceCheck[]> {
  const checks: ConformanceCheck[] = [];
  if (flags.manifest !== undefined) {
    let manifest: DemoManifest;
    try {
      manifest = JSON.parse(await readFile(flags.manifest, 'utf8')) as DemoManifest;
    } catch {
      throw new UsageError(`--manifest: cannot read a demo manifest at ${flags.manifest}`);
    }
    const target = await probeTarget(flags);
    checks.push(...publishChecks(target), ...exportChecks(target.exportIndexUrl, target.keys));
    // The node's federation-out, called as the hub (the partner the demo authorizes there): it holds the keys
    // published at that node, so filters and paging have something to work on.
    const region = (flags.region ?? manifest.nodes[0]?.region ?? '').toUpperCase();
    const node = manifest.nodes.find((n) => n.region === region) ?? manifest.nodes[0]!;
    checks.push(
      ...federationChecks(
        flags.federation ?? node.grpcAddress,
        {
          caCertPath: flags.caCert ?? manifest.caCertPath,
          clientCertPath: flags.clientCert ?? manifest.hub.certPath,
          clientKeyPath: flags.clientKey ?? manifest.hub.keyPath,
        },
        flags.federationRegion ?? node.region,
      ),
    );
    return checks;
  }
  if (flags.publish !== undefined) checks.push(...publishChecks(await publishTarget(flags)));
  if (flags.exportIndex !== undefined)
    checks.push(...exportChecks(flags.exportIndex, await readPublicKeys(flags.publicKey)));
  if (flags.federation !== undefined) {
    if (!flags.clientCert || !flags.clientKey || !flags.caCert || !flags.federationRegion)
      throw new UsageError('--federation needs --client-cert, --client-key, --ca-cert and --federation-region');
    checks.push(
      ...federationChecks(
        flags.federation,
        { caCertPath: flags.caCert, clientCertPath: flags.clientCert, clientKeyPath: flags.clientKey },
        flags.federationRegion,
        flags.serverName,
      ),
    );
  }
  if (checks.length === 0) throw new UsageError('give --publish, --export-index, --federation or --manifest');
  return checks;
}

const line = (r: CheckResult) =>
  `${r.status === 'pass' ? 'pass' : r.status === 'fail' ? 'FAIL' : 'skip'}  ${r.id.padEnd(32)} ${r.title}\n      ${r.detail}\n`;

/** `enfed conformance`: the spec's checks against any key server, human and JUnit XML. */
export function conformanceCommand(ctx: CliContext): Command {
  const cmd = new Command('conformance')
    .description(
      'run the spec checks against a publish URL, an export index and a federation address; pass/fail per check',
    )
    .option('--publish <url>', "the node's publish URL (…/v1/publish)")
    .option('--health-authority-key <file>', 'PEM P-256 private key of a TEST health authority the node trusts')
    .option('--health-authority-id <id>', 'healthAuthorityID (the app) of the publish requests')
    .option('--iss <iss>', "the certificates' issuer")
    .option('--aud <aud>', "the certificates' audience (the node)")
    .option('--kid <kid>', "the authority key's version (certificate header kid)", 'v1')
    .option('--export-index <url>', 'an export index.txt URL')
    .option('--public-key <[id/version=]file>', "the export's signing public key (PEM); repeat for several", collect)
    .option('--federation <host:port>', 'a Federation.Fetch gRPC address')
    .option('--client-cert <file>', 'mTLS client certificate (PEM) the server authorizes')
    .option('--client-key <file>', 'its private key (PEM)')
    .option('--ca-cert <file>', "CA bundle the server's certificate chains to")
    .option('--federation-region <region>', 'the region to fetch (Fetch serves only requested, authorized regions)')
    .option('--server-name <name>', "TLS name to verify when it differs from the address's host")
    .option('--manifest <path>', 'all of the above from a running enfed demo')
    .option('--region <region>', 'with --manifest: the node to publish at (default: the first)')
    .option('--junit <file>', 'also write the results as JUnit XML to this file')
    .option('--json', 'print the results as JSON')
    .addHelpText('after', MORE);
  return setAction(cmd, async (flags: ConformanceFlags) => {
    const checks = await collectChecks(flags);
    const results = await runChecks(checks, flags.json ? undefined : (r) => ctx.out(line(r)));
    if (flags.junit) await writeFile(flags.junit, junitXml(results));
    const failed = results.filter((r) => r.status === 'fail').length;
    const skipped = results.filter((r) => r.status === 'skip').length;
    if (flags.json) ctx.out(`${JSON.stringify(results, null, 2)}\n`);
    else
      ctx.out(
        `\n${results.length} checks: ${results.length - failed - skipped} passed, ${failed} failed, ${skipped} skipped\n`,
      );
    if (failed > 0) throw new Refusal(`conformance: ${failed} check(s) failed`);
  });
}
