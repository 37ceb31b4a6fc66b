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
export function startPostgres(opts?: { version?: 15 | 18; useEnv?: boolean }): Promise<PostgresHandle>;
