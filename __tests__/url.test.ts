import { describe, expect, it } from '@jest/globals';
import { inspect } from 'node:util';
import { MigrationError } from '../src/engine/errors.js';
import { MISSING_URL_MESSAGE, parseDatabaseUrl, withDatabase, type ParseUrlOptions } from '../src/engine/url.js';
import { connectionAttempts } from '../src/engine/tls.js';
import { childConnection, dumpArgsUrl, dumpEnv } from '../src/engine/pg-tools.js';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { redact } from '../src/engine/redact.js';

// A machine with no ~/.postgresql files and no CA bundle: tests that need files inject them.
const linux: ParseUrlOptions = { platform: 'linux', homeDir: '/nonexistent-home', env: {}, systemCAs: () => undefined };
/** What every node-postgres config gets from libpq's defaults: channel binding when offered, keepalives after 10 s. */
const DEFAULTS = { enableChannelBinding: true, keepAlive: true, keepAliveInitialDelayMillis: 10_000 };
const parse = (raw: string, opts: ParseUrlOptions = {}) => parseDatabaseUrl(raw, { ...linux, ...opts });

function errorOf(fn: () => unknown): MigrationError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(MigrationError);
    return err as MigrationError;
  }
  throw new Error('expected an error');
}

describe('parseDatabaseUrl: host, port, database', () => {
  it('reads a plain URL', () => {
    const t = parse('postgres://app:secret@db.example.com:6543/shop?sslmode=disable');
    expect(t).toMatchObject({
      scheme: 'postgres',
      host: 'db.example.com',
      port: 6543,
      database: 'shop',
      user: 'app',
      password: 'secret',
      sslmode: 'disable',
      sslPrefer: false,
    });
    expect(t.searchPath).toEqual([]);
    expect(t.pg).toEqual({ host: 'db.example.com', port: 6543, database: 'shop', user: 'app', password: 'secret', ssl: false, ...DEFAULTS });
  });

  it.each(['postgres', 'postgresql', 'redshift', 'spanner-postgres'])('accepts the %s scheme', (scheme) => {
    const t = parse(`${scheme}://u@h/d?sslmode=disable`);
    expect(t.scheme).toBe(scheme);
    expect(t.host).toBe('h');
  });

  it('defaults the port to 5432, and to 5439 for redshift', () => {
    expect(parse('postgres://h/d').port).toBe(5432);
    expect(parse('postgresql://h/d').port).toBe(5432);
    expect(parse('redshift://h/d').port).toBe(5439);
  });

  it('lets port= override the URL port', () => {
    const t = parse('postgres://h:1111/d?port=2222');
    expect(t.port).toBe(2222);
    expect(t.pg.port).toBe(2222);
  });

  it('lets host= override the URL host', () => {
    const t = parse('postgres://u@ignored:5433/d?host=real.example');
    expect(t.host).toBe('real.example');
    expect(t.pg.host).toBe('real.example');
    expect(t.port).toBe(5433);
  });

  it('turns socket=/dir into the host', () => {
    const t = parse('postgres://u@/d?socket=/run/pg');
    expect(t.host).toBe('/run/pg');
    expect(t.pg.host).toBe('/run/pg');
    expect(t.port).toBe(5432);
  });

  it('uses the platform socket directory when there is no host at all', () => {
    expect(parse('postgres:///d').host).toBe('/var/run/postgresql');
    expect(parse('postgres://u:p@/d').pg.host).toBe('/var/run/postgresql');
    expect(parse('postgres://:5433/d')).toMatchObject({ host: '/var/run/postgresql', port: 5433, database: 'd' });
    expect(parseDatabaseUrl('postgres:///d', { platform: 'darwin' }).host).toBe('/tmp');
    expect(parseDatabaseUrl('postgres:///d', { platform: 'win32' }).host).toBe('localhost');
  });

  it('says whether the URL named a host at all (hostless)', () => {
    for (const u of ['postgres:///d', 'postgres://u:p@/d', 'postgres://:5433/d', 'postgres://u@/d?host=', 'postgres://u@/d?sslmode=disable']) {
      expect([u, parse(u).hostless]).toEqual([u, true]);
    }
    for (const u of ['postgres://h/d', 'postgres://u:p@h:5433/d', 'postgres://u@/d?host=/run/pg', 'postgres:///d?socket=/run/pg', 'postgres://[::1]/d']) {
      expect([u, parse(u).hostless]).toEqual([u, false]);
    }
    expect(withDatabase(parse('postgres:///d'), 'postgres').hostless).toBe(true);
  });

  it('strips the brackets of an IPv6 host', () => {
    const t = parse('postgres://[::1]:5433/d');
    expect(t.host).toBe('::1');
    expect(t.port).toBe(5433);
  });

  it('percent-decodes user, password and database', () => {
    const t = parse('postgres://us%40er:p%40ss%3Aw%2Fo%20rd@h/my%20db');
    expect(t.user).toBe('us@er');
    expect(t.password).toBe('p@ss:w/o rd');
    expect(t.database).toBe('my db');
    expect(t.pg).toMatchObject({ user: 'us@er', password: 'p@ss:w/o rd', database: 'my db' });
  });

  it('takes the last @ of the authority as its end, like Go and WHATWG', () => {
    const t = parse('postgres://u:p@ss@h/d');
    expect(t.password).toBe('p@ss');
    expect(t.host).toBe('h');
  });

  it('leaves database, user and password unset when the URL has none', () => {
    const t = parse('postgres://h');
    expect(t.database).toBe('');
    expect(t.user).toBeUndefined();
    expect(t.password).toBeUndefined();
    expect(t.pg).toEqual({ host: 'h', port: 5432, ...DEFAULTS });
  });

  it('lets user= and password= params override the userinfo (pq reads them after it)', () => {
    const t = parse('postgres://a:b@h/d?user=c&password=x%26y');
    expect(t.user).toBe('c');
    expect(t.password).toBe('x&y');
    expect(t.pg).toMatchObject({ user: 'c', password: 'x&y' });
  });

  it('maps connect_timeout, application_name, fallback_application_name and client_encoding', () => {
    const t = parse('postgres://h/d?connect_timeout=7&application_name=my%20app&fallback_application_name=fb&client_encoding=UTF8');
    expect(t.pg).toMatchObject({
      connectionTimeoutMillis: 7000,
      application_name: 'my app',
      fallback_application_name: 'fb',
      client_encoding: 'UTF8',
    });
    expect(t.pg.options).toBeUndefined();
  });

  it('ignores pq-only client settings', () => {
    const t = parse('postgres://h/d?binary_parameters=yes&disable_prepared_binary_result=yes');
    expect(t.pg.options).toBeUndefined();
  });
});

