import { readFileSync, readdirSync } from 'node:fs';
import { isIP } from 'node:net';
import { homedir } from 'node:os';
import * as nodeTls from 'node:tls';
import { inspect } from 'node:util';
import type { ClientConfig } from 'pg';
import { MigrationError } from './errors.js';
import { LIBPQ_PARAMS, PQ_ONLY_PARAMS, refusalOf } from './libpq-params.js';
import { PASSWORD_PARAM_RE, REDACTED, redact, redactSecrets } from './redact.js';
import { SSL_MODES, resolveTls, sslConfig, type SslFiles, type SslMode, type TlsEnvironment, type Trust } from './tls.js';

/** URL schemes dbmate routes to its Postgres driver; all of them mean "speak the Postgres protocol". */
const POSTGRES_SCHEMES: readonly string[] = Object.freeze(['postgres', 'postgresql', 'redshift', 'spanner-postgres']);

/** dbmate's exact text when no URL could be found (pkg/dbmate ErrInvalidURL). */
export const MISSING_URL_MESSAGE = 'invalid url, have you set your --url flag or DATABASE_URL environment variable?';

const NO_HOST = 'no-host.invalid';

// After redaction this still reads as a template (`user:********@`), unlike a bracketed form.
const URL_FORMAT = 'postgres://user:password@host:port/database?param=value (user, password, port and params optional)';

/**
 * A parsed database URL: everything needed to connect with node-postgres, create/drop the
 * database, choose the ledger schema and run pg_dump. Frozen; derive variants with {@link withDatabase}.
 *
 * `JSON.stringify` and `util.inspect` of a target show only non-secret fields, so a target that
 * ends up in a log line cannot leak the password or a client key.
 */
export interface DatabaseTarget {
  /** The URL exactly as given. Contains the password: never print it, print {@link redacted}. */
  readonly raw: string;
  /** `raw` with the password (userinfo and `password=` param) replaced by `********`. Safe to print. */
  readonly redacted: string;
  /** The scheme as written, lower-cased (`postgres`, `redshift`, …). Redshift's default port is 5439. */
  readonly scheme: string;
  /** Database name from the URL path, percent-decoded; `''` when the path is empty (libpq then uses the user name). */
  readonly database: string;
  /** `search_path` entries, trimmed, empty ones dropped (frozen). The first one holds the ledger table, all are dumped. */
  readonly searchPath: string[];
  /** Ready-to-use node-postgres config. With {@link sslPrefer} its `ssl` is `undefined`: connect through `connectionAttempts` (tls.ts). */
  readonly pg: ClientConfig;
  /** Percent-decoded user, when the URL names one. */
  readonly user?: string;
  /** Percent-decoded password, when the URL has one. Give it to pg_dump through `PGPASSWORD`, never argv. */
  readonly password?: string;
  /** Host name, IP address (IPv6 without brackets), or a Unix-socket directory (starts with `/`). */
  readonly host: string;
  /**
   * True when the URL names no host at all (none in the authority, no `host=`/`socket=`), so
   * {@link host} is the platform's default socket directory. Fine on a laptop; on a CI runner it
   * usually means a misconfigured secret, which the action rejects.
   */
  readonly hostless: boolean;
  /** TCP port, or the socket file suffix (`.s.PGSQL.<port>`) for Unix sockets. */
  readonly port: number;
  /** The `sslmode` in effect: the URL's, or `prefer` (libpq's default) when the URL has none. */
  readonly sslmode: SslMode;
  /**
   * True for `sslmode=prefer` (explicit or by default). node-postgres has no "prefer", so the
   * connector must try TLS first and retry in plain text when the server has no SSL.
   */
  readonly sslPrefer: boolean;
  /**
   * TLS material from `sslrootcert`/`sslcert`/`sslkey` (file contents), for the TLS attempt of
   * `prefer`/`allow`, where `pg.ssl` cannot carry it. Already merged into `pg.ssl` for the other modes.
   */
  readonly sslFiles?: SslFiles;
  /**
   * The URL's `target_session_attrs` (libpq), when it names one other than `any`: checked on the
   * server after connecting (`topology.ts`), never sent as a setting.
   */
  readonly targetSessionAttrs?: TargetSessionAttrs;
  /**
   * libpq's `channel_binding` (default `prefer`): `require` means the connection fails unless the
   * server authenticated with SCRAM-SHA-256-PLUS (db.ts checks it before any password is sent).
   */
  readonly channelBinding: ChannelBinding;
  /**
   * Where the CAs that verify the server come from, and the file a libpq child (pg_dump) gets for
   * the same set ({@link Trust}). Absent when the server's certificate is not verified.
   */
  readonly trust?: Trust;
  /** `hostaddr`: the IP address connected to ({@link host} stays the server's name, for TLS and messages). */
  readonly hostaddr?: string;
  /** Client certificate and key taken from `~/.postgresql` (libpq's default), passed to pg_dump by path. */
  readonly homeClientCert?: { readonly cert: string; readonly key: string };
  /** `sslpassword`: passphrase of an encrypted client key. A secret: pg_dump gets it from a private service file. */
  readonly sslPassword?: string;
  /** Every secret the URL holds (the password, `sslpassword`), for masking logs and messages. */
  readonly secrets: readonly string[];
}

