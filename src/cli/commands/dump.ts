import type { DatabaseCommandContext } from './context.js';

/**
 * `dump [-- PG_DUMP_ARGS...]`: write the schema file as dbmate does (`Writing: <file>`); the extra
 * pg_dump arguments reach the engine through its config. A pg_dump failure is an error (exit 2).
 */
export async function dumpCommand({ migrator }: DatabaseCommandContext): Promise<number> {
  await migrator.dump();
  return 0;
}
