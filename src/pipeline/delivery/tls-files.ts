// The TLS options every TLS drain takes (tls_verify, ca_file, cert_file, key_file): their schema and checks, reading
// them, warnings about the client certificate and key, and what a receiver's refusal of a client certificate means.
import { readFileSync, statSync } from 'node:fs';
import type * as Crypto from 'node:crypto';
import type { ConnectionOptions } from 'node:tls';
import type { Schema } from '../../config/schema';

/** A client certificate that expires within this many days is warned about at start. */
export const EXPIRY_WARNING_DAYS = 14;

export interface TlsFiles {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  /** Things to warn about at start: a key others can read, a certificate that expires soon. */
  warnings: string[];
}

/** The contents of `ca_file`, `cert_file` and `key_file` (each optional), with a clear error when one cannot be read. */
export function readTlsFiles(options: Record<string, any>, now = Date.now()): TlsFiles {
  const files: TlsFiles = { ca: read(options, 'ca_file'), cert: read(options, 'cert_file'), key: read(options, 'key_file'), warnings: [] };
  if (files.key) {
    const mode = statSync(options.key_file).mode & 0o777;
    // Group or others may read it: anyone with that access can pose as this client.
    if (mode & 0o044)
      files.warnings.push(
        `key_file ${JSON.stringify(options.key_file)} can be read by ${mode & 0o004 ? 'every user' : 'its group'} (mode ${mode.toString(8).padStart(4, '0')}); chmod 600 it`,
      );
  }
  if (files.cert) {
    let validTo: number | undefined;
    try {
      const { X509Certificate } = require('node:crypto') as typeof Crypto;
      validTo = Date.parse(new X509Certificate(files.cert).validTo);
    } catch (error) {
      throw new Error(`option "cert_file": ${JSON.stringify(options.cert_file)} is not a PEM certificate: ${(error as Error).message}`);
    }
    const days = (validTo - now) / 86_400_000;
    if (days < 0)
      files.warnings.push(
        `the client certificate in cert_file ${JSON.stringify(options.cert_file)} expired on ${new Date(validTo).toISOString()}; the receiver will refuse it`,
      );
    else if (days < EXPIRY_WARNING_DAYS)
      files.warnings.push(
        `the client certificate in cert_file ${JSON.stringify(options.cert_file)} expires on ${new Date(validTo).toISOString()}, in ${Math.floor(days)} days; renew it`,
      );
  }
  return files;
}

/** The schema of the TLS options; `scope` (e.g. "syslog+tls: ") starts each doc, for drains that also take plain URLs. */
export function tlsFields(scope: string): Schema {
  return {
    tls_verify: {
      type: 'boolean',
      default: true,
      doc: `${scope}check the server's certificate and name; false sends logs to whoever answers, and is warned about at start`,
    },
    ca_file: { type: 'string', doc: `${scope}PEM file of the CA(s) to trust instead of the system's` },
    cert_file: {
      type: 'string',
      doc: `${scope}PEM client certificate, for receivers that ask for one (mutual TLS); one that expires within ${EXPIRY_WARNING_DAYS} days is warned about at start`,
    },
    key_file: { type: 'string', doc: `${scope}PEM private key of cert_file; warned about when others can read it` },
  };
}

/**
 * For a `check`: the file options go only with a TLS URL (`tls` false: the url is not one, such as `scheme` says;
 * undefined: not known yet, e.g. an unset variable), and cert_file and key_file go together.
 */
export function tlsProblems(options: Record<string, any>, tls: boolean | undefined, scheme: string): { key: string; message: string }[] {
  const problems: { key: string; message: string }[] = [];
  if (tls === false) {
    for (const key of ['ca_file', 'cert_file', 'key_file']) {
      if (options[key] !== undefined)
        problems.push({ key, message: `option "${key}" applies to ${scheme} URLs only, and url is ${JSON.stringify(options.url)}` });
    }
  }
  if ((options.cert_file === undefined) !== (options.key_file === undefined)) {
    problems.push({
      key: options.cert_file === undefined ? 'key_file' : 'cert_file',
      message: 'options "cert_file" and "key_file" go together: set both or neither',
    });
  }
  return problems;
}

/** What a TLS transport to `server` needs: node:tls options from the TLS options, and what to warn about at start. */
export function tlsConnection(options: Record<string, any>, server: string): { connection: ConnectionOptions; warnings: string[] } {
  const { ca, cert, key, warnings } = readTlsFiles(options);
  const verify = options.tls_verify !== false;
  if (!verify)
    warnings.push(`tls_verify = false: the certificate of ${server} is not checked, so anyone between here and there can read and change these logs`);
  return { connection: { rejectUnauthorized: verify, ca, cert, key }, warnings };
}

/**
 * What a TLS alert from the receiver says about the client certificate, as a sentence naming the options to
 * set; undefined for other errors. `hasCert` tells whether drover offered one.
 */
export function clientCertificateProblem(error: Error, name: string, hasCert: boolean): string | undefined {
  const code = (error as NodeJS.ErrnoException).code ?? '';
  if (!/ALERT/.test(code) && !/alert/.test(error.message)) return undefined;
  // OpenSSL's message is long ("...:SSL routines:ssl3_read_bytes:tlsv13 alert certificate required:../deps/..."): the alert says it all.
  const alert = /alert ([a-z ]+?)\s*(?::|$)/i.exec(error.message)?.[1] ?? code;
  const said = `TLS alert "${alert}"`;
  if (/CERTIFICATE_REQUIRED|certificate required/i.test(code + error.message)) {
    return `${name} requires a client certificate and refused the connection without one (${said}): set cert_file and key_file (mutual TLS)`;
  }
  if (
    /BAD_CERTIFICATE|UNKNOWN_CA|CERTIFICATE_EXPIRED|CERTIFICATE_REVOKED|UNSUPPORTED_CERTIFICATE|CERTIFICATE_UNKNOWN|HANDSHAKE_FAILURE|ACCESS_DENIED/i.test(code)
  ) {
    return hasCert
      ? `${name} refused drover's client certificate (${said}): check that cert_file is signed by a CA the receiver trusts, has not expired, and that key_file belongs to it`
      : `${name} ended the TLS handshake (${said}): if it requires a client certificate, set cert_file and key_file (mutual TLS)`;
  }
  return undefined;
}

function read(options: Record<string, any>, key: string): Buffer | undefined {
  const path = options[key] as string | undefined;
  if (path === undefined) return undefined;
  try {
    return readFileSync(path);
  } catch (error) {
    throw new Error(`option "${key}": cannot read ${JSON.stringify(path)}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}
