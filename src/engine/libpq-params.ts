/**
 * The one table of libpq's connection parameters ("Parameter Key Words", PostgreSQL 18): for each
 * one, what a database URL that names it gets from us. url.ts reads it to decide (honour, accept
 * without effect, or refuse by name), pg-tools.ts to decide which of them a `pg_dump` child is
 * given, so the two never disagree. A libpq keyword is never sent to the server as a setting; a
 * name that is not a libpq keyword (nor a pq-only one) still is, as pq does (`?timezone=UTC`).
 */

/**
 * What a parameter gets: `honoured` (the migration connection does what libpq does), `accepted`
 * (valid, and without effect on the migration connection: Node has no equivalent, or it is
 * libpq's default anyway; pg_dump still gets it when {@link LibpqParam.toPgDump}), `refused`
 * (the URL is rejected, naming the parameter, why, and what to do).
 */
export type ParamTreatment = 'honoured' | 'accepted' | 'refused';

/** One row of {@link LIBPQ_PARAMS}. */
export interface LibpqParam {
  /** See {@link ParamTreatment}. */
  readonly treatment: ParamTreatment;
  /**
   * Passed on to pg_dump in its URL as written. False for what the child URL carries in another
   * form (host, port, user, database, sslmode, sslrootcert are written from the parsed target),
   * for secrets (they travel in the environment or a private file, never argv), and for
   * keywords older libpq versions (pg_dump 13–17) reject.
   */
  readonly toPgDump: boolean;
  /**
   * For keywords newer than some libpq a pg_dump may be built with (13 for `channel_binding`, 14
   * for `sslsni`/`sslcrldir` and the new `target_session_attrs` values, 17 for `sslnegotiation`):
   * the variable that carries it to the child instead of its URL, where an older libpq would
   * refuse the whole URL (`invalid URI query parameter`), while it ignores a variable it does
   * not know.
   */
  readonly envVar?: string;
  /** What we do with it, in a few words (the docs table, and the refusal's reason). */
  readonly note: string;
  /** For `refused`: what the user should do instead. */
  readonly fix?: string;
  /** For `refused`: the one value accepted anyway, libpq's default, which changes nothing. */
  readonly allowed?: string;
}

const honour = (toPgDump: boolean, note: string, envVar?: string): LibpqParam => ({
  treatment: 'honoured',
  toPgDump,
  note,
  ...(envVar !== undefined ? { envVar } : {}),
});
const accept = (toPgDump: boolean, note: string): LibpqParam => ({ treatment: 'accepted', toPgDump, note });
const refuse = (note: string, fix: string, allowed?: string): LibpqParam => ({
  treatment: 'refused',
  toPgDump: false,
  note,
  fix,
  ...(allowed !== undefined ? { allowed } : {}),
});

