import type { DatabaseCommandContext } from './context.js';

/** `create`: create the database (`Creating: <db>`); an existing one is an error, as in dbmate. */
export async function createCommand({ migrator }: DatabaseCommandContext): Promise<number> {
  await migrator.createDatabase();
  return 0;
}

/** `drop`: drop the database if it exists (`Dropping: <db>`); running it twice succeeds. */
export async function dropCommand({ migrator }: DatabaseCommandContext): Promise<number> {
  await migrator.dropDatabase();
  return 0;
}
