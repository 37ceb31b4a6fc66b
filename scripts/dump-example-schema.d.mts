/** PATH with pg_dump 15 first (from /usr/lib/postgresql/15/bin when present), or an Error saying what to install. */
export function pathWithPgDump15(path?: string): string | Error;
