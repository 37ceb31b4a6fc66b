import pg from 'pg';
import { connectionAttempts, describeTrust } from './tls.js';
import type { DatabaseTarget } from './url.js';
import { MigrationError } from './errors.js';

/** The one connection a run uses: advisory locks are per session, so everything goes through it. */
export type Connection = pg.Client;

/** How {@link connect} opens a connection. */
export interface ConnectOptions {
  /**
   * How long opening one connection may take, ms, before it fails with `CONNECT_FAILED` (`timed
   * out after N ms`); 0 = no limit. Wins over the URL's `connect_timeout`; undefined = the URL's,
   * else no limit (node-postgres has none of its own). Pass {@link resolveConnectTimeout}'s answer.
   */
  connectTimeoutMs?: number;
}

/**
 * The connect timeout in effect, ms (0 = no limit). One rule for the action and the CLI: a value
 * the user gave explicitly (the `connect-timeout` input, `--connect-timeout`) wins, then the
 * URL's `connect_timeout` (seconds, as libpq reads it), then `defaultMs` (the input's or flag's
 * default, 10 s).
 *
 * @param explicitMs the user's value, or undefined when they left the default
 */
export function resolveConnectTimeout(target: DatabaseTarget | undefined, explicitMs: number | undefined, defaultMs: number): number {
  return explicitMs ?? target?.pg.connectionTimeoutMillis ?? defaultMs;
}

/**
 * Open a connection, trying each TLS setting the URL's sslmode allows in libpq's order
 * (with no sslmode: TLS first, then plain, like libpq's default `prefer`). Each attempt may take
 * at most {@link ConnectOptions.connectTimeoutMs}: a server that accepts TCP and never answers
 * fails here instead of hanging the run.
 */
export async function connect(target: DatabaseTarget, opts: ConnectOptions = {}): Promise<Connection> {
  const timeoutMs = opts.connectTimeoutMs ?? target.pg.connectionTimeoutMillis ?? 0;
  const attempts = connectionAttempts(target).map((c) => ({ ...c, connectionTimeoutMillis: timeoutMs }));
  const bindingRequired = target.channelBinding === 'require';
  let lastErr: unknown;
  for (let i = 0; i < attempts.length; i++) {
    try {
      return await open(attempts[i], bindingRequired);
    } catch (err) {
      lastErr = err;
      // Only a server that refuses TLS (or requires it) justifies the next attempt; anything else
      // (a timeout too: the plain attempt would wait as long again) is final.
      if (!/SSL|TLS/i.test(String((err as Error)?.message))) break;
    }
  }
  throw connectError(target, lastErr, timeoutMs);
}

async function open(config: pg.ClientConfig, bindingRequired: boolean): Promise<Connection> {
  // Keepalives (on by default, first probe after 10 s: url.ts) let the kernel notice a peer that
  // vanished (a failover, a dropped NAT entry) instead of leaving a query waiting on a dead socket.
  const client = new pg.Client(config);
  // An idle client whose backend dies emits 'error'; without a listener Node would crash the run.
  client.on('error', () => undefined);
  if (bindingRequired) requireChannelBinding(client);
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => undefined);
    throw err;
  }
  return client;
}

/** The protocol connection inside a pg.Client: the events of authentication, and what it sends. */
interface ProtocolConnection {
  on(event: string, listener: (msg: { mechanisms?: string[] }) => void): void;
  stream?: { destroy(err?: Error): void };
  password?: unknown;
  sendSASLInitialResponseMessage?: unknown;
  sendSCRAMClientFinalMessage?: unknown;
}

/**
 * libpq's `channel_binding=require`: the server must authenticate with SCRAM-SHA-256-PLUS, bound
 * to this TLS connection; any other request (a password, MD5, SCRAM without binding, or none at
 * all) fails the connection with libpq's words, and no password is sent. Our listeners are added
 * before `connect()` attaches node-postgres's, so they see each request first.
 */
function requireChannelBinding(client: pg.Client): void {
  const con = (client as unknown as { connection: ProtocolConnection }).connection;
  let bound = false;
  const refuse = (why: string) => {
    // Silence whatever node-postgres would answer to this request, then drop the connection.
    con.password = con.sendSASLInitialResponseMessage = con.sendSCRAMClientFinalMessage = () => undefined;
    con.stream?.destroy(new Error(why));
  };
  const notSupported = () => refuse("channel binding required but not supported by server's authentication request");
  con.on('authenticationCleartextPassword', notSupported);
  con.on('authenticationMD5Password', notSupported);
  con.on('authenticationSASL', (msg) => {
    if (!(msg.mechanisms ?? []).includes('SCRAM-SHA-256-PLUS')) {
      refuse('channel binding is required, but server did not offer an authentication method that supports channel binding');
    }
  });
  con.on('authenticationSASLFinal', () => {
    bound = (client as unknown as { saslSession?: { mechanism?: string } | null }).saslSession?.mechanism === 'SCRAM-SHA-256-PLUS';
  });
  con.on('authenticationOk', () => {
    if (!bound) refuse('channel binding required, but server authenticated client without channel binding');
  });
}

