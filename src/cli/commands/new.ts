import { mkdir, writeFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { MigrationError } from '../../engine/errors.js';
import { newMigrationFileName, NEW_MIGRATION_TEMPLATE } from '../../engine/files.js';
import type { CommandContext } from './context.js';

/** dbmate's error for `new` without a name; raised by the command, not by parsing, as in dbmate. */
export const NEW_NAME_MISSING_MESSAGE = 'please specify a name for the new migration';

/**
 * `new NAME` (alias `n`): write dbmate's empty template to `<first migrations dir>/<UTC
 * timestamp>_NAME.sql`, creating the directory. Needs no database.
 *
 * @throws {MigrationError} `MIGRATION_NAME_MISSING` without a name, `MIGRATION_EXISTS` when the file exists
 */
export async function newCommand({ opts, io, out }: CommandContext): Promise<number> {
  if (!opts.name) throw new MigrationError('MIGRATION_NAME_MISSING', NEW_NAME_MISSING_MESSAGE, { hint: 'db-migrate-action new create_users' });
  const dir = opts.migrationsDirs[0];
  const display = posix.join(dir, newMigrationFileName(opts.name, new Date()));
  const abs = join(io.cwd, display);
  await mkdir(join(io.cwd, dir), { recursive: true });
  out(`Creating migration: ${display}\n`);
  try {
    // `wx`: never overwrite a migration written in the same second.
    await writeFile(abs, NEW_MIGRATION_TEMPLATE, { flag: 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new MigrationError('MIGRATION_EXISTS', 'file already exists', { hint: `${display} exists: wait a second or pick another name` });
    throw e;
  }
  return 0;
}
