import type { CliOptions } from '../args/options.js';
import type { Logger } from '../../engine/logger.js';
import type { Migrator, MigratorConfig } from '../../engine/migrator.js';
import type { DatabaseTarget } from '../../engine/url.js';

/** Where the CLI writes; injected so tests can run it in-process. */
export interface CliIO {
  /** Raw stdout (unredacted: commands write through {@link CommandContext.out}). */
  stdout(s: string): void;
  /** Raw stderr (unredacted). */
  stderr(s: string): void;
  /** Directory that relative paths (migrations, schema file, env files) are resolved against. */
  cwd: string;
  /** Aborted at SIGINT/SIGTERM (`index.ts`): the engine stops and the command reports the cancel. */
  signal?: AbortSignal;
}

/** A sink for output text; the CLI's `out` redacts the database password first. */
export type Out = (s: string) => void;

/** What every command is given: the parsed command line and where to write. */
export interface CommandContext {
  /** The parsed command line. */
  readonly opts: CliOptions;
  /** The environment after env files were merged in (process variables win). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The raw streams and the working directory. */
  readonly io: CliIO;
  /** stdout, with the password redacted: dbmate's output and `--json` documents. */
  readonly out: Out;
  /** Progress lines (stdout, or stderr under `--json`) and warnings (stderr). */
  readonly log: Logger;
}

/** What a command that talks to the database is given besides {@link CommandContext}. */
export interface DatabaseCommandContext extends CommandContext {
  /** The database named by `--url` or the `--env` variable. */
  readonly target: DatabaseTarget;
  /** The engine configuration the {@link migrator} was built from (verify builds its own engines from it). */
  readonly config: MigratorConfig;
  /** The engine for this invocation: one Migrator is one invocation in the history table. */
  readonly migrator: Migrator;
}

/** A command: runs and returns the exit code; errors are thrown and printed by `main` (exit 2). */
export type Command<C extends CommandContext = DatabaseCommandContext> = (ctx: C) => Promise<number>;
