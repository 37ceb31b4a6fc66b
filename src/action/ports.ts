/**
 * The seams of the action: every outside system a step talks to, as an interface. `main.ts`
 * passes the real ones (`realPorts` in `real-ports.ts`: PostgreSQL, pg_dump, GitHub, the webhook);
 * tests pass fakes of the same shape.
 */
import type { Logger } from '../engine/logger.js';
import type { Migrator } from '../engine/migrator.js';
import type { Connection } from '../engine/db.js';
import type { IssueClient, IssueClientOptions } from '../github/issue-client.js';
import type { HealthOptions, HealthResult } from '../safety/health.js';
import type { BackupArtifact, PgDumpSelection } from '../safety/backup.js';
import type { ServerVersion } from '../engine/pg-tools.js';
import type { PostWebhook } from '../notify/webhook.js';

/** The engine's logger plus collapsible groups (one per phase). */
export interface PipelineLog extends Logger {
  /** Run `fn` inside a titled, collapsible log group. */
  group<T>(title: string, fn: () => Promise<T>): Promise<T>;
}

/**
 * The part of {@link Migrator} the pipeline uses; tests may pass a fake. `recordRunOutcome` is
 * optional: a fake that has none records no run outcome (nor does a fake write history rows).
 * `baseline` is optional so fakes written for the other commands still fit; the real engine has it.
 */
export type MigratorPort = Pick<Migrator, 'up' | 'rollback' | 'status' | 'plan' | 'planRollback' | 'rollbackVersions' | 'holdLock' | 'tableFacts'> &
  Partial<Pick<Migrator, 'recordRunOutcome' | 'baseline'>>;

/** Health checks after migrating, as the pipeline uses them; tests may pass a fake. */
export interface HealthPort {
  /** INVALID indexes before migrating, so the check afterwards blames only new ones. */
  invalidIndexes(): Promise<string[]>;
  /** Run the checks after migrating. */
  run(opts: HealthOptions): Promise<HealthResult>;
}

/**
 * The backup operations the pipeline needs, so tests can pass a fake. The real one
 * (`backupPort` in `real-ports.ts`) is real PostgreSQL and real pg_dump.
 */
export interface BackupPort {
  /** The server's version on a connection (the run's own, holding the lock). */
  serverVersion(conn: Connection): Promise<ServerVersion>;
  /** The server's version on a short connection of its own (dry runs, which have none to lend). */
  probeServerVersion(): Promise<ServerVersion>;
  /** Choose pg_dump for the server: `pg-dump-path` when set, else the newest suitable one found. */
  select(server: ServerVersion): Promise<PgDumpSelection>;
  /** Take and verify the archive. */
  take(selection: PgDumpSelection, currentVersion: string | undefined): Promise<BackupArtifact>;
}

/** Builds the GitHub client; the default is `createIssueClient`, which loads @actions/github on its first request. */
export type IssueClientFactory = (opts: IssueClientOptions) => IssueClient;

/** Every seam of one run: what `main.ts` wires to the real systems and tests replace. */
export interface ActionPorts {
  /** The engine, on the run's database. */
  readonly migrator: MigratorPort;
  /** Health checks after migrating. */
  readonly health: HealthPort;
  /** Backups before migrating. */
  readonly backup: BackupPort;
  /** The GitHub client for the failure issue. */
  readonly createIssueClient: IssueClientFactory;
  /** Posts the `notify-webhook` message. */
  readonly postWebhook: PostWebhook;
  /** Clock, ms since the epoch. */
  readonly now: () => number;
}
