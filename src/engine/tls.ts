/**
 * libpq's `sslmode` in node-postgres terms: which TLS settings each mode means, the certificate
 * files a URL names, and the connection attempts the modes node-postgres lacks (`prefer`,
 * `allow`) need. The URL parser decides the mode; the connector tries the attempts.
 */
import { checkServerIdentity } from 'node:tls';
import type { ClientConfig } from 'pg';
import { MigrationError } from './errors.js';

/** The `sslmode` values libpq accepts. */
export type SslMode = 'disable' | 'allow' | 'prefer' | 'require' | 'verify-ca' | 'verify-full';

/** Every {@link SslMode}, in libpq's order (for validation messages). */
export const SSL_MODES: readonly SslMode[] = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'];

/** Node TLS options from the URL's TLS parameters (file contents, not paths). */
export interface SslFiles {
  /** The CAs that must sign the server's certificate ({@link Trust.pems}). */
  readonly ca?: string;
  /** `sslcert` (or `~/.postgresql/postgresql.crt`): client certificate. */
  readonly cert?: string;
  /** `sslkey` (or `~/.postgresql/postgresql.key`): client private key. */
  readonly key?: string;
  /** `sslpassword`: passphrase of an encrypted client key. */
  readonly passphrase?: string;
  /** `sslcrl` and the lists in `sslcrldir`. */
  readonly crl?: string[];
  /** `ssl_min_protocol_version`. */
  readonly minVersion?: 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';
  /** `ssl_max_protocol_version`. */
  readonly maxVersion?: 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';
  /** SNI name when node-postgres would send none (connecting to `hostaddr`); absent with `sslsni=0`. */
  readonly servername?: string;
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

/** Where the CAs that verify the server come from (see {@link resolveTls}). */
export type TrustSource = 'sslrootcert' | 'system' | 'home' | 'node';

/**
 * The one trust configuration of a target: the CAs the migration connection verifies the server
 * with, and how a libpq child (pg_dump) gets exactly the same set.
 */
export interface Trust {
  /**
   * `sslrootcert` (the file the URL names), `system` (`sslrootcert=system`: the system's trusted
   * CAs), `home` (`~/.postgresql/root.crt`, libpq's default), `node` (verify-ca/verify-full with
   * none of these: Node's bundled CAs, plus `NODE_EXTRA_CA_CERTS`).
   */
  readonly source: TrustSource;
  /** A file holding exactly these CAs, for a child's `sslrootcert`; absent: the child gets a private copy of {@link pems}. */
  readonly file?: string;
  /** The CAs, PEM text: node-postgres's `ca`. */
  readonly pems: string;
}

/** Which CAs a {@link Trust} is, in words, for an error message. */
export function describeTrust(trust: Trust | undefined): string {
  switch (trust?.source) {
    case undefined:
      return 'none (the certificate is not verified)';
    case 'sslrootcert':
      return `the sslrootcert file ${trust.file}`;
    case 'system':
      return `the system's (sslrootcert=system: ${trust.file ?? "Node's view of the system store"})`;
    case 'home':
      return `~/.postgresql/root.crt (${trust.file})`;
    case 'node':
      return "Node's bundled CAs (no sslrootcert in the URL, no ~/.postgresql/root.crt)";
  }
}

/** How {@link resolveTls} reads the machine; injectable for tests. */
export interface TlsEnvironment {
  /** Reads a text file; throws when it cannot (ENOENT for a missing file). */
  readFile(path: string): string;
  /** Lists a directory's entries (`sslcrldir`). */
  readDir(path: string): string[];
  /** libpq's `~` (`~/.postgresql/root.crt`, `postgresql.crt`, `postgresql.key`). */
  homeDir: string;
  /** `SSL_CERT_FILE` (OpenSSL's override of the system CA file) and `NODE_EXTRA_CA_CERTS`. */
  env: Readonly<Record<string, string | undefined>>;
  /** The system's trusted CAs as Node reads them (`tls.getCACertificates('system')`, Node ≥ 22.15); undefined when Node cannot. */
  systemCAs(): readonly string[] | undefined;
  /** Node's bundled CAs (`tls.rootCertificates`). */
  nodeCAs(): readonly string[];
}

/** The usual places of the system's CA bundle (Debian/Ubuntu/Alpine, RHEL/Fedora, SUSE, macOS/BSD), after `SSL_CERT_FILE`. */
export const SYSTEM_CA_FILES: readonly string[] = [
  '/etc/ssl/certs/ca-certificates.crt',
  '/etc/pki/tls/certs/ca-bundle.crt',
  '/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem',
  '/etc/ssl/ca-bundle.pem',
  '/etc/ssl/cert.pem',
];

/** What the URL's TLS parameters mean, decided once by {@link resolveTls}. */
export interface ResolvedTls {
  /** The sslmode in effect (`sslrootcert=system` without sslmode means verify-full, as in libpq 16). */
  mode: SslMode;
  /** Node TLS options for every TLS attempt; undefined when there are none. */
  files?: SslFiles;
  /** The trust configuration, when the server's certificate is verified against CAs (or the URL names a CA file). */
  trust?: Trust;
  /** Client certificate and key libpq would pick from `~/.postgresql` (absent from the URL), for the child too. */
  homeClientCert?: { cert: string; key: string };
}

/** Values of the TLS parameters, as the URL gives them (undefined = absent or empty). */
export interface TlsParams {
  sslrootcert?: string;
  sslcert?: string;
  sslkey?: string;
  sslpassword?: string;
  sslcrl?: string;
  sslcrldir?: string;
  minVersion?: SslFiles['minVersion'];
  maxVersion?: SslFiles['maxVersion'];
}

/**
 * Decide the TLS settings of a URL once, for the migration connection and every libpq child:
 * - `sslrootcert=<file>`: that file, for both.
 * - `sslrootcert=system`: the system's trusted CAs: the file `SSL_CERT_FILE` names, else Node's
 *   view of the system store, else the first distribution bundle found ({@link SYSTEM_CA_FILES});
 *   libpq ≥ 16's rule: only with `verify-full` (and the default sslmode becomes verify-full).
 *   pg_dump gets a file either way (libpq 15 reads `system` as a file name).
 * - require/verify-ca/verify-full without sslrootcert: `~/.postgresql/root.crt` when it exists
 *   (libpq's default; `require` then verifies the chain, as libpq does). Otherwise verify-ca and
 *   verify-full use Node's bundled CAs (public-CA managed databases), and pg_dump gets the same
 *   CAs in a private file (libpq would refuse: it has no such default).
 *
 * @throws MigrationError `URL_INVALID` for a file that cannot be read, `sslrootcert=system` with
 *   a weaker sslmode, or no system CA bundle
 */
export function resolveTls(
  explicitMode: SslMode | undefined,
  p: TlsParams,
  machine: TlsEnvironment,
  shownUrl: () => string,
): ResolvedTls {
  const invalid = (reason: string): never => {
    throw new MigrationError('URL_INVALID', `invalid database url ${shownUrl()}: ${reason}`);
  };
  const system = p.sslrootcert === 'system';
  if (system && explicitMode !== undefined && explicitMode !== 'verify-full') {
    invalid(`weak sslmode "${explicitMode}" may not be used with sslrootcert=system (use "verify-full")`);
  }
  const mode: SslMode = explicitMode ?? (system ? 'verify-full' : 'prefer');
  if (mode === 'disable') return { mode };

  const read = (name: string, path: string): string => {
    try {
      return machine.readFile(path);
    } catch (err) {
      throw new MigrationError('URL_INVALID', `cannot read ${name} file ${path} named in ${shownUrl()}: ${(err as Error).message}`, { cause: err });
    }
  };
  const tryRead = (path: string): string | undefined => {
    try {
      return machine.readFile(path);
    } catch {
      return undefined;
    }
  };
  const pgHome = `${machine.homeDir.replace(/\/+$/, '')}/.postgresql`;
  const verifies = mode === 'require' || mode === 'verify-ca' || mode === 'verify-full';

  let trust: Trust | undefined;
  if (system) {
    trust = systemTrust(machine, tryRead, invalid);
  } else if (p.sslrootcert !== undefined) {
    trust = { source: 'sslrootcert', file: p.sslrootcert, pems: read('sslrootcert', p.sslrootcert) };
  } else if (verifies) {
    const homeCa = `${pgHome}/root.crt`;
    const pems = tryRead(homeCa);
    if (pems !== undefined) trust = { source: 'home', file: homeCa, pems };
    else if (mode !== 'require') trust = { source: 'node', pems: nodeTrust(machine, tryRead) };
  }

  let homeClientCert: ResolvedTls['homeClientCert'];
  let cert = p.sslcert !== undefined ? read('sslcert', p.sslcert) : undefined;
  let key = p.sslkey !== undefined ? read('sslkey', p.sslkey) : undefined;
  if (p.sslcert === undefined && p.sslkey === undefined) {
    // libpq sends ~/.postgresql/postgresql.crt (with its key) when the URL names no client certificate.
    const homeCert = `${pgHome}/postgresql.crt`;
    const homeKey = `${pgHome}/postgresql.key`;
    const c = tryRead(homeCert);
    const k = c === undefined ? undefined : tryRead(homeKey);
    if (c !== undefined && k !== undefined) {
      cert = c;
      key = k;
      homeClientCert = { cert: homeCert, key: homeKey };
    }
  }

  let crl: string[] | undefined;
  if (p.sslcrl !== undefined) crl = [read('sslcrl', p.sslcrl)];
  if (p.sslcrldir !== undefined) {
    let names: string[];
    try {
      names = machine.readDir(p.sslcrldir);
    } catch (err) {
      throw new MigrationError('URL_INVALID', `cannot read sslcrldir directory ${p.sslcrldir} named in ${shownUrl()}: ${(err as Error).message}`, { cause: err });
    }
    const lists = names
      .sort()
      .map((n) => tryRead(`${p.sslcrldir!.replace(/\/+$/, '')}/${n}`))
      .filter((t): t is string => t !== undefined && t.includes('-----BEGIN X509 CRL-----'));
    crl = [...(crl ?? []), ...lists];
  }

  const files: SslFiles = {
    ...(trust !== undefined ? { ca: trust.pems } : {}),
    ...(cert !== undefined ? { cert } : {}),
    ...(key !== undefined ? { key } : {}),
    ...(p.sslpassword !== undefined ? { passphrase: p.sslpassword } : {}),
    ...(crl !== undefined && crl.length > 0 ? { crl } : {}),
    ...(p.minVersion !== undefined ? { minVersion: p.minVersion } : {}),
    ...(p.maxVersion !== undefined ? { maxVersion: p.maxVersion } : {}),
  };
  return {
    mode,
    ...(Object.keys(files).length > 0 ? { files } : {}),
    ...(trust !== undefined ? { trust } : {}),
    ...(homeClientCert !== undefined ? { homeClientCert } : {}),
  };
}

function systemTrust(machine: TlsEnvironment, tryRead: (path: string) => string | undefined, invalid: (reason: string) => never): Trust {
  // OpenSSL's own override first: libpq ≥ 16 reads `system` through OpenSSL, which honours it.
  const override = machine.env.SSL_CERT_FILE;
  if (override !== undefined && override !== '') {
    const pems = tryRead(override);
    if (pems === undefined) invalid(`sslrootcert=system: cannot read the CA file SSL_CERT_FILE names (${override})`);
    return { source: 'system', file: override, pems };
  }
  const fromNode = machine.systemCAs();
  if (fromNode !== undefined && fromNode.length > 0) return { source: 'system', pems: `${fromNode.join('\n')}\n` };
  for (const file of SYSTEM_CA_FILES) {
    const pems = tryRead(file);
    if (pems !== undefined) return { source: 'system', file, pems };
  }
  return invalid(
    `sslrootcert=system: no system CA bundle found (looked at SSL_CERT_FILE, ${SYSTEM_CA_FILES.join(', ')}); install the ca-certificates package, set SSL_CERT_FILE, or name a CA file in sslrootcert`,
  );
}

/** Node's default CAs, as `ca` would otherwise get them: the bundled ones plus `NODE_EXTRA_CA_CERTS`. */
function nodeTrust(machine: TlsEnvironment, tryRead: (path: string) => string | undefined): string {
  const extraFile = machine.env.NODE_EXTRA_CA_CERTS;
  const extra = extraFile !== undefined && extraFile !== '' ? tryRead(extraFile) : undefined;
  return `${[...machine.nodeCAs(), ...(extra !== undefined ? [extra.trim()] : [])].join('\n')}\n`;
}

/**
 * node-postgres's `ssl` for a mode; `undefined` for `prefer`, which {@link connectionAttempts}
 * decides per attempt. `verifyHost`: the name verify-full checks the certificate against when it
 * is not the address connected to (`hostaddr`).
 */
export function sslConfig(mode: SslMode, files: SslFiles | undefined, verifyHost?: string): ClientConfig['ssl'] {
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
      if (verifyHost === undefined) return { ...files, rejectUnauthorized: true };
      return { ...files, rejectUnauthorized: true, checkServerIdentity: (_name, cert) => checkServerIdentity(verifyHost, cert) };
  }
}
