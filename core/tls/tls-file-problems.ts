import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** PEM files of a TLS identity, each named by where it was configured (an env variable or a CLI option). */
export interface TlsFilesToCheck {
  cert?: { path: string; name: string };
  key?: { path: string; name: string };
  ca?: { path: string; name: string };
}

function read(file: { path: string; name: string }, problems: string[]): Buffer | undefined {
  try {
    return readFileSync(file.path);
  } catch (err) {
    const reason = (err as { code?: string }).code === 'ENOENT' ? 'no such file' : 'cannot be read';
    problems.push(`${file.name}: ${file.path}: ${reason}`);
    return undefined;
  }
}

/**
 * What is wrong with a TLS identity's files, as one sentence per problem naming the setting and the path:
 * unreadable, not a PEM certificate or key, or a key that does not belong to the certificate. Empty when
 * they are usable. Checked at start-up and when an operator adds them, so a mistake never surfaces later as a
 * bare ENOENT or an OpenSSL error in a handshake.
 */
export function tlsFileProblems(files: TlsFilesToCheck): string[] {
  const problems: string[] = [];
  let cert: X509Certificate | undefined;
  if (files.cert) {
    const pem = read(files.cert, problems);
    if (pem) {
      try {
        cert = new X509Certificate(pem);
      } catch {
        problems.push(`${files.cert.name}: ${files.cert.path}: not a PEM certificate`);
      }
    }
  }
  if (files.key) {
    const pem = read(files.key, problems);
    if (pem) {
      try {
        const key = createPrivateKey(pem);
        if (cert && !cert.checkPrivateKey(key)) {
          problems.push(
            `${files.key.name}: ${files.key.path}: this key does not belong to the certificate in ${files.cert?.path}`,
          );
        }
      } catch {
        problems.push(`${files.key.name}: ${files.key.path}: not a PEM private key`);
      }
    }
  }
  if (files.ca) {
    const pem = read(files.ca, problems);
    if (pem) {
      try {
        new X509Certificate(pem);
      } catch {
        problems.push(`${files.ca.name}: ${files.ca.path}: not a PEM certificate bundle`);
      }
    }
  }
  return problems;
}
