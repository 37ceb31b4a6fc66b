import { createRequire as __WEBPACK_EXTERNAL_createRequire } from "module";
/******/ // The require scope
/******/ var __nccwpck_require__ = {};
/******/ 
/************************************************************************/
/******/ /* webpack/runtime/compat get default export */
/******/ (() => {
/******/ 	// getDefaultExport function for compatibility with non-harmony modules
/******/ 	__nccwpck_require__.n = (module) => {
/******/ 		var getter = module && module.__esModule ?
/******/ 			() => (module['default']) :
/******/ 			() => (module);
/******/ 		__nccwpck_require__.d(getter, { a: getter });
/******/ 		return getter;
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/define property getters */
/******/ (() => {
/******/ 	// define getter functions for harmony exports
/******/ 	__nccwpck_require__.d = (exports, definition) => {
/******/ 		for(var key in definition) {
/******/ 			if(__nccwpck_require__.o(definition, key) && !__nccwpck_require__.o(exports, key)) {
/******/ 				Object.defineProperty(exports, key, { enumerable: true, get: definition[key] });
/******/ 			}
/******/ 		}
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/hasOwnProperty shorthand */
/******/ (() => {
/******/ 	__nccwpck_require__.o = (obj, prop) => (Object.prototype.hasOwnProperty.call(obj, prop))
/******/ })();
/******/ 
/******/ /* webpack/runtime/compat */
/******/ 
/******/ if (typeof __nccwpck_require__ !== 'undefined') __nccwpck_require__.ab = new URL('.', import.meta.url).pathname.slice(import.meta.url.match(/^file:\/\/\/\w:/) ? 1 : 0, -1) + "/";
/******/ 
/************************************************************************/
var __webpack_exports__ = {};

// EXPORTS
__nccwpck_require__.d(__webpack_exports__, {
  D: () => (/* reexport */ MIGRATION_STATUS_SQL),
  w: () => (/* reexport */ checkMigrations)
});

;// CONCATENATED MODULE: external "node:fs/promises"
const promises_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:fs/promises");
;// CONCATENATED MODULE: external "node:path"
const external_node_path_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:path");
var external_node_path_default = /*#__PURE__*/__nccwpck_require__.n(external_node_path_namespaceObject);
;// CONCATENATED MODULE: ./src/engine/errors.ts
/**
 * Base class of every error the engine raises on purpose.
 *
 * `message` is what the user sees (after `Error: `), kept byte-identical to dbmate's text where
 * dbmate has one; `code` is stable so callers and tests can branch on it without matching text.
 */
class errors_MigrationError extends Error {
    /** Stable machine-readable identifier, e.g. `PARSE_MISSING_UP`. */
    code;
    /** Suggested fix, shown separately so the message itself can stay dbmate-compatible. */
    hint;
    /** Display path of the migration file it is about, when there is one. */
    file;
    /**
     * @param code stable identifier, e.g. `MIGRATIONS_DIR_MISSING`
     * @param message user-facing text
     * @param opts optional hint and cause
     */
    constructor(code, message, opts = {}) {
        super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
        // Set explicitly: class names can be mangled by the bundler, and users see `name` in stack traces.
        this.name = 'MigrationError';
        this.code = code;
        if (opts.hint !== undefined)
            this.hint = opts.hint;
        if (opts.file !== undefined)
            this.file = opts.file;
    }
}
/** A migration file that cannot be parsed into exactly one up and one down section. */
class ParseError extends errors_MigrationError {
    /**
     * @param code stable identifier, e.g. `PARSE_MISSING_DOWN`
     * @param message user-facing text (callers prefix it with the file's display path)
     * @param opts optional file, hint and cause
     */
    constructor(code, message, opts = {}) {
        super(code, message, opts);
        this.name = 'ParseError';
    }
}

;// CONCATENATED MODULE: ./src/engine/files.ts



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
function isMigrationVersion(text) {
    return MIGRATION_FILE_RE.exec(`${text}.sql`)?.[1] === text;
}
/** What {@link isMigrationVersion} accepts, as messages word it. */
const MIGRATION_VERSION_FORMAT = 'a migration version: the leading digits of its file name, e.g. 20240101000000';
/** Content of a file created by `new`, byte-identical to dbmate's template (33 bytes). */
const NEW_MIGRATION_TEMPLATE = '-- migrate:up\n\n\n-- migrate:down\n\n';
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
async function findMigrationFiles(dirs, cwd = process.cwd()) {
    const files = [];
    for (const dir of dirs) {
        const absDir = external_node_path_default().resolve(cwd, dir);
        // Cleaned once per directory (like Go's path.Join) rather than joined per file: with 10 000
        // files the per-file joins were a measurable part of `status`.
        const shownDir = external_node_path_default().posix.join(dir, '.');
        const shownPrefix = shownDir === '.' ? '' : shownDir.endsWith('/') ? shownDir : `${shownDir}/`;
        const absPrefix = absDir.endsWith((external_node_path_default()).sep) ? absDir : absDir + (external_node_path_default()).sep;
        let entries;
        try {
            entries = await (0,promises_namespaceObject.readdir)(absDir, { withFileTypes: true });
        }
        catch (err) {
            // dbmate reports every read failure (missing, not a directory, no permission) with this text.
            throw new errors_MigrationError('MIGRATIONS_DIR_MISSING', `could not find migrations directory \`${dir}\``, {
                hint: missingDirHint(dir, err),
                cause: err,
            });
        }
        for (const entry of entries) {
            // Dirent types come from lstat, like Go's DirEntry.IsDir: a symlink to a directory is not skipped.
            if (entry.isDirectory())
                continue;
            const match = MIGRATION_FILE_RE.exec(entry.name);
            if (match === null)
                continue;
            files.push({
                version: match[1],
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
        return files.sort((a, b) => Buffer.compare(bytes.get(a), bytes.get(b)));
    }
    return files.sort((a, b) => (a.fileName < b.fileName ? -1 : a.fileName > b.fileName ? 1 : 0));
}
function missingDirHint(dir, err) {
    const code = err?.code;
    const fix = 'or point --migrations-dir (DBMATE_MIGRATIONS_DIR) at the directory that holds your migrations.';
    if (code === 'ENOTDIR')
        return `\`${dir}\` is not a directory; ${fix}`;
    if (code === 'EACCES' || code === 'EPERM')
        return `\`${dir}\` cannot be read (${code}); fix its permissions ${fix}`;
    return `Create it (\`db-migrate-action new NAME\` does), ${fix}`;
}
/**
 * Groups files that share a version. dbmate keys its ledger on the version only, so two such files
 * cannot both be applied: the second fails on `schema_migrations_pkey`, yet both then show as applied.
 *
 * @param files migration files, usually from {@link findMigrationFiles}
 * @returns version → files (two or more each), in file order; empty when all versions are unique
 */
function findDuplicateVersions(files) {
    const byVersion = new Map();
    for (const file of files) {
        const group = byVersion.get(file.version);
        if (group === undefined)
            byVersion.set(file.version, [file]);
        else
            group.push(file);
    }
    for (const [version, group] of byVersion)
        if (group.length < 2)
            byVersion.delete(version);
    return byVersion;
}
/**
 * Rejects files that share a version before anything runs (a deliberate improvement over dbmate,
 * which half-applies them; see DBMATE_COMPAT.md §1).
 *
 * @param files migration files, usually from {@link findMigrationFiles}
 * @throws {MigrationError} `DUPLICATE_VERSION` naming every file of every duplicated version
 */
function assertUniqueVersions(files) {
    const duplicates = findDuplicateVersions(files);
    if (duplicates.size === 0)
        return;
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
function listPaths(paths) {
    return paths.length <= 2 ? paths.join(' and ') : `${paths.slice(0, -1).join(', ')} and ${paths.at(-1)}`;
}
/**
 * Name of a new migration file, as `dbmate new NAME` builds it: `<UTC YYYYMMDDHHMMSS>_<name>.sql`.
 *
 * @param name the NAME argument, used verbatim (dbmate does not sanitise it either)
 * @param now creation time; only its UTC fields are used
 * @throws {MigrationError} `MIGRATION_NAME_MISSING` with dbmate's message when `name` is empty
 */
function newMigrationFileName(name, now) {
    if (name === '') {
        throw new MigrationError('MIGRATION_NAME_MISSING', 'please specify a name for the new migration', {
            hint: 'Pass a name, e.g. `db-migrate-action new create_users`.',
        });
    }
    const pad = (n, width = 2) => String(n).padStart(width, '0');
    const stamp = pad(now.getUTCFullYear(), 4) +
        pad(now.getUTCMonth() + 1) +
        pad(now.getUTCDate()) +
        pad(now.getUTCHours()) +
        pad(now.getUTCMinutes()) +
        pad(now.getUTCSeconds());
    return `${stamp}_${name}.sql`;
}

;// CONCATENATED MODULE: ./src/engine/identifiers.ts
/**
 * The one rule for the table names users configure (`migrations-table`/`--migrations-table`/
 * `DBMATE_MIGRATIONS_TABLE`, `history-table`/`--history-table`), shared by the action's inputs, the
 * CLI's flags and the engine, so a name is accepted or refused the same way everywhere.
 *
 * The names are spliced into SQL (quoted by the server's `quote_ident`, as dbmate does), so the rule
 * is strict where dbmate is not: letters (any script), digits, `_`, `$`, `-` and spaces inside the
 * name (dbmate quotes `Weird Name` and projects that use such a ledger must keep working); no quotes,
 * semicolons, other whitespace or control characters; at most 63 bytes of UTF-8 per part (PostgreSQL
 * silently truncates longer names, so two long names could end up as one table); the ledger may be
 * `schema.table` (one dot), the history table is a bare name because it always lives in the
 * ledger's schema.
 */

/** PostgreSQL's NAMEDATALEN - 1: longer identifiers are truncated by the server. */
const MAX_IDENTIFIER_BYTES = 63;
/** What `migrations-table` accepts, in the words every "expected …" message uses. */
const MIGRATIONS_TABLE_FORMAT = "a table name, optionally schema-qualified (schema.table), of letters, digits, '_', '$', '-' or inner spaces, at most 63 bytes per part, e.g. schema_migrations";
/** What `history-table` accepts. */
const HISTORY_TABLE_FORMAT = "a table name (it lives in the migrations table's schema) of letters, digits, '_', '$', '-' or inner spaces, at most 63 bytes, e.g. schema_migrations_history, or empty to disable the history table";
const BAD_CHAR_RE = /[^\p{L}\p{M}\p{Nd}_$ -]/u;
/**
 * Why `value` is not an acceptable `migrations-table` (`schema.table` allowed) or, with
 * `qualified: false`, `history-table` name; `undefined` when it is. The reason is a short clause
 * such as `';' is not allowed` for "expected … (reason)" messages.
 */
function tableNameProblem(value, opts) {
    if (value === '')
        return 'the name is empty';
    const parts = value.split('.');
    if (!opts.qualified && parts.length > 1)
        return '"." is not allowed: the history table is always in the migrations table\'s schema';
    if (parts.length > 2)
        return `it has ${parts.length - 1} dots, at most one is allowed: schema.table`;
    for (const [i, part] of parts.entries()) {
        const what = parts.length === 1 ? 'the name' : i === 0 ? 'the schema' : 'the table name';
        if (part === '')
            return `${what} is empty`;
        const bad = BAD_CHAR_RE.exec(part);
        if (bad)
            return `${describeChar(bad[0])} is not allowed`;
        if (part.startsWith(' ') || part.endsWith(' '))
            return `${what} starts or ends with a space`;
        const bytes = Buffer.byteLength(part, 'utf8');
        if (bytes > MAX_IDENTIFIER_BYTES)
            return `${what} is ${bytes} bytes long; PostgreSQL truncates names longer than ${MAX_IDENTIFIER_BYTES} bytes`;
    }
    return undefined;
}
/** A character for a message: printable ones in double quotes (`'"'` for that one), the others by code point. */
function describeChar(ch) {
    const cp = ch.codePointAt(0);
    const code = `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
    if (/[\p{C}\p{Z}]/u.test(ch))
        return `the character ${code}`;
    return ch === '"' ? `'"'` : `"${ch}"`;
}
/** The table part of a `migrations-table` value (dbmate: everything after the first dot). */
function tablePart(migrationsTable) {
    const dot = migrationsTable.indexOf('.');
    return dot === -1 ? migrationsTable : migrationsTable.slice(dot + 1);
}
/**
 * Whether the history table would be the ledger itself. The history table always lives in the
 * ledger's schema and both names are quoted exactly, so comparing the table parts is the resolved
 * comparison: `history-table: schema_migrations` is the ledger whether or not the migrations
 * table names a schema.
 */
function historyIsLedger(migrationsTable, historyTable) {
    return historyTable !== '' && tablePart(migrationsTable) === historyTable;
}
/**
 * The engine's own check of configured names (for callers that skip the action's and the CLI's
 * validation, such as the library), naming the settings as the CLI and the action both call them.
 *
 * @throws {MigrationError} `TABLE_NAME_INVALID` for a name outside the rule, or a history table that is the ledger
 */
function assertTableNames(migrationsTable, historyTable) {
    const ledgerProblem = tableNameProblem(migrationsTable, { qualified: true });
    if (ledgerProblem) {
        throw new MigrationError('TABLE_NAME_INVALID', `invalid migrations table name '${migrationsTable}': ${ledgerProblem}`, {
            hint: `expected ${MIGRATIONS_TABLE_FORMAT} (migrations-table, --migrations-table, DBMATE_MIGRATIONS_TABLE)`,
        });
    }
    if (historyTable === '')
        return;
    const historyProblem = tableNameProblem(historyTable, { qualified: false });
    if (historyProblem) {
        throw new MigrationError('TABLE_NAME_INVALID', `invalid history table name '${historyTable}': ${historyProblem}`, {
            hint: `expected ${HISTORY_TABLE_FORMAT} (history-table, --history-table)`,
        });
    }
    if (historyIsLedger(migrationsTable, historyTable))
        throw sameTableError(migrationsTable, historyTable);
}
/** The words for a history table that would be the ledger. */
const SAME_TABLE_PROBLEM = 'the history table must not be the migrations table';
function sameTableError(migrationsTable, historyTable) {
    return new MigrationError('TABLE_NAME_INVALID', `history table '${historyTable}' is the migrations table '${migrationsTable}': ${SAME_TABLE_PROBLEM}`, { hint: 'give the history table its own name (default schema_migrations_history), or an empty value to disable it' });
}

;// CONCATENATED MODULE: ./src/engine/ledger.ts



/**
 * Resolve the ledger's schema the way dbmate does: `schema.table` in the name, else the first
 * `search_path` entry of the URL, else `current_schema()`, else `public`. Quoting is done by the
 * server so the names match what dbmate writes into schema.sql byte for byte.
 */
async function resolveLedgerName(conn, migrationsTable, searchPath) {
    const problem = tableNameProblem(migrationsTable, { qualified: true });
    if (problem) {
        throw new errors_MigrationError('TABLE_NAME_INVALID', `invalid migrations table name '${migrationsTable}': ${problem}`, {
            hint: `expected ${MIGRATIONS_TABLE_FORMAT} (migrations-table, --migrations-table, DBMATE_MIGRATIONS_TABLE)`,
        });
    }
    let parts = migrationsTable.split('.');
    let schema = '';
    if (parts.length > 1) {
        schema = parts[0];
        parts = parts.slice(1);
    }
    if (!schema)
        schema = (searchPath[0] ?? '').trim();
    const table = parts.join('.');
    const { rows } = await conn.query('select current_schema() as cur, quote_ident($1) as qs, array(select quote_ident(unnest($2::text[]))) as qt', [schema || 'public', parts]);
    if (!schema) {
        schema = rows[0].cur || 'public';
        const again = await conn.query('select quote_ident($1) as qs', [schema]);
        rows[0].qs = again.rows[0].qs;
    }
    return { schema, table, quotedSchema: rows[0].qs, quoted: `${rows[0].qs}.${rows[0].qt.join('.')}` };
}
/**
 * Create the ledger if missing, with dbmate's exact DDL so either tool can continue the other's
 * work. A missing schema (3F000) is created once, as dbmate does, announced with its line. An
 * existing table is checked first ({@link checkLedger}): another tool's table is refused, never
 * written to.
 */
async function ensureLedger(conn, name, log) {
    if (await checkLedger(conn, name))
        return;
    // `if not exists` still: dump runs without the advisory lock, so another run may create it first.
    const ddl = `create table if not exists ${name.quoted} (version varchar primary key)`;
    try {
        await conn.query(ddl);
    }
    catch (err) {
        if (err.code !== '3F000')
            throw err;
        log.info(`Creating schema: ${name.schema}`);
        await conn.query(`create schema if not exists ${name.quotedSchema}`);
        await conn.query(ddl);
    }
}
/**
 * Applied versions, or an empty set when the ledger does not exist yet.
 *
 * @throws {MigrationError} `LEDGER_FOREIGN` when the table is not a dbmate ledger
 */
async function appliedVersions(conn, name) {
    if (!(await checkLedger(conn, name)))
        return new Set();
    return readAppliedVersions(conn, name);
}
/** The ledger's versions, for a caller that has just {@link checkLedger checked} that it exists and is usable. */
async function readAppliedVersions(conn, name) {
    // One JSON value instead of one row per version: node-postgres's per-row parsing dominated
    // `status` on large projects.
    const { rows } = await conn.query(`select coalesce(json_agg(version), '[]')::text as v from ${name.quoted}`);
    return new Set(JSON.parse(rows[0].v));
}
/**
 * Whether the ledger exists, after checking that it is one: one catalog query, the same cost as
 * the existence check it replaces. dbmate needs a table with a text-like `version` column that an
 * `insert (version)` can fill, so every other column must be nullable or have a default (Rails'
 * `schema_migrations`, which dbmate shares, qualifies).
 *
 * @returns false when no relation has the ledger's name
 * @throws {MigrationError} `LEDGER_FOREIGN` naming the table, the tool it looks like and what to do
 */
async function checkLedger(conn, name) {
    const shape = await describeRelation(conn, name);
    if (!shape)
        return false;
    const why = ledgerShapeProblem(shape);
    if (why === undefined)
        return true;
    const tool = foreignTool(shape);
    const looks = tool ? `it looks like ${tool}'s migrations table (${columnList(shape.columns)})` : why;
    throw new MigrationError('LEDGER_FOREIGN', `${name.quoted} is not a dbmate ledger: ${looks}`, {
        hint: `dbmate records applied migrations in a table with a text version column (it creates version varchar primary key). ` +
            `Give dbmate's ledger a name of its own with migrations-table (action input), --migrations-table or DBMATE_MIGRATIONS_TABLE (CLI), ` +
            `e.g. dbmate_migrations${tool ? `, or move ${tool}'s history out of ${name.quoted} first (one row per applied version in a dbmate ledger)` : ''}; ` +
            'nothing was changed',
    });
}
/** Why a relation cannot serve as dbmate's ledger; `undefined` when it can. */
function ledgerShapeProblem(shape) {
    if (!isTableKind(shape.kind))
        return `it is ${relationKindName(shape.kind)}, not a table`;
    const version = shape.columns.find((c) => c.name === 'version');
    if (!version)
        return `it has no version column (columns: ${columnList(shape.columns) || 'none'})`;
    if (version.category !== 'S')
        return `its version column is ${version.type}, not text (columns: ${columnList(shape.columns)})`;
    const required = shape.columns.filter((c) => c.name !== 'version' && c.notNull && !c.hasDefault);
    if (required.length > 0) {
        const names = required.map((c) => c.name).join(', ');
        return `${required.length > 1 ? 'columns' : 'column'} ${names} ${required.length > 1 ? 'are' : 'is'} NOT NULL without a default, so dbmate cannot insert a version (columns: ${columnList(shape.columns)})`;
    }
    return undefined;
}
/**
 * Other migration tools' tables, by the columns that give them away. Only consulted for a table
 * dbmate cannot use: one it can (Rails', diesel's) is shared as dbmate shares it.
 */
const FOREIGN_TOOLS = [
    { tool: 'golang-migrate', columns: ['version', 'dirty'] },
    { tool: 'Ecto (Phoenix)', columns: ['version', 'inserted_at'] },
    { tool: 'sqlx', columns: ['version', 'success', 'checksum'] },
    { tool: 'goose', columns: ['version_id', 'is_applied'] },
    { tool: 'Flyway', columns: ['installed_rank', 'success'] },
    { tool: 'Liquibase', columns: ['author', 'filename', 'dateexecuted'] },
    { tool: 'Sequel', columns: ['filename'] },
    { tool: 'Alembic', columns: ['version_num'] },
    { tool: 'Prisma', columns: ['migration_name', 'checksum'] },
    { tool: 'Knex', columns: ['name', 'batch', 'migration_time'] },
    { tool: 'Django', columns: ['app', 'name', 'applied'] },
    { tool: 'TypeORM', columns: ['timestamp', 'name'] },
    { tool: 'node-pg-migrate', columns: ['name', 'run_on'] },
    { tool: 'diesel', columns: ['version', 'run_on'] },
];
/** The tool whose migrations table has these columns, if one is known. */
function foreignTool(shape) {
    if (!isTableKind(shape.kind))
        return undefined;
    const names = new Set(shape.columns.map((c) => c.name));
    return FOREIGN_TOOLS.find((t) => t.columns.every((c) => names.has(c)))?.tool;
}
function columnList(columns) {
    return columns.map((c) => `${c.name} ${c.type}`).join(', ');
}

;// CONCATENATED MODULE: ./src/engine/plan.ts

/** The reportable part of a file. */
function refOf(file) {
    return { version: file.version, fileName: file.fileName, displayPath: file.displayPath };
}
/** Compare files with applied versions. Pure. */
function makePlan(files, applied) {
    const known = new Set(files.map((f) => f.version));
    const rows = files.map((file) => ({ file, applied: applied.has(file.version) }));
    let highestApplied;
    for (const r of rows)
        if (r.applied && (highestApplied === undefined || r.file.version > highestApplied))
            highestApplied = r.file.version;
    return {
        files: rows,
        pending: rows.filter((r) => !r.applied).map((r) => r.file),
        orphans: [...applied].filter((v) => !known.has(v)).sort(),
        highestApplied,
    };
}
/**
 * dbmate's --strict: the first pending version must be higher than every applied one.
 * Same message as dbmate so scripts that match it keep working.
 */
function checkStrictOrder(plan) {
    const first = plan.pending[0];
    if (first && plan.highestApplied !== undefined && first.version <= plan.highestApplied) {
        throw new MigrationError('OUT_OF_ORDER', `migration \`${first.version}\` is out of order with already applied migrations, the version number has to be higher than the applied migration \`${plan.highestApplied}\` in --strict mode`, { hint: `rename ${first.displayPath} with a newer timestamp (db-migrate-action new), or run without --strict`, file: first.displayPath });
    }
}
/**
 * Which applied files `rollback` undoes, newest first: repeatedly the last file in filename
 * order whose version is applied (dbmate's rule, which is not the numeric maximum).
 */
function rollbackTargets(plan, steps) {
    return plan.files
        .filter((r) => r.applied)
        .map((r) => r.file)
        .reverse()
        .slice(0, steps);
}
/**
 * Order versions for undoing, newest first: by position in dbmate's file order (file-name
 * order, the order `up` applies them), reversed. Versions with no file come first, so a rollback
 * stops on them before undoing anything it cannot place.
 */
function newestFirst(files, versions) {
    const pos = new Map(files.map((f, i) => [f.version, i]));
    const rank = (v) => pos.get(v) ?? Number.POSITIVE_INFINITY;
    return [...versions].sort((a, b) => rank(b) - rank(a) || (a < b ? 1 : a > b ? -1 : 0));
}

;// CONCATENATED MODULE: ./src/engine/vocabulary.ts
/**
 * The words for how things ended, in one place: the action's `status` output, the outcome of a
 * recorded run as reports show it, the outcome of one step (one migration's up or down) as the
 * engine reports it and the history table records it, and the status of one file in a run's
 * table. Outputs, history rows, reports, the HTML page and job summaries all take their outcome
 * words from here (`__tests__/outcome-vocabulary.test.ts` checks it), so one run is never
 * `rolled-back` in one place and `failed`, `rolled_back` or `rollback` in another.
 */
/**
 * Values of the action's `status` output, a public contract: workflows test them, so none is
 * ever renamed. `cancelled`: the job was cancelled (SIGINT/SIGTERM) and the run stopped early;
 * see `docs/RELIABILITY.md`.
 */
const RUN_STATUSES = (/* unused pure expression or super */ null && (['success', 'failed', 'rolled-back', 'dry-run', 'nothing-to-do', 'cancelled']));
/**
 * How a run that recorded history ended: the statuses of runs that ran a migration (a dry run and
 * a run with nothing to do record nothing). `rolled-back`: a migration or a health check failed
 * and the automatic rollback undid every migration the run had applied; `failed` covers a
 * rollback that stopped early. A deliberate `rollback` has no word of its own: it is a run of kind
 * `rollback` that ended `success` (or `failed`, `cancelled`).
 */
const RUN_OUTCOMES = (/* unused pure expression or super */ null && (['success', 'failed', 'rolled-back', 'cancelled']));
/** What a recorded run did: `up` (its automatic rollback included), or a deliberate `rollback`. */
const RUN_KINDS = (/* unused pure expression or super */ null && (['up', 'rollback']));
/**
 * History rows that are not steps of a run: `verify`'s proofs (`verified`) and `baseline`'s
 * records (`baselined`: nothing ran). Reports leave them out of runs, durations and success rates.
 */
const NOT_RUN_STEP_OUTCOMES = (/* unused pure expression or super */ null && (['verified', 'baselined']));
/** Whether a stored outcome is one of {@link NOT_RUN_STEP_OUTCOMES}. */
function isNotRunOutcome(stored) {
    return NOT_RUN_STEP_OUTCOMES.includes(stored);
}
/** Whether a status is one a recorded run can end with (and so one its history rows may carry). */
function isRunOutcome(status) {
    return RUN_OUTCOMES.includes(status);
}
/**
 * Outcome of one step: `applied` (an up section), `rolled-back` (a down section), `failed`,
 * `cancelled` (the job was cancelled while it ran and its statement was cancelled: nothing of a
 * transactional section remains), `verified` (only in the history table: `verify` proved on a
 * scratch database that this file's down section undoes its up; nothing ran on this database) and
 * `baselined` (only in the history table: `baseline` recorded the version as applied without
 * running its SQL, because the database already had its schema).
 */
const STEP_OUTCOMES = ['applied', 'failed', 'rolled-back', 'verified', 'cancelled', 'baselined'];
/** Outcomes of a step the engine ran on this database: all of {@link STEP_OUTCOMES} but `verified` and `baselined`. */
const RAN_STEP_OUTCOMES = ['applied', 'rolled-back', 'failed', 'cancelled'];
/**
 * Words older versions wrote into the history table, with the word each means now. Their rows
 * keep them (an audit trail is never rewritten), the table's check constraint keeps accepting
 * them (an older version of the tool may still be writing), and every reader turns them into the
 * current word.
 */
const LEGACY_STEP_OUTCOMES = Object.freeze({ rolled_back: 'rolled-back' });
/** Every word the history table's `outcome` column may hold: the current ones, then the legacy ones. */
const STORED_STEP_OUTCOMES = Object.freeze([...STEP_OUTCOMES, ...Object.keys(LEGACY_STEP_OUTCOMES)]);
/**
 * A stored outcome in the current word (`rolled_back` → `rolled-back`). A word this version does
 * not know (written by a newer one) is kept as it is rather than guessed at.
 */
function stepOutcome(stored) {
    return LEGACY_STEP_OUTCOMES[stored] ?? stored;
}
/** The stored spellings of a step outcome (the word and its legacy forms), for SQL that matches on the column. */
function storedSpellings(outcome) {
    return [outcome, ...Object.keys(LEGACY_STEP_OUTCOMES).filter((w) => LEGACY_STEP_OUTCOMES[w] === outcome)];
}
/**
 * Status of one migration file in a run's table (the summary's rows, the `report` output's
 * `rows`): the step outcomes of the migrations the run ran, then the words of plans and `status`.
 * - `applied`: `up` applied it in this run; in `status`, it is in the ledger;
 * - `rolled-back`: `rollback` (or the automatic rollback) undid it in this run;
 * - `failed`: its SQL failed, and the run stopped there;
 * - `cancelled`: the job was cancelled while it ran (a transactional one left nothing);
 * - `rollback-failed`: the automatic rollback ran its down section, which failed: it is still applied;
 * - `unknown`: its connection was lost and what happened to it could not be established (see the run's error);
 * - `pending`: not in the ledger, and not touched by this run;
 * - `would-apply` / `would-roll-back`: dry run, what `up` / `rollback` would do to it;
 * - `edited`: applied, but the file changed since (its checksum differs from the history table's);
 * - `no-file`: in the ledger, with no file (dbmate ignores such versions);
 * - `baselined` / `would-baseline`: `baseline` recorded it as applied without running its SQL
 *   (dry run: would), as its history row says.
 */
const ROW_STATUSES = [
    ...RAN_STEP_OUTCOMES,
    'baselined',
    'would-baseline',
    'rollback-failed',
    'unknown',
    'pending',
    'would-apply',
    'would-roll-back',
    'edited',
    'no-file',
];
/** A run outcome in words for people (a table cell, a tooltip, a sentence). */
const RUN_OUTCOME_LABELS = Object.freeze({
    success: 'success',
    failed: 'failed',
    'rolled-back': 'rolled back',
    cancelled: 'cancelled',
});
/**
 * A run's outcome in words, naming the kind when it was a deliberate rollback: `success`,
 * `rolled back`, `success (rollback)`, `failed (rollback)`.
 */
function runOutcomeLabel(run) {
    const words = RUN_OUTCOME_LABELS[run.outcome];
    return run.kind === 'rollback' ? `${words} (rollback)` : words;
}

;// CONCATENATED MODULE: ./src/library/check-migrations.ts
/**
 * Migration status for an application's own health checks: are the migrations this build ships
 * applied, and did the last run fail? Imported by apps through the package's library entry
 * (`src/lib.ts`), so this module keeps its import graph small: dbmate's file discovery, the
 * ledger's naming rules and the pending-file rule, no `pg` at runtime (the caller brings its own
 * pool), no SQL parser, nothing from the Actions toolkit.
 */




/** `'a', 'b'`: words as SQL literals, for an `in` list (the vocabulary's words need no escaping). */
function sqlWords(words) {
    return words.map((w) => `'${w}'`).join(', ');
}
/**
 * Whether the newest run in a history table failed, as an SQL expression (boolean, never null).
 * The newest row that is not `verified` belongs to the newest run. When the run recorded its own
 * status on its rows (`run_status`, read through `to_jsonb` so tables from before that column
 * work too), that says it: `failed` or `rolled-back` is a failure. Otherwise the row's outcome:
 * `failed` means the run stopped there; `rolled-back` (or the `rolled_back` of older versions)
 * means either an automatic rollback after a failure (the same run also went up) or a deliberate
 * `rollback` command (it did not). A run is one `invocation_id`; rows from before that column
 * existed belong to one CI run id and environment, as src/metrics groups them.
 *
 * @param opts.legacy the table has no `invocation_id` column yet (created by 0.1.0 and not upgraded
 *   by a run since)
 */
function lastRunFailedSql(history, opts = {}) {
    const env = opts.environmentParam ? `\n       and last.environment = ${opts.environmentParam}` : '';
    const sameRunId = 'run.run_id = last.run_id and run.environment is not distinct from last.environment';
    const sameRun = opts.legacy
        ? `(${sameRunId})`
        : `(run.invocation_id = last.invocation_id
                       -- rows from before invocation_id: one CI run of one environment
                       or (last.invocation_id is null and run.invocation_id is null
                           and ${sameRunId}))`;
    return `coalesce((
    -- the newest run: its newest row that is not verify's proof
    select case
             -- the status the run reported, recorded on its rows once it ended
             when to_jsonb(last) ->> 'run_status' is not null then (to_jsonb(last) ->> 'run_status') in (${sqlWords(['failed', 'rolled-back'])})
             when last.outcome = 'failed' then true
             -- undone by an automatic rollback (the same run went up), not by a rollback command
             when last.outcome in (${sqlWords(storedSpellings('rolled-back'))}) then exists (
               select 1 from ${history} run
                where run.direction = 'up' and run.id < last.id
                  and ${sameRun})
             else false
           end
      from ${history} last
     where last.outcome <> 'verified'${env}
     order by last.id desc
     limit 1
  ), false)`;
}
/**
 * The documented status query for apps that do not ship their migration files: one row with
 * `current_version` (highest applied version, null when none), `expected_applied` (whether `$1`,
 * the newest version the app was built with, is applied) and `last_run_failed` (see
 * {@link MigrationCheck.failedLast}). Uses the default table names in the connection's search
 * path; both tables must exist (the first run of `db-migrate-action up` or the action creates them).
 * docs/DATABASE_MIGRATIONS.md shows this exact text, and the tests run it.
 */
const MIGRATION_STATUS_SQL = `select
  (select max(version collate "C") from schema_migrations) as current_version,
  exists (select 1 from schema_migrations where version = $1) as expected_applied,
  ${lastRunFailedSql('schema_migrations_history')} as last_run_failed`;
/**
 * Migration status for an application's `/health` or readiness endpoint: the migration files in
 * `dir` (found exactly as dbmate finds them) against the ledger, and whether the most recent run
 * recorded in the history table failed.
 *
 * Read-only: four small queries (three when `migrationsTable` names its schema: ledger.ts needs a
 * second one to resolve an unqualified name as dbmate does), the last one skipped when neither
 * table exists. A missing ledger means everything is
 * pending (a database nothing has migrated yet); a missing history table means `failedLast` false.
 * Connection and permission errors are thrown, so the endpoint can answer 503.
 *
 * @param db a `pg.Pool` (recommended), `pg.Client` or `PoolClient`; used for plain SELECTs only
 * @param dir the migrations directory (or several, as dbmate's `--migrations-dir`); relative paths
 *   are resolved against `process.cwd()`, so prefer an absolute path
 * @param opts table names and the environment, when not the defaults
 * @throws the driver's error when the database cannot be queried; `MigrationError`
 *   (`MIGRATIONS_DIR_MISSING`) when a directory cannot be read
 */
async function checkMigrations(db, dir, opts = {}) {
    const checkedAt = new Date();
    const files = await findMigrationFiles(Array.isArray(dir) ? dir : [dir]);
    // resolveLedgerName only runs `query` and reads `rows`: any Queryable will do.
    const ledger = await resolveLedgerName(db, opts.migrationsTable ?? 'schema_migrations', []);
    const historyTable = opts.historyTable === undefined ? 'schema_migrations_history' : opts.historyTable;
    // Which tables exist, in one round trip. The history table lives in the ledger's schema (the
    // engine's historyName()); its name is quoted here by the server. to_regclass rather than
    // information_schema: a table the app may not read is an error to report, not a missing table.
    const { rows } = await db.query(`select to_regclass($1) is not null as ledger,
            h.name as history,
            to_regclass(h.name) is not null as history_exists,
            not exists (select 1 from pg_attribute
                         where attrelid = to_regclass(h.name) and attname = 'invocation_id' and not attisdropped) as legacy
       from (select case when $2::text <> '' then $3::text || '.' || quote_ident($2) end as name) h`, [ledger.quoted, historyTable ?? '', ledger.quotedSchema]);
    const found = rows[0];
    const history = found.history !== null && found.history_exists ? found.history : undefined;
    let applied = [];
    let current = null;
    let failedLast = false;
    if (found.ledger || history) {
        const values = history && opts.environment !== undefined ? [opts.environment] : [];
        const { rows: data } = await db.query(`select ${found.ledger ? `(select coalesce(json_agg(version), '[]')::text from ${ledger.quoted})` : `'[]'`} as applied,
              ${found.ledger ? `(select max(version collate "C") from ${ledger.quoted})` : 'null::text'} as current_version,
              ${history ? lastRunFailedSql(history, { environmentParam: values.length ? '$1' : undefined, legacy: found.legacy }) : 'false'} as last_run_failed`, values);
        const row = data[0];
        applied = JSON.parse(row.applied);
        current = row.current_version;
        failedLast = row.last_run_failed;
    }
    const pending = makePlan(files, new Set(applied)).pending.map((f) => f.version);
    return { upToDate: pending.length === 0, pending, current, failedLast, checkedAt };
}

;// CONCATENATED MODULE: ./src/lib.ts
/**
 * The package's library entry (`import { checkMigrations } from 'db-migrate-action'`), bundled to
 * `dist/lib/index.js` with its declarations in `dist/lib/index.d.ts`. Only what an application
 * needs at runtime: nothing here may import the Actions toolkit, `pg` or the SQL parser (a test
 * checks the bundle holds only modules of src/).
 */


var __webpack_exports__MIGRATION_STATUS_SQL = __webpack_exports__.D;
var __webpack_exports__checkMigrations = __webpack_exports__.w;
export { __webpack_exports__MIGRATION_STATUS_SQL as MIGRATION_STATUS_SQL, __webpack_exports__checkMigrations as checkMigrations };