describe('parseDatabaseUrl: search_path and server options', () => {
  it('splits search_path and sends it as a startup option', () => {
    const t = parse('postgres://h/d?search_path=app,public');
    expect(t.searchPath).toEqual(['app', 'public']);
    expect(t.pg.options).toBe('-c search_path=app,public');
  });

  it('trims entries, drops empty ones and escapes spaces and backslashes for libpq', () => {
    const t = parse('postgres://h/d?search_path=%20app%20,%20,public');
    expect(t.searchPath).toEqual(['app', 'public']);
    expect(t.pg.options).toBe('-c search_path=app\\ ,\\ ,public');
    expect(parse('postgres://h/d?search_path=a%5Cb').pg.options).toBe('-c search_path=a\\\\b');
    expect(parse('postgres://h/d?search_path=%22My%20Schema%22').pg.options).toBe('-c search_path="My\\ Schema"');
  });

  it('has an empty searchPath and no options without search_path', () => {
    expect(parse('postgres://h/d?search_path=').searchPath).toEqual([]);
    expect(parse('postgres://h/d?search_path=').pg.options).toBeUndefined();
  });

  it('sends unknown params as server settings, after a user-given options param', () => {
    const t = parse('postgres://h/d?options=-c%20work_mem%3D4MB&search_path=s&timezone=UTC&statement_timeout=5s');
    expect(t.pg.options).toBe('-c work_mem=4MB -c search_path=s -c timezone=UTC -c statement_timeout=5s');
  });

  it('rejects a param that cannot be a setting name, and dbname', () => {
    expect(errorOf(() => parse('postgres://h/d?bad-name=1')).message).toBe(
      'invalid database url postgres://h/d?bad-name=1: query parameter "bad-name" is not a valid server setting name',
    );
    expect(errorOf(() => parse('postgres://h/d?dbname=x')).message).toBe(
      'invalid database url postgres://h/d?dbname=x: the dbname parameter is not supported: put the database name in the URL path',
    );
  });
});

