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
}
export function startPostgres(opts?: { version?: 15 | 18; useEnv?: boolean }): Promise<PostgresHandle>;
