import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { MigrationError } from './errors.js';
import type { MigrationFile } from './types.js';

/**
 * dbmate's `^(\d+).*\.sql$` (Go RE2). Go's `.` matches any character but `\n`, whereas JavaScript's
 * also refuses `\r`, U+2028 and U+2029, hence `[^\n]`; `\d` is ASCII-only in both.
 */
const MIGRATION_FILE_RE = /^(\d+)[^\n]*\.sql$/;

/**
 * Whether `text` is a migration version as dbmate reads one: what {@link MIGRATION_FILE_RE} takes
 * from a file name (its leading ASCII digits, any length, leading zeros kept), so a version asked
 * for (`baseline VERSION`, the action's `baseline-version`) is checked by the same rule that reads
 * the files.
 */
export function isMigrationVersion(text: string): boolean {
  return MIGRATION_FILE_RE.exec(`${text}.sql`)?.[1] === text;
}

/** What {@link isMigrationVersion} accepts, as messages word it. */
export const MIGRATION_VERSION_FORMAT = 'a migration version: the leading digits of its file name, e.g. 20240101000000';

/** Content of a file created by `new`, byte-identical to dbmate's template (33 bytes). */
export const NEW_MIGRATION_TEMPLATE = '-- migrate:up\n\n\n-- migrate:down\n\n';

/**
 * Lists the migration files of one or more directories exactly as dbmate does: only the directory
 * itself (no recursion; entries that are directories are skipped even when named `*.sql`), bare
 * names matching `^(\d+).*\.sql$` (case-sensitive), all directories merged and sorted byte-wise by
 * file name — not numerically, so `10_c.sql` sorts before `1_a.sql`.
 *
 * @param dirs migrations directories as configured (e.g. `./db/migrations`), read in order
 * @param cwd base for relative directories; defaults to `process.cwd()`
 * @returns the files, sorted; files with equal names keep the order of `dirs`
 * @throws {MigrationError} `MIGRATIONS_DIR_MISSING` when a directory cannot be read
 */
export async function findMigrationFiles(dirs: string[], cwd: string = process.cwd()): Promise<MigrationFile[]> {
  const files: MigrationFile[] = [];
  for (const dir of dirs) {
    const absDir = path.resolve(cwd, dir);
    // Cleaned once per directory (like Go's path.Join) rather than joined per file: with 10 000
    // files the per-file joins were a measurable part of `status`.
    const shownDir = path.posix.join(dir, '.');
    const shownPrefix = shownDir === '.' ? '' : shownDir.endsWith('/') ? shownDir : `${shownDir}/`;
    const absPrefix = absDir.endsWith(path.sep) ? absDir : absDir + path.sep;
    let entries;
    try {
      entries = await readdir(absDir, { withFileTypes: true });
    } catch (err) {
      // dbmate reports every read failure (missing, not a directory, no permission) with this text.
      throw new MigrationError('MIGRATIONS_DIR_MISSING', `could not find migrations directory \`${dir}\``, {
        hint: missingDirHint(dir, err),
        cause: err,
      });
    }
    for (const entry of entries) {
      // Dirent types come from lstat, like Go's DirEntry.IsDir: a symlink to a directory is not skipped.
      if (entry.isDirectory()) continue;
      const match = MIGRATION_FILE_RE.exec(entry.name);
      if (match === null) continue;
      files.push({
        version: match[1]!,
        fileName: entry.name,
        displayPath: shownPrefix + entry.name,
        absPath: absPrefix + entry.name,
      });
    }
  }
  // Go compares strings as UTF-8 bytes; JavaScript's `<` compares UTF-16 units, which agrees except
  // for characters above U+FFFF (surrogate pairs). Compare bytes only when such a name exists.
  // Array#sort is stable, so equal names keep the directory order.
  if (files.some((f) => /[\uD800-\uDFFF]/.test(f.fileName))) {
    const bytes = new Map(files.map((f) => [f, Buffer.from(f.fileName)]));
    return files.sort((a, b) => Buffer.compare(bytes.get(a)!, bytes.get(b)!));
  }
  return files.sort((a, b) => (a.fileName < b.fileName ? -1 : a.fileName > b.fileName ? 1 : 0));
}