describe('parseDatabaseUrl: sslmode', () => {
  const files: Record<string, string> = { '/ca.pem': 'CA', '/client.crt': 'CERT', '/client.key': 'KEY' };
  const readFile = (p: string): string => {
    if (!(p in files)) throw Object.assign(new Error(`ENOENT: no such file or directory, open '${p}'`), { code: 'ENOENT' });
    return files[p];
  };

  it('behaves like libpq prefer when sslmode is absent: ssl undefined plus sslPrefer', () => {
    const t = parse('postgres://h/d');
    expect(t.sslmode).toBe('prefer');
    expect(t.sslPrefer).toBe(true);
    expect(t.pg.ssl).toBeUndefined();
    expect('ssl' in t.pg).toBe(false);
  });

  it('treats explicit prefer the same way', () => {
    const t = parse('postgres://h/d?sslmode=prefer');
    expect(t.sslPrefer).toBe(true);
    expect(t.pg.ssl).toBeUndefined();
  });

  it('maps disable and allow to plain text', () => {
    expect(parse('postgres://h/d?sslmode=disable').pg.ssl).toBe(false);
    expect(parse('postgres://h/d?sslmode=allow').pg.ssl).toBe(false);
    expect(parse('postgres://h/d?sslmode=allow').sslPrefer).toBe(false);
  });

  it('maps require to TLS without verification', () => {
    expect(parse('postgres://h/d?sslmode=require').pg.ssl).toEqual({ rejectUnauthorized: false });
  });

  it('maps verify-ca to chain verification without host name check', () => {
    const ssl = parse('postgres://h/d?sslmode=verify-ca&sslrootcert=/ca.pem', { readFile }).pg.ssl as Record<string, unknown>;
    expect(ssl.ca).toBe('CA');
    expect(ssl.rejectUnauthorized).toBe(true);
    expect(typeof ssl.checkServerIdentity).toBe('function');
    expect((ssl.checkServerIdentity as () => unknown)()).toBeUndefined();
  });

  it('upgrades require with a root certificate to verify-ca, as libpq does', () => {
    const ssl = parse('postgres://h/d?sslmode=require&sslrootcert=/ca.pem', { readFile }).pg.ssl as Record<string, unknown>;
    expect(ssl).toMatchObject({ ca: 'CA', rejectUnauthorized: true });
    expect(typeof ssl.checkServerIdentity).toBe('function');
  });

  it('maps verify-full to full verification with client certificate files', () => {
    const t = parse('postgres://h/d?sslmode=verify-full&sslrootcert=/ca.pem&sslcert=/client.crt&sslkey=/client.key', { readFile });
    expect(t.pg.ssl).toEqual({ ca: 'CA', cert: 'CERT', key: 'KEY', rejectUnauthorized: true });
  });

  it('keeps certificate files for the TLS attempt of prefer', () => {
    const t = parse('postgres://h/d?sslcert=/client.crt&sslkey=/client.key', { readFile });
    expect(t.pg.ssl).toBeUndefined();
    expect(t.sslFiles).toEqual({ cert: 'CERT', key: 'KEY' });
    expect(connectionAttempts(t)).toEqual([
      { host: 'h', port: 5432, database: 'd', ...DEFAULTS, ssl: { cert: 'CERT', key: 'KEY', rejectUnauthorized: false } },
      { host: 'h', port: 5432, database: 'd', ...DEFAULTS, ssl: false },
    ]);
  });

  it('orders connection attempts: prefer = TLS then plain, allow = plain then TLS, others = one', () => {
    expect(connectionAttempts(parse('postgres://h/d')).map((c) => c.ssl)).toEqual([{ rejectUnauthorized: false }, false]);
    expect(connectionAttempts(parse('postgres://h/d?sslmode=allow')).map((c) => c.ssl)).toEqual([false, { rejectUnauthorized: false }]);
    expect(connectionAttempts(parse('postgres://h/d?sslmode=require')).map((c) => c.ssl)).toEqual([{ rejectUnauthorized: false }]);
    expect(connectionAttempts(parse('postgres://h/d?sslmode=disable')).map((c) => c.ssl)).toEqual([false]);
  });

  it('does not read certificate files when sslmode=disable', () => {
    const t = parse('postgres://h/d?sslmode=disable&sslrootcert=/missing.pem', { readFile });
    expect(t.pg.ssl).toBe(false);
  });

  it('names the file and sslmode problems clearly', () => {
    expect(errorOf(() => parse('postgres://u:pw@h/d?sslmode=verify-full&sslrootcert=/missing.pem', { readFile })).message).toBe(
      "cannot read sslrootcert file /missing.pem named in postgres://u:********@h/d?sslmode=verify-full&sslrootcert=/missing.pem: ENOENT: no such file or directory, open '/missing.pem'",
    );
    expect(errorOf(() => parse('postgres://h/d?sslmode=on')).message).toBe(
      'invalid database url postgres://h/d?sslmode=on: sslmode=on is not valid; expected one of disable, allow, prefer, require, verify-ca, verify-full',
    );
  });
});

