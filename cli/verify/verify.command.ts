import { Command } from 'commander';
import { verifyExports } from '../../core/export/verify/verify-exports';
import type { CliContext } from '../support/cli-context';
import { setAction } from '../support/command-action';
import { Refusal } from '../support/refusal';
import { formatVerification } from './format-verification';
import { collect, readPublicKeys } from './public-key-options';

const MORE = `
Inputs: export zips, directories (their zips, or an unzipped export.bin + export.sig), zip URLs, or index.txt
URLs (every listed file, and each batch must be complete). Checks what a phone checks: the zip holds exactly
export.bin and export.sig, the "EK Export v1" header, batch numbers, one ECDSA P-256 signature per signature
info verifying over export.bin with a key given for its id/version, keys sorted, every field in range.
Exit 0 when every file passes, 1 when any fails.

Examples:
  enfed verify .enfed/demo/blobs/hub/all --public-key hub.pem
  enfed verify http://127.0.0.1:8080/exports/all/index.txt --public-key 310/v1=hub.pem --json`;

/** `enfed verify`: checks export files from any server against expected public keys, and sums them up. */
export function verifyCommand(ctx: CliContext): Command {
  const cmd = new Command('verify')
    .description('verify export files (zips, directories, index.txt URLs) as a phone would, and summarize them')
    .argument('<inputs...>', 'export zips, directories, zip URLs or index.txt URLs')
    .option('--public-key <[id/version=]file>', 'expected signing public key (PEM); repeat for several', collect)
    .option('--json', 'print the full report as JSON')
    .addHelpText('after', MORE);
  return setAction(cmd, async (inputs: string[], options: { publicKey?: string[]; json?: boolean }) => {
    const keys = await readPublicKeys(options.publicKey);
    const report = await verifyExports(inputs, keys);
    ctx.out(options.json ? `${JSON.stringify(report, null, 2)}\n` : formatVerification(report));
    if (!report.ok)
      throw new Refusal(`verify: ${report.summary.failedFiles} of ${report.summary.files} file(s) failed`);
  });
}
