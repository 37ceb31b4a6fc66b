import type { DatabaseCommandContext } from './context.js';

/**
 * `dump [-- PG_DUMP_ARGS...]`: write the schema file as dbmate does (`Writing: <file>`); the extra
 * pg_dump arguments reach the engine through its config. Unlike the dump after `up`, a failure here
 * is an error (exit 2), as in dbmate.
 */
export async function dumpCommand({ migrator }: DatabaseCommandContext): Promise<number> {
  await migrator.dump();
  return 0;
}