describe('parseDatabaseUrl: errors', () => {
  it('gives dbmate’s message for an empty or missing URL', () => {
    for (const raw of ['', '   ', undefined as unknown as string]) {
      const err = errorOf(() => parse(raw));
      expect(err.message).toBe('invalid url, have you set your --url flag or DATABASE_URL environment variable?');
      expect(err.message).toBe(MISSING_URL_MESSAGE);
      expect(err.code).toBe('URL_MISSING');
    }
  });

  it('gives the same message for a URL without a scheme, as dbmate does', () => {
    expect(errorOf(() => parse('localhost/db')).message).toBe(MISSING_URL_MESSAGE);
  });

  it('rejects other drivers with dbmate’s message', () => {
    const err = errorOf(() => parse('mysql://u:p@h/d'));
    expect(err.message).toBe('unsupported driver: mysql');
    expect(err.code).toBe('URL_UNSUPPORTED_DRIVER');
    expect(errorOf(() => parse('SQLite3:/x.db')).message).toBe('unsupported driver: sqlite3');
  });

  it('checks --driver instead of the scheme when given', () => {
    expect(parse('foo://h/d', { driver: 'postgres' }).host).toBe('h');
    expect(errorOf(() => parse('postgres://h/d', { driver: 'mysql' })).message).toBe('unsupported driver: mysql');
  });

  it('explains malformed URLs without printing the password', () => {
    expect(errorOf(() => parse('postgres:db')).message).toBe(
      'invalid database url postgres:db: expected postgres://user:password@host:port/database?param=value (user, password, port and params optional)',
    );
    expect(errorOf(() => parse('postgres://u:pw@h:abc/d')).message).toBe(
      'invalid database url postgres://u:********@h:abc/d: port "abc" is not a number; expected postgres://user:password@host:port/database?param=value (user, password, port and params optional)',
    );
    expect(errorOf(() => parse('postgres://u:pw@h:99999/d')).message).toBe(
      'invalid database url postgres://u:********@h:99999/d: port "99999" is not valid; expected a number from 1 to 65535; expected postgres://user:password@host:port/database?param=value (user, password, port and params optional)',
    );
    expect(errorOf(() => parse('postgres://h/d?port=70000')).message).toBe(
      'invalid database url postgres://h/d?port=70000: port "70000" is not valid; expected a number from 1 to 65535',
    );
    expect(errorOf(() => parse('postgres://h/d?connect_timeout=soon')).message).toBe(
      'invalid database url postgres://h/d?connect_timeout=soon: connect_timeout=soon is not valid; expected a whole number of seconds (0 = wait forever)',
    );
    const hash = errorOf(() => parse('postgres://u:pa#ss@h/d'));
    expect(hash.message).toBe(
      'invalid database url postgres://u:********@h/d: the user name or password holds "/", "?" or "#": percent-encode them as %2F, %3F, %23; expected postgres://user:password@host:port/database?param=value (user, password, port and params optional)',
    );
    expect(hash.message).not.toContain('pa#ss');
    expect(errorOf(() => parse('postgres://u:p%zzw@h/d')).message).toBe(
      'invalid database url postgres://u:********@h/d: the password has a malformed percent-escape',
    );
  });
});

describe('redaction', () => {
  it('masks the password in dbmate’s form', () => {
    expect(parse('postgres://app:s3cret-pw@h:5432/d?sslmode=disable').redacted).toBe('postgres://app:********@h:5432/d?sslmode=disable');
  });

  it('leaves a URL without password alone, even with @ in its query', () => {
    expect(parse('postgres://app@h/d').redacted).toBe('postgres://app@h/d');
    expect(parse('postgres://h:5432/d?application_name=a@b').redacted).toBe('postgres://h:5432/d?application_name=a@b');
    expect(parse('postgres://u:pw1234@h:5432/d?application_name=a@b').redacted).toBe('postgres://u:********@h:5432/d?application_name=a@b');
  });

  it('never shows a percent-encoded password, in either form', () => {
    const t = parse('postgres://app:p%40ss%2Fw%3Ard@h/d');
    expect(t.password).toBe('p@ss/w:rd');
    expect(t.redacted).toBe('postgres://app:********@h/d');
    expect(t.redacted).not.toContain('p%40ss');
    expect(t.redacted).not.toContain('p@ss');
  });

  it('masks a password= query parameter', () => {
    const t = parse('postgres://app@h/d?sslmode=disable&password=hunter2xyz&application_name=x');
    expect(t.password).toBe('hunter2xyz');
    expect(t.redacted).toBe('postgres://app@h/d?sslmode=disable&password=********&application_name=x');
  });

  it('masks a password that appears elsewhere in the URL too', () => {
    const t = parse('postgres://app:Zq9xLongPw@h/d?application_name=Zq9xLongPw');
    expect(t.redacted).toBe('postgres://app:********@h/d?application_name=********');
  });

  it('keeps a password with @ out of the redacted URL', () => {
    const t = parse('postgres://u:p@ss@h/d');
    expect(t.redacted).toBe('postgres://u:********@h/d');
  });

  it('redact() masks secrets in free text, raw and percent-encoded, any hex case', () => {
    const secret = 'p@ss w/rd';
    const text = `auth failed for p@ss w/rd; url had p%40ss%20w%2Frd and p%40ss+w%2frd`;
    expect(redact(text, [secret])).toBe('auth failed for ********; url had ******** and ********');
  });

  it('redact() masks userinfo passwords of any scheme and password= params without being told the secret', () => {
    expect(redact('Error: cannot connect postgres://u:topsecret@h:5432/d (x)', [])).toBe('Error: cannot connect postgres://u:********@h:5432/d (x)');
    expect(redact('see https://bob:pw123@example.com/x and mysql://r:o@t@h/d', [])).toBe(
      'see https://bob:********@example.com/x and mysql://r:********@h/d',
    );
    expect(redact('conninfo host=h password=abc123 user=u', [])).toBe('conninfo host=h password=******** user=u');
    expect(redact('postgres://h/d?sslmode=disable&PASSWORD=abc', [])).toBe('postgres://h/d?sslmode=disable&PASSWORD=********');
  });

  it('redact() leaves text without secrets unchanged and ignores empty secrets', () => {
    expect(redact('Applying: 1_a.sql postgres://h:5432/d', ['', 'zzz'])).toBe('Applying: 1_a.sql postgres://h:5432/d');
  });

  it('keeps secrets out of JSON and inspect output', () => {
    const t = parse('postgres://u:Very$ecret@h/d?sslmode=require');
    expect(JSON.stringify(t)).not.toContain('Very$ecret');
    expect(inspect(t)).not.toContain('Very$ecret');
    expect(JSON.parse(JSON.stringify(t))).toMatchObject({ redacted: 'postgres://u:********@h/d?sslmode=require', database: 'd' });
  });
});

