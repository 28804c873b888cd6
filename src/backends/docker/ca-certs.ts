/**
 * Extra CA certificates for image builds. Where HTTPS is re-signed by a corporate proxy or
 * a local CA, a sandbox trusts nothing until it is given that CA. A user hands corral PEM
 * files (often a whole bundle such as /etc/ssl/certs/ca-certificates.crt); each
 * certificate is written to its own `*.crt` in the build context's `certs/`, because
 * update-ca-certificates links one file per CA and OpenSSL's hashed lookup only sees the
 * first certificate of a file.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CorralError } from '../../lib/errors.js';

/** The host's trust store on Debian and Ubuntu; callers pass it when asked to. */
export const hostCaBundlePath = '/etc/ssl/certs/ca-certificates.crt';

/**
 * What image builds trust unless told otherwise: the host's bundle when it has one, so a
 * build trusts exactly what the host trusts (a corporate proxy's CA included).
 */
export function getDefaultCaCertFiles(): string[] {
  return existsSync(hostCaBundlePath) ? [hostCaBundlePath] : [];
}

const pemCertificate = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

export function splitPemCertificates(text: string): string[] {
  return text.match(pemCertificate) ?? [];
}

/** Writes every certificate in `files` into `certsDir`; returns how many were written. */
export async function writeCaCerts(certsDir: string, files: readonly string[]): Promise<number> {
  let count = 0;
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      throw new CorralError('USAGE', `Cannot read the CA certificate file ${file}.`, {
        cause: error,
      });
    }
    const certificates = splitPemCertificates(text);
    if (certificates.length === 0) {
      throw new CorralError('USAGE', `${file} holds no PEM certificate.`, {
        hint: 'Pass a file with -----BEGIN CERTIFICATE----- blocks.',
      });
    }
    for (const certificate of certificates) {
      const name = `extra-${String(count++).padStart(4, '0')}.crt`;
      await writeFile(join(certsDir, name), `${certificate}\n`);
    }
  }
  return count;
}