/** libpq's `channel_binding`. */
export type ChannelBinding = 'disable' | 'prefer' | 'require';

const TARGET_SESSION_ATTRS: readonly TargetSessionAttrs[] = ['any', 'read-write', 'read-only', 'primary', 'standby', 'prefer-standby'];
const CHANNEL_BINDINGS: readonly ChannelBinding[] = ['disable', 'prefer', 'require'];
const TLS_VERSIONS: readonly string[] = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];

/** libpq's `target_session_attrs`: which kind of server the connection must reach. */
export type TargetSessionAttrs = 'any' | 'read-write' | 'read-only' | 'primary' | 'standby' | 'prefer-standby';

/** Knobs of {@link parseDatabaseUrl}; defaults suit the CLI and the action. */
export interface ParseUrlOptions {
  /** `--driver`/`DBMATE_DRIVER`: checked instead of the scheme, as dbmate does. */
  driver?: string;
  /** Decides the socket directory used when the URL names no host (dbmate: `/var/run/postgresql` on Linux). */
  platform?: NodeJS.Platform;
  /** Reads `sslrootcert`/`sslcert`/`sslkey`/`sslcrl` files and the system CA bundle; injectable for tests. */
  readFile?: (path: string) => string;
  /** Lists `sslcrldir`; injectable for tests. */
  readDir?: (path: string) => string[];
  /** libpq's `~` for `~/.postgresql/root.crt` and the default client certificate; default the user's home. */
  homeDir?: string;
  /** Environment for `SSL_CERT_FILE` and `NODE_EXTRA_CA_CERTS` (OpenSSL's and Node's conventions); default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /** The system's CAs as Node reads them; default `tls.getCACertificates('system')` where Node has it (≥ 22.15), else none. */
  systemCAs?: () => readonly string[] | undefined;
}

// Handled by dbmate's rules (DBMATE_COMPAT §8), not libpq keywords.
const DBMATE_PARAMS = new Set(['socket', 'search_path']);

/**
 * Parse a dbmate-style database URL.
 *
 * Rules (dbmate 2.36 + pq, DBMATE_COMPAT.md §8): `socket=/dir` becomes the host, a `host=` param
 * overrides the URL host, `port=` overrides the URL port, the default port is 5432 (5439 for
 * redshift), and no host at all means the platform's socket dir (`/var/run/postgresql` on Linux).
 * `search_path` is sent to the server as a startup option. Unknown params become `-c name=value`.
 *
 * Deliberate difference: without `sslmode` pq requires SSL, which fails against local servers;
 * we follow libpq's default `prefer` instead (see {@link DatabaseTarget.sslPrefer}).
 *
 * @throws MigrationError `URL_MISSING` (dbmate's exact text) for an empty URL or one without a scheme,
 *   `URL_UNSUPPORTED_DRIVER` (`unsupported driver: <scheme>`), `URL_INVALID` for anything malformed.
 */