describe('withDatabase', () => {
  it('targets another database on the same server with the same credentials', () => {
    const t = parse('postgres://u:pw@h:5433/app?sslmode=disable&search_path=s');
    const admin = withDatabase(t, 'postgres');
    expect(admin.database).toBe('postgres');
    expect(admin.pg).toMatchObject({ database: 'postgres', host: 'h', port: 5433, user: 'u', password: 'pw', ssl: false });
    expect(admin.raw).toBe('postgres://u:pw@h:5433/postgres?sslmode=disable&search_path=s');
    expect(admin.redacted).toBe('postgres://u:********@h:5433/postgres?sslmode=disable&search_path=s');
    expect(admin.searchPath).toEqual(['s']);
    expect(t.database).toBe('app');
    expect(t.pg.database).toBe('app');
    expect(Object.isFrozen(admin)).toBe(true);
    expect(JSON.stringify(admin)).not.toContain('pw@');
  });

  it('adds a path when the URL had none and encodes odd names', () => {
    expect(withDatabase(parse('postgres://h?sslmode=disable'), 'my db').raw).toBe('postgres://h/my%20db?sslmode=disable');
  });
});

describe('dumpArgsUrl', () => {
  it('drops search_path, binary_parameters and the password, normalises scheme and port', () => {
    const t = parse('postgresql://u:secret@h/d?search_path=a,b&binary_parameters=yes&sslmode=disable');
    const url = dumpArgsUrl(t);
    expect(url).toBe('postgres://u@h:5432/d?sslmode=disable');
    expect(url).not.toContain('secret');
    expect(dumpEnv(t)).toEqual({ PGPASSWORD: 'secret' });
  });

  it('drops a password= param and params libpq does not know, keeps libpq ones', () => {
    const t = parse('postgres://u@h:6000/d?password=pw&timezone=UTC&application_name=my%20app&connect_timeout=5');
    expect(dumpArgsUrl(t)).toBe('postgres://u@h:6000/d?application_name=my%20app&connect_timeout=5&sslmode=prefer');
    expect(dumpEnv(t)).toEqual({ PGPASSWORD: 'pw' });
  });

  it('passes socket directories as host= and IPv6 hosts in brackets', () => {
    expect(dumpArgsUrl(parse('postgres://u@/d?socket=/run/pg'))).toBe('postgres://u@:5432/d?host=%2Frun%2Fpg&sslmode=prefer');
    expect(dumpArgsUrl(parse('postgres:///d'))).toBe('postgres://:5432/d?host=%2Fvar%2Frun%2Fpostgresql&sslmode=prefer');
    expect(dumpArgsUrl(parse('postgres://[::1]/d'))).toBe('postgres://[::1]:5432/d?sslmode=prefer');
  });

  it('has no PGPASSWORD without a password and re-encodes user and database', () => {
    const t = parse('postgres://a%40b@h/my%20db');
    expect(dumpArgsUrl(t)).toBe('postgres://a%40b@h:5432/my%20db?sslmode=prefer');
    expect(dumpEnv(t)).toEqual({});
  });
});