/** Every libpq connection keyword, in the order of libpq's documentation. */
export const LIBPQ_PARAMS: ReadonlyMap<string, LibpqParam> = new Map<string, LibpqParam>([
  ['host', honour(false, 'one host name, IP address or socket directory; overrides the URL host')],
  ['hostaddr', honour(true, 'the IP address to connect to; the host name still names the server for TLS (SNI, verify-full)')],
  ['port', honour(false, 'one port; overrides the URL port')],
  ['dbname', refuse('the database name belongs in the URL path', 'put the database name in the URL path')],
  ['user', honour(false, 'overrides the URL user')],
  ['password', honour(false, 'overrides the URL password; reaches pg_dump through PGPASSWORD, never argv')],
  ['passfile', refuse('a password file named in the URL is not read', 'leave it out: ~/.pgpass (or the file PGPASSFILE names) is read when the URL has no password; or put the password in the URL')],
  ['require_auth', refuse('node-postgres cannot restrict the authentication method', 'leave it out; to insist on SCRAM with channel binding over TLS use channel_binding=require')],
  ['channel_binding', honour(true, 'disable, prefer (default: SCRAM-SHA-256-PLUS when the server offers it) or require (the connection fails unless the server authenticated with channel binding)', 'PGCHANNELBINDING')],
  ['connect_timeout', honour(true, 'seconds; 0 = no limit (the connect-timeout input wins)')],
  ['client_encoding', honour(true, 'sent at startup')],
  ['options', honour(true, 'sent at startup (e.g. -c work_mem=64MB)')],
  ['application_name', honour(true, 'sent at startup')],
  ['fallback_application_name', honour(true, 'sent at startup')],
  ['keepalives', honour(true, '1 (default) or 0 to turn TCP keepalives off')],
  ['keepalives_idle', honour(true, 'seconds of silence before the first keepalive probe (default 10)')],
  ['keepalives_interval', accept(true, 'Node cannot set it per connection (the OS default applies); the run\'s liveness timeout bounds a silent server')],
  ['keepalives_count', accept(true, 'Node cannot set it per connection (the OS default applies); the run\'s liveness timeout bounds a silent server')],
  ['tcp_user_timeout', accept(true, 'Node cannot set it per connection; the run\'s liveness timeout bounds a silent server')],
  ['replication', refuse('a replication connection cannot run migrations', 'remove replication from the URL')],
  ['gssencmode', honour(true, 'disable or prefer (node-postgres has no GSSAPI: TLS is used); require is refused')],
  ['sslmode', honour(false, 'disable, allow, prefer (default), require, verify-ca, verify-full')],
  ['requiressl', honour(false, 'deprecated: 1 means sslmode=require when sslmode is absent')],
  ['sslnegotiation', honour(true, 'postgres (default) or direct (TLS at once; needs sslmode require or stronger)', 'PGSSLNEGOTIATION')],
  ['sslcompression', accept(true, 'no effect: OpenSSL builds have TLS compression off')],
  ['sslcert', honour(true, 'client certificate file (default ~/.postgresql/postgresql.crt when it exists)')],
  ['sslkey', honour(true, 'client key file (default ~/.postgresql/postgresql.key when it exists)')],
  ['sslkeylogfile', refuse('writing TLS session secrets to a file is not supported', 'remove sslkeylogfile from the URL')],
  ['sslpassword', honour(false, 'passphrase of an encrypted sslkey; reaches pg_dump through a private service file, never argv')],
  ['sslcertmode', refuse('only the default, allow (send the client certificate when the server asks), is supported', 'remove sslcertmode, or set it to allow', 'allow')],
  ['sslrootcert', honour(false, 'CA file, or system for the system\'s trusted CAs (needs verify-full); the same CAs serve pg_dump')],
  ['sslcrl', honour(true, 'certificate revocation list file')],
  ['sslcrldir', honour(true, 'directory of certificate revocation list files', 'PGSSLCRLDIR')],
  ['sslsni', honour(true, '1 (default) or 0; 0 only with hostaddr or an IP address (node-postgres always sends a host name)', 'PGSSLSNI')],
  ['requirepeer', refuse('node-postgres cannot check the operating-system user of a Unix-socket server', 'remove requirepeer, or connect over TCP with sslmode=verify-full')],
  ['ssl_min_protocol_version', honour(true, 'TLSv1, TLSv1.1, TLSv1.2 (default) or TLSv1.3')],
  ['ssl_max_protocol_version', honour(true, 'TLSv1, TLSv1.1, TLSv1.2 or TLSv1.3')],
  ['min_protocol_version', accept(false, 'only 3.0: node-postgres speaks protocol 3.0 (3.2 is refused)')],
  ['max_protocol_version', accept(false, '3.0, 3.2 or latest; node-postgres speaks protocol 3.0')],
  ['krbsrvname', accept(true, 'no effect: node-postgres has no GSSAPI/Kerberos')],
  ['gsslib', accept(false, 'no effect: node-postgres has no GSSAPI')],
  ['gssdelegation', accept(false, 'no effect: node-postgres has no GSSAPI')],
  ['scram_client_key', refuse('SCRAM pass-through keys are not supported', 'use a password')],
  ['scram_server_key', refuse('SCRAM pass-through keys are not supported', 'use a password')],
  ['service', refuse('connection service files are not read', 'put the connection settings in the URL')],
  ['target_session_attrs', honour(true, 'any (default), read-write, read-only, primary, standby or prefer-standby; checked on the server after connecting', 'PGTARGETSESSIONATTRS')],
  ['load_balance_hosts', refuse('load balancing needs several hosts, which are not supported', 'remove load_balance_hosts (disable is the default)', 'disable')],
  ['oauth_issuer', refuse('node-postgres has no OAuth authentication', 'use a password or a client certificate')],
  ['oauth_client_id', refuse('node-postgres has no OAuth authentication', 'use a password or a client certificate')],
  ['oauth_client_secret', refuse('node-postgres has no OAuth authentication', 'use a password or a client certificate')],
  ['oauth_scope', refuse('node-postgres has no OAuth authentication', 'use a password or a client certificate')],
]);

/**
 * pq's own client settings (not libpq's): ignored, as before, and never sent to the server or
 * to pg_dump. `socket` and `search_path` are handled by url.ts (dbmate's rules, DBMATE_COMPAT §8).
 */
export const PQ_ONLY_PARAMS: ReadonlySet<string> = new Set(['binary_parameters', 'disable_prepared_binary_result', 'sslinline', 'krbspn']);

/** The libpq keywords a pg_dump child gets in its URL as written (see {@link LibpqParam.toPgDump}). */
export const LIBPQ_DUMP_PARAMS: ReadonlySet<string> = new Set([...LIBPQ_PARAMS].filter(([, p]) => p.toPgDump).map(([name]) => name));

/**
 * Why a URL may not name `name=value`: `<name> is not supported: <why>; <what to do>` for a
 * refused keyword (unless `value` is its {@link LibpqParam.allowed} default), else undefined.
 */
export function refusalOf(name: string, value: string): string | undefined {
  const p = LIBPQ_PARAMS.get(name);
  if (p?.treatment !== 'refused' || (p.allowed !== undefined && value === p.allowed)) return undefined;
  return `${name} is not supported: ${p.note}; ${p.fix}`;
}