/** Node's codes for a server certificate that failed verification. */
const CERTIFICATE_REFUSED = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'CERT_UNTRUSTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

function connectError(target: DatabaseTarget, err: unknown, timeoutMs: number): MigrationError {
  const e = err as { code?: string; message?: string };
  // node-postgres destroys the socket with `timeout expired` (newer versions: `… connection timeout`).
  if (timeoutMs > 0 && /timeout expired|connection timeout/i.test(e?.message ?? '')) {
    return new MigrationError('CONNECT_FAILED', `cannot connect to ${target.redacted}: timed out after ${timeoutMs} ms`, {
      hint: 'the server did not answer in time: check the host, port and firewall, or raise the connect-timeout input (CLI: --connect-timeout; 0 = no limit)',
      cause: err,
    });
  }
  if (e?.code === '3D000') {
    return new MigrationError('DATABASE_MISSING', `database "${target.database}" does not exist (3D000)`, {
      hint: 'create it first (`db-migrate-action create`, or `db-migrate-action up`, which creates a missing database)',
      cause: err,
    });
  }
  const detail = e?.code && !e.message?.includes(e.code) ? `${e.message} (${e.code})` : (e?.message ?? String(err));
  if (e?.code !== undefined && CERTIFICATE_REFUSED.has(e.code)) {
    return new MigrationError(
      'CONNECT_FAILED',
      `cannot connect to ${target.redacted}: the server's certificate was not accepted: ${e.message} (${e.code}); trusted CAs: ${describeTrust(target.trust)}`,
      {
        hint: "name the CA that signed the server's certificate in sslrootcert=<file> (managed databases publish theirs), use sslrootcert=system for a certificate from a public CA, or put the CA in ~/.postgresql/root.crt; pg_dump trusts the same CAs",
        cause: err,
      },
    );
  }
  if (/^channel binding/.test(e?.message ?? '')) {
    return new MigrationError('CONNECT_FAILED', `cannot connect to ${target.redacted}: ${detail}`, {
      hint: 'channel_binding=require needs scram-sha-256 password authentication over TLS (pg_hba.conf, password_encryption); connect through a server or pooler that offers SCRAM-SHA-256-PLUS, or use channel_binding=prefer',
      cause: err,
    });
  }
  return new MigrationError('CONNECT_FAILED', `cannot connect to ${target.redacted}: ${detail}`, {
    hint: 'check the host, port, credentials and sslmode of the database URL, and that the server is reachable from here',
    cause: err,
  });
}

/** How long a polite close may wait for the server's goodbye before the socket is just destroyed. */
const CLOSE_WAIT_MS = 2000;

/**
 * Close without throwing: closing happens in `finally` blocks where the first error matters. Never
 * waits long: over a dead network `end()` would wait forever for the server, and its socket would
 * keep the process alive after the run.
 */
export async function closeQuietly(conn: Connection | undefined): Promise<void> {
  if (!conn) return;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), CLOSE_WAIT_MS);
  });
  const how = await Promise.race([conn.end().catch(() => undefined), late]);
  clearTimeout(timer);
  if (how === 'late') destroySocket(conn);
}

/**
 * Close a connection's socket at once, without the goodbye `end()` waits for; a query in flight
 * fails with `err`. For sessions declared dead, whose server may never answer again.
 */
export function destroySocket(conn: Connection, err?: Error): void {
  (conn as unknown as { connection?: { stream?: { destroy(e?: Error): void } } }).connection?.stream?.destroy(err);
}

/**
 * Run `fn` on a connection of its own to `target`, closed whatever `fn` does. For the short
 * look-ups around a command (a server version, a dump, a report); a command's own session, with
 * retries and the lock, is `session.ts`'s.
 */
export async function withConnection<T>(target: DatabaseTarget, fn: (conn: Connection) => Promise<T>, opts: ConnectOptions = {}): Promise<T> {
  const conn = await connect(target, opts);
  try {
    return await fn(conn);
  } finally {
    await closeQuietly(conn);
  }
}

/**
 * Whether an error means the session is gone (backend terminated, server shut down, socket closed):
 * nothing more can be done on this connection, and session state such as advisory locks is released.
 */
export function isConnectionLost(err: unknown): boolean {
  const e = err as { code?: string; message?: string } | undefined;
  if (e?.code && /^(57P01|57P02|57P03|08...)$/.test(e.code)) return true;
  return /Connection terminated|connection (is )?closed|ECONNRESET|EPIPE|Client was closed|not queryable/i.test(e?.message ?? '');
}

/** Quote an SQL string literal for simple-protocol queries (standard_conforming_strings on). */
export function literal(value: string | null | undefined): string {
  if (value === null || value === undefined) return 'NULL';
  return pg.escapeLiteral(value);
}