describe('libpq parameters (libpq-params.ts): honoured, accepted or refused by name, never server settings', () => {
  const invalidUrl = (q: string) => errorOf(() => parse(`postgres://h/d?${q}`));

  it('sends no libpq keyword to the server as a setting', () => {
    const q = [
      'sslmode=require',
      'target_session_attrs=read-write',
      'channel_binding=prefer',
      'keepalives=1',
      'keepalives_idle=5',
      'keepalives_interval=3',
      'keepalives_count=4',
      'tcp_user_timeout=10000',
      'gssencmode=prefer',
      'requiressl=1',
      'sslcompression=0',
      'sslsni=1',
      'ssl_min_protocol_version=TLSv1.2',
      'ssl_max_protocol_version=TLSv1.3',
      'krbsrvname=postgres',
      'gsslib=gssapi',
      'gssdelegation=0',
      'min_protocol_version=3.0',
      'max_protocol_version=latest',
      'sslcertmode=allow',
      'load_balance_hosts=disable',
      'sslnegotiation=postgres',
    ].join('&');
    const t = parse(`postgres://h/d?${q}`);
    expect(t.pg.options).toBeUndefined();
    expect(t.targetSessionAttrs).toBe('read-write');
    expect(t.pg).toMatchObject({ keepAlive: true, keepAliveInitialDelayMillis: 5000, enableChannelBinding: true, sslnegotiation: 'postgres' });
    expect(t.pg.ssl).toEqual({ minVersion: 'TLSv1.2', maxVersion: 'TLSv1.3', rejectUnauthorized: false });
    // Unknown names are still server settings, as pq sends them.
    expect(parse('postgres://h/d?target_session_attrs=any&timezone=UTC').pg.options).toBe('-c timezone=UTC');
  });

  it('honours keepalives=0, channel_binding=disable, requiressl, any and the default target_session_attrs', () => {
    expect(parse('postgres://h/d?keepalives=0&keepalives_idle=5').pg).toMatchObject({ keepAlive: false });
    expect(parse('postgres://h/d?keepalives=0').pg.keepAliveInitialDelayMillis).toBeUndefined();
    expect(parse('postgres://h/d?channel_binding=disable')).toMatchObject({ channelBinding: 'disable', pg: { enableChannelBinding: false } });
    expect(parse('postgres://h/d').channelBinding).toBe('prefer');
    expect(parse('postgres://h/d?channel_binding=require&sslmode=require').channelBinding).toBe('require');
    expect(parse('postgres://h/d?requiressl=1').sslmode).toBe('require');
    expect(parse('postgres://h/d?requiressl=1&sslmode=verify-ca').sslmode).toBe('verify-ca');
    expect(parse('postgres://h/d?requiressl=0').sslmode).toBe('prefer');
    expect(parse('postgres://h/d?target_session_attrs=any').targetSessionAttrs).toBeUndefined();
    expect(parse('postgres://h/d').targetSessionAttrs).toBeUndefined();
    for (const v of ['read-write', 'read-only', 'primary', 'standby', 'prefer-standby']) {
      expect(parse(`postgres://h/d?target_session_attrs=${v}`).targetSessionAttrs).toBe(v);
    }
  });

  it('connects to hostaddr, and sends and verifies the host name', () => {
    const readFile = (p: string) => {
      if (p !== '/ca.pem') throw new Error(`ENOENT: ${p}`);
      return 'CA';
    };
    const t = parse('postgres://db.example.com/d?hostaddr=10.0.0.5&sslmode=verify-full&sslrootcert=/ca.pem', { readFile });
    expect(t).toMatchObject({ host: 'db.example.com', hostaddr: '10.0.0.5', pg: { host: '10.0.0.5' } });
    const ssl = t.pg.ssl as Record<string, unknown>;
    expect(ssl).toMatchObject({ ca: 'CA', servername: 'db.example.com', rejectUnauthorized: true });
    expect(typeof ssl.checkServerIdentity).toBe('function');
    expect(dumpArgsUrl(t)).toBe('postgres://db.example.com:5432/d?hostaddr=10.0.0.5&sslmode=verify-full&sslrootcert=%2Fca.pem');
    expect((parse('postgres://db.example.com/d?hostaddr=10.0.0.5&sslsni=0&sslmode=require').pg.ssl as Record<string, unknown>).servername).toBeUndefined();
    expect(parse('postgres://10.0.0.5/d?sslsni=0').pg.options).toBeUndefined();
  });

  it('refuses the keywords it cannot honour, naming them, why, and what to do', () => {
    const cases: [string, string][] = [
      ['service=prod', 'service is not supported: connection service files are not read; put the connection settings in the URL'],
      ['passfile=/p', 'passfile is not supported: a password file named in the URL is not read; leave it out: ~/.pgpass (or the file PGPASSFILE names) is read when the URL has no password; or put the password in the URL'],
      ['replication=database', 'replication is not supported: a replication connection cannot run migrations; remove replication from the URL'],
      ['require_auth=scram-sha-256', 'require_auth is not supported: node-postgres cannot restrict the authentication method; leave it out; to insist on SCRAM with channel binding over TLS use channel_binding=require'],
      ['requirepeer=postgres', 'requirepeer is not supported: node-postgres cannot check the operating-system user of a Unix-socket server; remove requirepeer, or connect over TCP with sslmode=verify-full'],
      ['sslkeylogfile=/k', 'sslkeylogfile is not supported: writing TLS session secrets to a file is not supported; remove sslkeylogfile from the URL'],
      ['sslcertmode=require', 'sslcertmode is not supported: only the default, allow (send the client certificate when the server asks), is supported; remove sslcertmode, or set it to allow'],
      ['load_balance_hosts=random', 'load_balance_hosts is not supported: load balancing needs several hosts, which are not supported; remove load_balance_hosts (disable is the default)'],
      ['scram_client_key=x', 'scram_client_key is not supported: SCRAM pass-through keys are not supported; use a password'],
      ['oauth_issuer=https://i', 'oauth_issuer is not supported: node-postgres has no OAuth authentication; use a password or a client certificate'],
      ['gssencmode=require', 'gssencmode=require is not supported: node-postgres has no GSSAPI encryption; use sslmode=verify-full for an encrypted connection, or gssencmode=prefer'],
      ['min_protocol_version=3.2', 'min_protocol_version=3.2 is not supported: node-postgres speaks protocol 3.0 only; remove it or set 3.0'],
      ['sslsni=0', 'sslsni=0 is not supported with a host name: node-postgres always sends the host name it connects to (SNI); remove sslsni=0, or connect by address with hostaddr=<IP address> (the host name still verifies the certificate)'],
      ['channel_binding=require&sslmode=disable', 'channel_binding=require needs TLS, but sslmode is disable; use sslmode=verify-full (or require)'],
      ['sslnegotiation=direct', 'weak sslmode "prefer" may not be used with sslnegotiation=direct (use "require", "verify-ca", or "verify-full")'],
      ['sslrootcert=system&sslmode=require', 'weak sslmode "require" may not be used with sslrootcert=system (use "verify-full")'],
      ['host=a,b', 'several hosts (a,b) are not supported: node-postgres connects to one host; name one host and port (a managed database\'s primary or writer endpoint, or a DNS name that follows failover)'],
      ['port=5432,5433', 'several ports (5432,5433) are not supported: node-postgres connects to one host; name one host and port (a managed database\'s primary or writer endpoint, or a DNS name that follows failover)'],
    ];
    for (const [q, reason] of cases) {
      const err = invalidUrl(q);
      expect([q, err.code, err.message]).toEqual([q, 'URL_INVALID', `invalid database url ${redact(`postgres://h/d?${q}`, [])}: ${reason}`]);
    }
    expect(errorOf(() => parse('postgres://a:5432,b:5433/d')).message).toBe(
      "invalid database url postgres://a:5432,b:5433/d: several hosts (a:5432,b:5433) are not supported: node-postgres connects to one host; name one host and port (a managed database's primary or writer endpoint, or a DNS name that follows failover)",
    );
  });

  it('validates values, naming the parameter and what it expects', () => {
    const cases: [string, string][] = [
      ['target_session_attrs=writable', 'target_session_attrs=writable is not valid; expected one of any, read-write, read-only, primary, standby, prefer-standby'],
      ['channel_binding=yes', 'channel_binding=yes is not valid; expected one of disable, prefer, require'],
      ['keepalives=on', 'keepalives=on is not valid; expected a whole number of a flag (1 = on, 0 = off)'],
      ['keepalives_idle=5s', 'keepalives_idle=5s is not valid; expected a whole number of seconds'],
      ['tcp_user_timeout=-1', 'tcp_user_timeout=-1 is not valid; expected a whole number of milliseconds (0 = the system default)'],
      ['ssl_min_protocol_version=TLSv1.4', 'ssl_min_protocol_version=TLSv1.4 is not valid; expected one of TLSv1, TLSv1.1, TLSv1.2, TLSv1.3'],
      ['hostaddr=db.example.com', 'hostaddr=db.example.com is not valid; expected an IPv4 or IPv6 address (the host name goes in the URL host or host=)'],
      ['requiressl=yes', 'requiressl=yes is not valid; expected one of 0, 1'],
    ];
    for (const [q, reason] of cases) expect([q, invalidUrl(q).message]).toEqual([q, `invalid database url postgres://h/d?${q}: ${reason}`]);
  });
});

describe('trust: one set of CAs for the migration connection and pg_dump', () => {
  const files: Record<string, string> = {
    '/home/u/.postgresql/root.crt': 'HOME-CA',
    '/bundle.pem': 'BUNDLE',
    '/etc/ssl/certs/ca-certificates.crt': 'DISTRO',
  };
  const readFile = (p: string): string => {
    if (!(p in files)) throw Object.assign(new Error(`ENOENT: no such file or directory, open '${p}'`), { code: 'ENOENT' });
    return files[p];
  };
  const ca = (t: ReturnType<typeof parse>) => (t.pg.ssl as { ca?: string }).ca;

  it('uses ~/.postgresql/root.crt for verify-* and require (which then verifies the chain), as libpq', () => {
    const t = parse('postgres://h/d?sslmode=verify-full', { readFile, homeDir: '/home/u' });
    expect(t.trust).toEqual({ source: 'home', file: '/home/u/.postgresql/root.crt', pems: 'HOME-CA' });
    expect(ca(t)).toBe('HOME-CA');
    expect(dumpArgsUrl(t)).toBe('postgres://h:5432/d?sslmode=verify-full&sslrootcert=%2Fhome%2Fu%2F.postgresql%2Froot.crt');
    const r = parse('postgres://h/d?sslmode=require', { readFile, homeDir: '/home/u' });
    expect(r.pg.ssl).toMatchObject({ ca: 'HOME-CA', rejectUnauthorized: true });
    expect(parse('postgres://h/d?sslmode=require', { readFile }).trust).toBeUndefined();
  });

  it("falls back to Node's CAs (plus NODE_EXTRA_CA_CERTS) for verify-*, with no file: pg_dump gets a private copy", () => {
    const t = parse('postgres://h/d?sslmode=verify-ca', { readFile, env: { NODE_EXTRA_CA_CERTS: '/bundle.pem' } });
    expect(t.trust?.source).toBe('node');
    expect(t.trust?.file).toBeUndefined();
    expect(ca(t)!.endsWith('BUNDLE\n')).toBe(true);
    expect(ca(t)).toContain('-----BEGIN CERTIFICATE-----');
  });

  it('reads sslrootcert=system from SSL_CERT_FILE, else Node’s system store, else the distribution bundle', () => {
    expect(parse('postgres://h/d?sslrootcert=system', { readFile, env: { SSL_CERT_FILE: '/bundle.pem' } }).trust).toEqual({ source: 'system', file: '/bundle.pem', pems: 'BUNDLE' });
    expect(parse('postgres://h/d?sslrootcert=system', { readFile, systemCAs: () => ['A', 'B'] }).trust).toEqual({ source: 'system', pems: 'A\nB\n' });
    const t = parse('postgres://h/d?sslrootcert=system', { readFile });
    expect(t).toMatchObject({ sslmode: 'verify-full', trust: { source: 'system', file: '/etc/ssl/certs/ca-certificates.crt' } });
    expect(dumpArgsUrl(t)).toBe('postgres://h:5432/d?sslmode=verify-full&sslrootcert=%2Fetc%2Fssl%2Fcerts%2Fca-certificates.crt');
    const nothing = () => {
      throw new Error('ENOENT');
    };
    expect(errorOf(() => parse('postgres://h/d?sslrootcert=system', { readFile: nothing })).message).toBe(
      'invalid database url postgres://h/d?sslrootcert=system: sslrootcert=system: no system CA bundle found (looked at SSL_CERT_FILE, /etc/ssl/certs/ca-certificates.crt, /etc/pki/tls/certs/ca-bundle.crt, /etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem, /etc/ssl/ca-bundle.pem, /etc/ssl/cert.pem); install the ca-certificates package, set SSL_CERT_FILE, or name a CA file in sslrootcert',
    );
  });

  it('gives pg_dump sslcrl and the client certificate, and sslpassword only through a private service file', async () => {
    const all: Record<string, string> = { ...files, '/c.crt': 'CERT', '/c.key': 'KEY', '/crl.pem': 'CRL' };
    const t = parse('postgres://u:pw@h/d?sslmode=verify-full&sslrootcert=/bundle.pem&sslcert=/c.crt&sslkey=/c.key&sslpassword=Key-Secret-77&sslcrl=/crl.pem', {
      readFile: (p) => all[p] ?? readFile(p),
    });
    expect(t.pg.ssl).toMatchObject({ ca: 'BUNDLE', cert: 'CERT', key: 'KEY', passphrase: 'Key-Secret-77', crl: ['CRL'] });
    expect(t.redacted).toBe('postgres://u:********@h/d?sslmode=verify-full&sslrootcert=/bundle.pem&sslcert=/c.crt&sslkey=/c.key&sslpassword=********&sslcrl=/crl.pem');
    expect(JSON.stringify(t)).not.toContain('Key-Secret-77');
    expect(redact('conninfo sslpassword=abc host=h', [])).toBe('conninfo sslpassword=******** host=h');
    // Every secret of the URL, so the CLI and the action mask both wherever they print.
    expect(t.secrets).toEqual(['pw', 'Key-Secret-77']);
    const url = dumpArgsUrl(t);
    expect(url).toBe('postgres://u@h:5432/d?sslcert=%2Fc.crt&sslcrl=%2Fcrl.pem&sslkey=%2Fc.key&sslmode=verify-full&sslrootcert=%2Fbundle.pem');
    const child = await childConnection(t);
    try {
      expect(child.url).toBe(url.replace('?', '?service=db_migrate_child&'));
      expect(child.url).not.toContain('Key-Secret-77');
      expect(Object.keys(child.env).sort()).toEqual(['PGPASSWORD', 'PGSERVICEFILE']);
      expect(readFileSync(child.env.PGSERVICEFILE, 'utf8')).toBe('[db_migrate_child]\nsslpassword=Key-Secret-77\n');
      expect((statSync(child.env.PGSERVICEFILE).mode & 0o777).toString(8)).toBe('600');
    } finally {
      await child.cleanup();
    }
    expect(existsSync(child.env.PGSERVICEFILE)).toBe(false);
  });
});
