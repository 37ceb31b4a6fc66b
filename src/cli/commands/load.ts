import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { withConnection } from '../../engine/db.js';
import { MigrationError } from '../../engine/errors.js';
import type { DatabaseCommandContext } from './context.js';

/**
 * dbmate's `load`: run the schema file minus psql meta-commands (`\restrict` lines) in one batch.
 *
 * @throws {MigrationError} `SCHEMA_FILE_MISSING` when the file cannot be read; SQL errors as is
 */
export async function loadCommand({ opts, target, config, io, out }: DatabaseCommandContext): Promise<number> {
  // As dbmate: the file is checked before `Reading:` is printed, with Go's `stat <file>: …` message.
  const text = await readFile(join(io.cwd, opts.schemaFile), 'utf8').catch((e) => {
    const message =
      (e as NodeJS.ErrnoException).code === 'ENOENT' ? `stat ${opts.schemaFile}: no such file or directory` : `cannot read ${opts.schemaFile}: ${(e as Error).message}`;
    throw new MigrationError('SCHEMA_FILE_MISSING', message, { hint: 'run `db-migrate-action dump` first, or pass --schema-file' });
  });
  out(`Reading: ${opts.schemaFile}\n`);
  const sql = text
    .split('\n')
    .filter((l) => !l.trimStart().startsWith('\\'))
    .join('\n');
  await withConnection(target, (conn) => conn.query(sql), { connectTimeoutMs: config.connectTimeoutMs });
  return 0;
}