export function parseDatabaseUrl(raw: string, opts: ParseUrlOptions = {}): DatabaseTarget {
  const text = (raw ?? '').trim();
  const schemeMatch = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(text);
  // dbmate rejects a URL whose scheme is empty with this message, so a bare `localhost/db` gets it too.
  if (!schemeMatch) {
    throw new MigrationError('URL_MISSING', MISSING_URL_MESSAGE, {
      hint: text === '' ? undefined : `a database URL looks like ${URL_FORMAT}`,
    });
  }
  const scheme = schemeMatch[1].toLowerCase();
  const driver = opts.driver ? opts.driver : scheme;
  if (!POSTGRES_SCHEMES.includes(driver)) {
    throw new MigrationError('URL_UNSUPPORTED_DRIVER', `unsupported driver: ${driver}`, {
      hint: `this tool speaks PostgreSQL only; use one of the schemes ${POSTGRES_SCHEMES.join(', ')}`,
    });
  }

  const rest = text.slice(schemeMatch[0].length);
  if (!rest.startsWith('//')) invalid(text, `expected ${URL_FORMAT}`);
  // WHATWG refuses userinfo or a port without a host (`postgres://u@/db`, `//:5433/db`), Go does
  // not: parse with a placeholder host and remember that there was none.
  const authority = /^\/\/([^/?#]*)/.exec(rest)![1];
  const hostStart = authority.lastIndexOf('@') + 1;
  const hostless = /^(:|$)/.test(authority.slice(hostStart));
  if (authority.slice(hostStart).includes(',')) severalHosts(text, 'hosts', authority.slice(hostStart));
  const parsable = hostless ? `//${authority.slice(0, hostStart)}${NO_HOST}${rest.slice(2 + hostStart)}` : rest;
  let url: URL;
  try {
    // Non-special schemes keep their authority verbatim under WHATWG rules, so one name suffices.
    url = new URL(`postgres:${parsable}`);
  } catch (err) {
    invalid(text, `${describeParseFailure(rest)}; expected ${URL_FORMAT}`, err);
  }

  const params = url.searchParams;
  const param = (name: string): string | undefined => {
    const v = params.get(name);
    return v === null || v === '' ? undefined : v;
  };
  if (params.has('dbname')) {
    invalid(text, 'the dbname parameter is not supported: put the database name in the URL path');
  }
  // libpq keywords we cannot honour are refused by name, before anything is read or connected.
  for (const [name, value] of params) {
    const refusal = refusalOf(name, value);
    if (refusal !== undefined) invalid(text, refusal);
  }
  const choice = <T extends string>(name: string, allowed: readonly T[]): T | undefined => {
    const v = param(name);
    if (v !== undefined && !allowed.includes(v as T)) invalid(text, `${name}=${v} is not valid; expected one of ${allowed.join(', ')}`);
    return v as T | undefined;
  };
  const wholeNumber = (name: string, unit: string): number | undefined => {
    const v = param(name);
    if (v !== undefined && !/^\d+$/.test(v)) invalid(text, `${name}=${v} is not valid; expected a whole number of ${unit}`);
    return v === undefined ? undefined : Number(v);
  };

  const user = param('user') ?? (decode(text, url.username, 'user name') || undefined);
  const password = params.has('password') ? (params.get('password') ?? '') : decode(text, url.password, 'password');

  // socket= is dbmate's alias of host=, kept for parity with its MySQL driver.
  const urlHost = hostless ? '' : decode(text, url.hostname, 'host').replace(/^\[(.*)\]$/, '$1');
  let host = param('socket') ?? param('host') ?? urlHost;
  if (host.includes(',')) severalHosts(text, 'hosts', host);
  const hostaddr = param('hostaddr');
  if (hostaddr !== undefined && isIP(hostaddr) === 0) {
    invalid(text, `hostaddr=${hostaddr} is not valid; expected an IPv4 or IPv6 address (the host name goes in the URL host or host=)`);
  }
  const noHost = host === '' && hostaddr === undefined;
  if (host === '') host = hostaddr ?? defaultSocketDir(opts.platform ?? process.platform);
  const connectHost = hostaddr ?? host;

  const portText = param('port') ?? url.port;
  if (portText.includes(',')) severalHosts(text, 'ports', portText);
  const port = portText === '' ? (scheme === 'redshift' ? 5439 : 5432) : parsePort(text, portText);

  const database = decode(text, url.pathname.replace(/^\//, ''), 'database name');

  const sslmodeText = choice('sslmode', SSL_MODES);
  // libpq: the deprecated requiressl=1 means require, unless sslmode says otherwise.
  const requiressl = choice('requiressl', ['0', '1']);
  const explicitMode = sslmodeText ?? (requiressl === '1' ? 'require' : undefined);
  const tlsVersion = (name: string) => choice(name, TLS_VERSIONS) as SslFiles['minVersion'];
  const tlsParams = {
    sslrootcert: param('sslrootcert'),
    sslcert: param('sslcert'),
    sslkey: param('sslkey'),
    sslpassword: param('sslpassword'),
    sslcrl: param('sslcrl'),
    sslcrldir: param('sslcrldir'),
    minVersion: tlsVersion('ssl_min_protocol_version'),
    maxVersion: tlsVersion('ssl_max_protocol_version'),
  };
  const tls = resolveTls(explicitMode, tlsParams, machineOf(opts), () => redactUrl(text));
  const sslmode = tls.mode;
  const sslPrefer = sslmode === 'prefer';
  const strongSsl = sslmode === 'require' || sslmode === 'verify-ca' || sslmode === 'verify-full';

  const sslnegotiation = choice('sslnegotiation', ['postgres', 'direct'] as const);
  if (sslnegotiation === 'direct' && !strongSsl) {
    invalid(text, `weak sslmode "${sslmode}" may not be used with sslnegotiation=direct (use "require", "verify-ca", or "verify-full")`);
  }
  const sslsni = choice('sslsni', ['0', '1']);
  const socket = connectHost.startsWith('/');
  if (sslsni === '0' && !socket && isIP(connectHost) === 0) {
    invalid(
      text,
      'sslsni=0 is not supported with a host name: node-postgres always sends the host name it connects to (SNI); remove sslsni=0, or connect by address with hostaddr=<IP address> (the host name still verifies the certificate)',
    );
  }
  // Connecting to hostaddr: node-postgres sends no SNI for an address, so send the host name
  // (libpq's sslsni=1), and verify-full checks the certificate against the host name.
  const namedHost = hostaddr !== undefined && host !== hostaddr && isIP(host) === 0 && !host.startsWith('/') ? host : undefined;
  const files: SslFiles | undefined =
    namedHost !== undefined && sslsni !== '0' ? { ...tls.files, servername: namedHost } : tls.files;
  const verifyHost = hostaddr !== undefined ? host : undefined;

  const gssencmode = choice('gssencmode', ['disable', 'prefer', 'require']);
  if (gssencmode === 'require') {
    invalid(text, 'gssencmode=require is not supported: node-postgres has no GSSAPI encryption; use sslmode=verify-full for an encrypted connection, or gssencmode=prefer');
  }
  const channelBinding = choice('channel_binding', CHANNEL_BINDINGS) ?? 'prefer';
  if (channelBinding === 'require' && sslmode === 'disable') {
    invalid(text, 'channel_binding=require needs TLS, but sslmode is disable; use sslmode=verify-full (or require)');
  }
  const targetSessionAttrs = choice('target_session_attrs', TARGET_SESSION_ATTRS);
  const minProtocol = choice('min_protocol_version', ['3.0', '3.2', 'latest']);
  if (minProtocol !== undefined && minProtocol !== '3.0') {
    invalid(text, `min_protocol_version=${minProtocol} is not supported: node-postgres speaks protocol 3.0 only; remove it or set 3.0`);
  }
  choice('max_protocol_version', ['3.0', '3.2', 'latest']);
  choice('sslcompression', ['0', '1']);
  choice('gssdelegation', ['0', '1']);
  const keepalives = wholeNumber('keepalives', 'a flag (1 = on, 0 = off)');
  const keepalivesIdle = wholeNumber('keepalives_idle', 'seconds');
  wholeNumber('keepalives_interval', 'seconds');
  wholeNumber('keepalives_count', 'probes');
  wholeNumber('tcp_user_timeout', 'milliseconds (0 = the system default)');

  const searchPathText = params.get('search_path')?.trim() ?? '';
  const searchPath = searchPathText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');

  const pgConfig: ClientConfig = { host: connectHost, port };
  if (database !== '') pgConfig.database = database;
  if (user !== undefined) pgConfig.user = user;
  if (password !== '') pgConfig.password = password;
  const ssl = sslConfig(sslmode, files, verifyHost);
  if (ssl !== undefined) pgConfig.ssl = ssl;
  if (sslnegotiation !== undefined) pgConfig.sslnegotiation = sslnegotiation;
  // libpq's defaults: channel binding when the server offers it, keepalives on (first probe
  // after 10 s here: the OS default of two hours would leave a dead peer unnoticed).
  pgConfig.enableChannelBinding = channelBinding !== 'disable';
  pgConfig.keepAlive = keepalives !== 0;
  if (keepalives !== 0) pgConfig.keepAliveInitialDelayMillis = (keepalivesIdle ?? 10) * 1000;

  const connectTimeout = wholeNumber('connect_timeout', 'seconds (0 = wait forever)');
  if (connectTimeout !== undefined) pgConfig.connectionTimeoutMillis = connectTimeout * 1000;
  const appName = param('application_name');
  if (appName !== undefined) pgConfig.application_name = appName;
  const fallbackAppName = param('fallback_application_name');
  if (fallbackAppName !== undefined) pgConfig.fallback_application_name = fallbackAppName;
  const clientEncoding = param('client_encoding');
  if (clientEncoding !== undefined) pgConfig.client_encoding = clientEncoding;

  const options: string[] = [];
  const userOptions = param('options');
  if (userOptions !== undefined) options.push(userOptions);
  if (searchPathText !== '') options.push(`-c search_path=${escapeOptionValue(searchPathText)}`);
  for (const [name, value] of params) {
    // Never a libpq keyword: the server would refuse the connection (42704).
    if (LIBPQ_PARAMS.has(name) || PQ_ONLY_PARAMS.has(name) || DBMATE_PARAMS.has(name)) continue;
    if (!/^[A-Za-z_][A-Za-z0-9_.]*$/.test(name)) {
      invalid(text, `query parameter "${name}" is not a valid server setting name`);
    }
    options.push(`-c ${name}=${escapeOptionValue(value)}`);
  }
  if (options.length > 0) pgConfig.options = options.join(' ');

  const secrets = [password, tlsParams.sslpassword ?? ''].filter((x) => x !== '');
  const target: DatabaseTarget = {
    raw,
    redacted: redactParsedUrl(text, hostStart, secrets),
    scheme,
    database,
    // Typed mutable for callers that take string[], frozen so nobody edits a shared target.
    searchPath: Object.freeze(searchPath) as string[],
    pg: pgConfig,
    ...(user !== undefined ? { user } : {}),
    ...(password !== '' ? { password } : {}),
    host,
    hostless: noHost,
    port,
    sslmode,
    sslPrefer,
    ...(files !== undefined ? { sslFiles: files } : {}),
    ...(targetSessionAttrs !== undefined && targetSessionAttrs !== 'any' ? { targetSessionAttrs } : {}),
    channelBinding,
    ...(tls.trust !== undefined ? { trust: tls.trust } : {}),
    ...(hostaddr !== undefined ? { hostaddr } : {}),
    ...(tls.homeClientCert !== undefined ? { homeClientCert: tls.homeClientCert } : {}),
    ...(tlsParams.sslpassword !== undefined ? { sslPassword: tlsParams.sslpassword } : {}),
    secrets: Object.freeze(secrets),
  };
  return seal(target);
}

/**
 * A target for another database on the same server, with the same credentials and options.
 * Used to reach `postgres` for `create database`/`drop database` (dbmate does not switch for
 * redshift; that choice is the caller's).
 */
export function withDatabase(target: DatabaseTarget, dbName: string): DatabaseTarget {
  const pgConfig: ClientConfig = { ...target.pg };
  if (dbName === '') delete pgConfig.database;
  else pgConfig.database = dbName;
  return seal({
    ...target,
    raw: replacePath(target.raw, dbName),
    redacted: replacePath(target.redacted, dbName),
    database: dbName,
    pg: pgConfig,
  });
}

/** How {@link resolveTls} reads this machine: the options' injections, else the real files, home and CA stores. */
function machineOf(opts: ParseUrlOptions): TlsEnvironment {
  const getCACertificates = (nodeTls as { getCACertificates?: (type: string) => string[] }).getCACertificates;
  return {
    readFile: opts.readFile ?? ((p) => readFileSync(p, 'utf8')),
    readDir: opts.readDir ?? ((p) => readdirSync(p)),
    homeDir: opts.homeDir ?? homedir(),
    env: opts.env ?? process.env,
    systemCAs: opts.systemCAs ?? (() => getCACertificates?.('system')),
    nodeCAs: () => nodeTls.rootCertificates,
  };
}

/** Several hosts or ports (libpq's failover lists): node-postgres connects to one. */
function severalHosts(text: string, what: 'hosts' | 'ports', value: string): never {
  invalid(
    text,
    `several ${what} (${value}) are not supported: node-postgres connects to one host; name one host and port (a managed database's primary or writer endpoint, or a DNS name that follows failover)`,
  );
}

/** Structural redaction of a URL: userinfo password and `password=` params, everything else verbatim. */
function redactUrl(text: string): string {
  return redact(text, []);
}

/**
 * Redaction of a URL that parsed, so its authority is known: mask exactly the userinfo password
 * (the free-text heuristics of {@link redact} could over-mask a URL with '@' in its query), then
 * `password=` params and any other occurrence of the password.
 */
function redactParsedUrl(text: string, hostStart: number, secrets: readonly string[]): string {
  const start = text.indexOf('//') + 2;
  const userinfo = text.slice(start, start + hostStart);
  const colon = userinfo.indexOf(':');
  const masked = colon === -1 ? text : `${text.slice(0, start + colon + 1)}${REDACTED}@${text.slice(start + hostStart)}`;
  return redactSecrets(masked.replace(PASSWORD_PARAM_RE, `$1${REDACTED}`), secrets);
}

function replacePath(url: string, dbName: string): string {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*)(\/[^?#]*)?(.*)$/s.exec(url.trim());
  if (!m) return url;
  return `${m[1]}/${encodeURIComponent(dbName)}${m[3]}`;
}

function defaultSocketDir(platform: NodeJS.Platform): string {
  switch (platform) {
    case 'linux':
      return '/var/run/postgresql';
    case 'darwin':
    case 'freebsd':
    case 'openbsd':
    case 'netbsd':
      return '/tmp';
    default:
      return 'localhost';
  }
}

/** libpq splits `options` on whitespace; a backslash escapes the next character. */
function escapeOptionValue(value: string): string {
  return value.replace(/[\\\s]/g, (c) => `\\${c}`);
}

function parsePort(text: string, portText: string): number {
  const port = /^\d+$/.test(portText) ? Number(portText) : NaN;
  if (!(port >= 1 && port <= 65535)) invalid(text, `port "${portText}" is not valid; expected a number from 1 to 65535`);
  return port;
}

function decode(text: string, value: string, what: string): string {
  try {
    return decodeURIComponent(value);
  } catch (err) {
    invalid(text, `the ${what} has a malformed percent-escape`, err);
  }
}

function describeParseFailure(rest: string): string {
  const authority = /^\/\/([^/?#]*)/.exec(rest)?.[1] ?? '';
  // An '@' after the authority usually means a password holding "/", "?" or "#".
  if (!authority.includes('@') && rest.slice(2 + authority.length).includes('@')) {
    return 'the user name or password holds "/", "?" or "#": percent-encode them as %2F, %3F, %23';
  }
  const hostPort = authority.slice(authority.lastIndexOf('@') + 1);
  const port = /^(?:\[[^\]]*\]|[^:]*):(.*)$/.exec(hostPort)?.[1];
  if (port !== undefined && port !== '' && !/^\d+$/.test(port)) return `port "${port}" is not a number`;
  if (port !== undefined && /^\d+$/.test(port) && (Number(port) < 1 || Number(port) > 65535)) {
    return `port "${port}" is not valid; expected a number from 1 to 65535`;
  }
  return 'it cannot be parsed (percent-encode special characters in the user name and password)';
}

function invalid(text: string, reason: string, cause?: unknown): never {
  throw new MigrationError('URL_INVALID', `invalid database url ${redactUrl(text)}: ${reason}`, {
    ...(cause !== undefined ? { cause } : {}),
  });
}

/** The fields that are safe to log. */
function publicView(t: DatabaseTarget): Record<string, unknown> {
  return {
    redacted: t.redacted,
    scheme: t.scheme,
    database: t.database,
    host: t.host,
    hostless: t.hostless,
    port: t.port,
    user: t.user,
    searchPath: t.searchPath,
    sslmode: t.sslmode,
    channelBinding: t.channelBinding,
    ...(t.trust !== undefined ? { trust: t.trust.source } : {}),
    ...(t.targetSessionAttrs !== undefined ? { targetSessionAttrs: t.targetSessionAttrs } : {}),
  };
}

function seal(target: DatabaseTarget): DatabaseTarget {
  // Not deep-frozen: node-postgres defines properties on the ssl object (it hides `key`).
  Object.defineProperty(target, 'toJSON', { value: () => publicView(target), enumerable: false });
  Object.defineProperty(target, inspect.custom, { value: () => `DatabaseTarget ${inspect(publicView(target))}`, enumerable: false });
  return Object.freeze(target);
}
