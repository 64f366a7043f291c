import { Command } from 'commander';
import type { CliContext } from '../support/cli-context';
import { setAction } from '../support/command-action';
import { durationOption } from '../support/option-parsers';
import { Refusal } from '../support/refusal';
import { collect } from '../verify/public-key-options';
import { formatProbe, prometheusProbe } from './probe-output';
import { probeTarget, type PublishFlags } from './probe-target';
import { runProbe } from './run-probe';

const MORE = `
Publishes a synthetic diagnosis (2 random, already expired keys) with a verification certificate signed by a
TEST health authority, waits until a new file of the export index holds those keys, and verifies that file.
Exit 0 when every stage passes; 1 on a failure or the timeout. The keys are real keys to the server: register
a dedicated test health authority (enfed admin health-authority) and app for the probe.

Examples:
  enfed probe --manifest .enfed/demo/manifest.json --region US-OR          (a running demo, hub export)
  enfed probe --publish https://node/v1/publish --health-authority-key probe-ha.pem \\
    --health-authority-id gov.wa.probe --iss probe-authority --aud enfed-node-wa --kid v1 \\
    --export-index https://cdn/exports/all/index.txt --public-key 310/v1=hub.pem --prometheus`;

/** `enfed probe`: the end-to-end check after a deployment, publish → export → verify, with latencies. */
export function probeCommand(ctx: CliContext): Command {
  const cmd = new Command('probe')
    .description(
      "publish a synthetic diagnosis, wait for its keys in an export, verify the file; report each stage's latency",
    )
    .option('--publish <url>', "the node's publish URL (…/v1/publish)")
    .option('--health-authority-key <file>', 'PEM P-256 private key of a test health authority the node trusts')
    .option('--health-authority-id <id>', 'healthAuthorityID (the app) of the publish request')
    .option('--iss <iss>', "the certificate's issuer")
    .option('--aud <aud>', "the certificate's audience (the node)")
    .option('--kid <kid>', "the authority key's version (certificate header kid)", 'v1')
    .option('--export-index <url>', "the index.txt to watch (the hub's, or the node's)")
    .option('--public-key <[id/version=]file>', "the export's signing public key (PEM); repeat for several", collect)
    .option(
      '--manifest <path>',
      'take all of the above from a running demo manifest (the hub export unless --watch node)',
    )
    .option('--region <region>', 'with --manifest: the node to publish at (default: the first)')
    .option('--watch <server>', 'with --manifest: hub or node', 'hub')
    .option('--timeout <duration>', 'give up after this long', '10m')
    .option('--poll <duration>', 'how often the index is read', '5s')
    .option('--prometheus', 'print Prometheus text format (for a Pushgateway or a textfile collector)')
    .option('--json', 'print the result as JSON')
    .addHelpText('after', MORE);
  return setAction(
    cmd,
    async (
      flags: PublishFlags & {
        exportIndex?: string;
        publicKey?: string[];
        watch?: string;
        timeout?: string;
        poll?: string;
        prometheus?: boolean;
        json?: boolean;
      },
    ) => {
      const timeoutSeconds = durationOption(flags.timeout, 'timeout', 600);
      const pollSeconds = durationOption(flags.poll, 'poll', 5);
      const target = await probeTarget(flags);
      const quiet = flags.prometheus || flags.json;
      const result = await runProbe(target, {
        timeoutSeconds,
        pollSeconds,
        onProgress: quiet ? undefined : ctx.err,
      });
      if (flags.prometheus) ctx.out(prometheusProbe(result, new Date()));
      else if (flags.json) ctx.out(`${JSON.stringify(result, null, 2)}\n`);
      else ctx.out(formatProbe(result));
      if (!result.ok) {
        const failed = result.stages.find((s) => !s.ok);
        throw new Refusal(`probe failed at ${failed?.stage ?? 'an unknown stage'}: ${failed?.detail ?? ''}`);
      }
    },
  );
}
