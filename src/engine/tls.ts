/**
 * libpq's `sslmode` in node-postgres terms: which TLS settings each mode means, the certificate
 * files a URL names, and the connection attempts the modes node-postgres lacks (`prefer`,
 * `allow`) need. The URL parser decides the mode; the connector tries the attempts.
 */
import type { ClientConfig } from 'pg';
import { MigrationError } from './errors.js';

/** The `sslmode` values libpq accepts. */
export type SslMode = 'disable' | 'allow' | 'prefer' | 'require' | 'verify-ca' | 'verify-full';

/** Every {@link SslMode}, in libpq's order (for validation messages). */
export const SSL_MODES: readonly SslMode[] = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'];

/** Contents of the certificate and key files named in the URL. */
export interface SslFiles {
  /** `sslrootcert`: CA certificate(s) that must sign the server's certificate. */
  readonly ca?: string;
  /** `sslcert`: client certificate. */
  readonly cert?: string;
  /** `sslkey`: client private key. */
  readonly key?: string;
}

/** What {@link connectionAttempts} needs of a parsed target. */
export interface TlsTarget {
  /** node-postgres config, with `ssl` already set except for `prefer`. */
  readonly pg: ClientConfig;
  readonly sslmode: SslMode;
  readonly sslFiles?: SslFiles;
}

/**
 * The node-postgres configs to try, in order. One entry except for the libpq modes node-postgres
 * lacks: `prefer` tries TLS without verification then plain text (fall back only when the server
 * answers that it has no SSL), and `allow` tries plain text then TLS. `ssl` is always explicit here,
 * so `PGSSLMODE` in the environment cannot change the outcome.
 */
export function connectionAttempts(target: TlsTarget): ClientConfig[] {
  // libpq's prefer/allow never verify the server certificate.
  const tls = { ...target.sslFiles, rejectUnauthorized: false };
  if (target.sslmode === 'prefer') return [{ ...target.pg, ssl: tls }, { ...target.pg, ssl: false }];
  if (target.sslmode === 'allow') return [{ ...target.pg, ssl: false }, { ...target.pg, ssl: tls }];
  return [{ ...target.pg }];
}

/**
 * Read the `sslrootcert`/`sslcert`/`sslkey` files named in the URL's `params` (none for
 * `disable`). `shownUrl` gives the redacted URL for the error message.
 *
 * @throws MigrationError `URL_INVALID` when a named file cannot be read
 */
export function readSslFiles(
  mode: SslMode,
  params: URLSearchParams,
  shownUrl: () => string,
  readFile: (path: string) => string,
): SslFiles | undefined {
  if (mode === 'disable') return undefined;
  const read = (name: 'sslrootcert' | 'sslcert' | 'sslkey'): string | undefined => {
    const path = params.get(name);
    if (path === null || path === '') return undefined;
    try {
      return readFile(path);
    } catch (err) {
      throw new MigrationError('URL_INVALID', `cannot read ${name} file ${path} named in ${shownUrl()}: ${(err as Error).message}`, {
        cause: err,
      });
    }
  };
  const ca = read('sslrootcert');
  const cert = read('sslcert');
  const key = read('sslkey');
  if (ca === undefined && cert === undefined && key === undefined) return undefined;
  return { ...(ca !== undefined ? { ca } : {}), ...(cert !== undefined ? { cert } : {}), ...(key !== undefined ? { key } : {}) };
}

/** node-postgres's `ssl` for a mode; `undefined` for `prefer`, which {@link connectionAttempts} decides per attempt. */
export function sslConfig(mode: SslMode, files: SslFiles | undefined): ClientConfig['ssl'] {
  switch (mode) {
    case 'disable':
    case 'allow':
      return false;
    case 'prefer':
      // node-postgres has no "prefer": the connector decides per attempt (connectionAttempts).
      return undefined;
    case 'require':
      // libpq: `require` with a root certificate behaves like verify-ca.
      if (files?.ca === undefined) return { ...files, rejectUnauthorized: false };
      return { ...files, rejectUnauthorized: true, checkServerIdentity: () => undefined };
    case 'verify-ca':
      // Chain verified (Node's CA store when no sslrootcert), host name not: libpq's verify-ca.
      return { ...files, rejectUnauthorized: true, checkServerIdentity: () => undefined };
    default:
      return { ...files, rejectUnauthorized: true };
  }
}
