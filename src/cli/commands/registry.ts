import { MigrationError } from '../../engine/errors.js';
import type { CommandName } from '../args/flags.js';
import type { Command, CommandContext } from './context.js';
import { baselineCommand } from './baseline.js';
import { createCommand, dropCommand } from './database.js';
import { dumpCommand } from './dump.js';
import { lintCommand } from './lint.js';
import { loadCommand } from './load.js';
import { newCommand } from './new.js';
import { planCommand } from './plan.js';
import { historyCommand, reportCommand } from './report.js';
import { rollbackCommand } from './rollback.js';
import { statusCommand } from './status.js';
import { upCommand } from './up.js';
import { verifyCommand } from './verify.js';
import { waitCommand } from './wait.js';

type OfflineName = 'new' | 'lint';

// Typed over every command name, so a command added to the flag table without a function here
// does not compile.
const OFFLINE: Readonly<Record<OfflineName, Command<CommandContext>>> = { new: newCommand, lint: lintCommand };
const DATABASE: Readonly<Record<Exclude<CommandName, OfflineName>, Command>> = {
  up: upCommand,
  migrate: upCommand,
  rollback: rollbackCommand,
  plan: planCommand,
  status: statusCommand,
  create: createCommand,
  drop: dropCommand,
  dump: dumpCommand,
  load: loadCommand,
  wait: waitCommand,
  history: historyCommand,
  report: reportCommand,
  verify: verifyCommand,
  baseline: baselineCommand,
};

/** The command if it needs no database (`new`, `lint`): those run before a URL is required. */
export function offlineCommand(name: CommandName): Command<CommandContext> | undefined {
  return Object.hasOwn(OFFLINE, name) ? OFFLINE[name as OfflineName] : undefined;
}

/**
 * The command that runs against the database.
 *
 * @throws {MigrationError} `UNKNOWN_COMMAND` for a name with no such command
 */
export function databaseCommand(name: CommandName): Command {
  if (Object.hasOwn(DATABASE, name)) return DATABASE[name as Exclude<CommandName, OfflineName>];
  throw new MigrationError('UNKNOWN_COMMAND', `unknown command ${name}`);
}
