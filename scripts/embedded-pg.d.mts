export interface PostgresHandle {
  kind: 'embedded' | 'external';
  /** URL of the `postgres` maintenance database, with password and sslmode=disable. */
  adminUrl: string;
  password: string;
  port: number;
  url(db: string): string;
  createDatabase(name?: string): Promise<string>;
  dropDatabase(db: string): Promise<void>;
  stop(): Promise<void>;
  /** Fast shutdown of an embedded server, keeping its data (every session is terminated); external servers throw. */
  halt(): Promise<void>;
  /** Start a halted embedded server again on the same port and data. */
  resume(): Promise<void>;
  /** halt() then resume(). */
  restart(): Promise<void>;
}
/** A server of our own: where it lives and who runs it (for TLS and replication tests). */
export interface EmbeddedPostgresHandle extends PostgresHandle {
  kind: 'embedded';
  /** The cluster's data directory (pg_hba.conf, postgresql.auto.conf). */
  dataDir: string;
  /** The embedded package's own `postgres`, `pg_ctl`, `initdb`. */
  binDir: string;
  /** `unix_socket_directories` of the server. */
  socketDir: string;
  /** The OS user that owns `dataDir` and runs the server (`postgres` when we are root). */
  osUser: string;
}
export function startPostgres(opts: { version?: 15 | 18; flags: string[] }): Promise<EmbeddedPostgresHandle>;
export function startPostgres(opts: { version?: 15 | 18; useEnv: false }): Promise<EmbeddedPostgresHandle>;
export function startPostgres(opts?: { version?: 15 | 18; useEnv?: boolean; flags?: string[] }): Promise<PostgresHandle>;
/** A TCP port on 127.0.0.1 that was free a moment ago (for servers the tests start). */
export function freePort(): Promise<number>;