function missingDirHint(dir: string, err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const fix = 'or point --migrations-dir (DBMATE_MIGRATIONS_DIR) at the directory that holds your migrations.';
  if (code === 'ENOTDIR') return `\`${dir}\` is not a directory; ${fix}`;
  if (code === 'EACCES' || code === 'EPERM') return `\`${dir}\` cannot be read (${code}); fix its permissions ${fix}`;
  return `Create it (\`db-migrate-action new NAME\` does), ${fix}`;
}

/**
 * Groups files that share a version. dbmate keys its ledger on the version only, so two such files
 * cannot both be applied: the second fails on `schema_migrations_pkey`, yet both then show as applied.
 *
 * @param files migration files, usually from {@link findMigrationFiles}
 * @returns version → files (two or more each), in file order; empty when all versions are unique
 */
export function findDuplicateVersions(files: readonly MigrationFile[]): Map<string, MigrationFile[]> {
  const byVersion = new Map<string, MigrationFile[]>();
  for (const file of files) {
    const group = byVersion.get(file.version);
    if (group === undefined) byVersion.set(file.version, [file]);
    else group.push(file);
  }
  for (const [version, group] of byVersion) if (group.length < 2) byVersion.delete(version);
  return byVersion;
}

/**
 * Rejects files that share a version before anything runs (a deliberate improvement over dbmate,
 * which half-applies them; see DBMATE_COMPAT.md §1).
 *
 * @param files migration files, usually from {@link findMigrationFiles}
 * @throws {MigrationError} `DUPLICATE_VERSION` naming every file of every duplicated version
 */
export function assertUniqueVersions(files: readonly MigrationFile[]): void {
  const duplicates = findDuplicateVersions(files);
  if (duplicates.size === 0) return;
  const parts = [...duplicates].map(([version, group]) => `\`${version}\`: ${listPaths(group.map((f) => f.displayPath))}`);
  const sameFileTwice = [...duplicates.values()].some((g) => new Set(g.map((f) => f.absPath)).size < g.length);
  throw new MigrationError('DUPLICATE_VERSION', `duplicate migration version ${parts.join('; ')}`, {
    hint: sameFileTwice
      ? 'The same migrations directory is configured more than once; list each directory only once.'
      : 'The version is the leading digits of the file name and must be unique. Rename the file that has ' +
        'not been applied yet (e.g. to a fresh timestamp from `db-migrate-action new NAME`); dbmate would apply ' +
        'only one of them and then report both as applied.',
  });
}

function listPaths(paths: string[]): string {
  return paths.length <= 2 ? paths.join(' and ') : `${paths.slice(0, -1).join(', ')} and ${paths.at(-1)}`;
}

/**
 * Name of a new migration file, as `dbmate new NAME` builds it: `<UTC YYYYMMDDHHMMSS>_<name>.sql`.
 *
 * @param name the NAME argument, used verbatim (dbmate does not sanitise it either)
 * @param now creation time; only its UTC fields are used
 * @throws {MigrationError} `MIGRATION_NAME_MISSING` with dbmate's message when `name` is empty
 */
export function newMigrationFileName(name: string, now: Date): string {
  if (name === '') {
    throw new MigrationError('MIGRATION_NAME_MISSING', 'please specify a name for the new migration', {
      hint: 'Pass a name, e.g. `db-migrate-action new create_users`.',
    });
  }
  const pad = (n: number, width = 2): string => String(n).padStart(width, '0');
  const stamp =
    pad(now.getUTCFullYear(), 4) +
    pad(now.getUTCMonth() + 1) +
    pad(now.getUTCDate()) +
    pad(now.getUTCHours()) +
    pad(now.getUTCMinutes()) +
    pad(now.getUTCSeconds());
  return `${stamp}_${name}.sql`;
}
