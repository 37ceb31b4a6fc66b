import { SqlSyntaxError } from './sql-error.js';
import type { Section } from './types.js';

/** One top-level statement of a section, located in the section's text. */
export interface Statement {
  /** The statement's text, without the terminating semicolon. */
  sql: string;
  /** Character offset of the statement in the section text. */
  offset: number;
}

/** The libpg-query module (loaded lazily). */
export type LibPgQuery = typeof import('libpg-query');
let parser: Promise<LibPgQuery> | undefined;

/**
 * Load the real PostgreSQL parser on first use only: it costs tens of milliseconds, which
 * the common path (transactional files, status) should not pay.
 */
export async function loadParser(): Promise<LibPgQuery> {
  parser ??= (async () => {
    const mod = (await import('libpg-query')) as LibPgQuery & { default?: LibPgQuery };
    const lib = (typeof mod.default?.loadModule === 'function' ? mod.default : mod) as LibPgQuery;
    await lib.loadModule();
    return lib;
  })();
  return parser;
}

/**
 * Split a section into top-level statements with PostgreSQL's own grammar, so semicolons inside
 * strings, dollar quotes, comments and function bodies never split a statement.
 * Syntax errors are reported with the character offset where the parser stopped.
 */
export async function splitStatements(sql: string): Promise<Statement[]> {
  const lib = await loadParser();
  let result: { stmts?: { stmt_location?: number; stmt_len?: number }[] };
  try {
    result = lib.parseSync(sql) as typeof result;
  } catch (err) {
    const details = (err as { sqlDetails?: { cursorPosition?: number } }).sqlDetails;
    const bytePos = details?.cursorPosition ?? 0;
    throw new SqlSyntaxError((err as Error).message, charOffset(sql, bytePos) + 1, err);
  }
  // The parser reports byte offsets into the UTF-8 text; statements are sliced in bytes and
  // their offsets converted back to characters, so non-ASCII text before a statement is safe.
  const bytes = Buffer.from(sql, 'utf8');
  const out: Statement[] = [];
  for (const s of result.stmts ?? []) {
    const start = s.stmt_location ?? 0;
    const end = s.stmt_len ? start + s.stmt_len : bytes.length;
    const text = bytes.subarray(start, end).toString('utf8');
    // stmt_location can point at leading whitespace/comments; the statement starts at its first token.
    const lead = leadingTrivia(text);
    const stmt = text.slice(lead).trimEnd();
    if (!stmt) continue;
    out.push({ sql: stmt, offset: charOffset(sql, start) + lead });
  }
  return out;
}

/** Length of leading whitespace and comments (nested block comments included). */
export function leadingTrivia(text: string): number {
  let i = 0;
  for (;;) {
    while (i < text.length && /\s/.test(text[i])) i++;
    if (text.startsWith('--', i)) {
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? text.length : nl + 1;
    } else if (text.startsWith('/*', i)) {
      let depth = 0;
      let j = i;
      while (j < text.length) {
        if (text.startsWith('/*', j)) { depth++; j += 2; }
        else if (text.startsWith('*/', j)) { depth--; j += 2; if (depth === 0) break; }
        else j++;
      }
      i = j;
    } else return i;
  }
}

/** Convert a UTF-8 byte offset in `text` into a UTF-16 character offset. */
function charOffset(text: string, byteOffset: number): number {
  return Buffer.from(text, 'utf8').subarray(0, byteOffset).toString('utf8').length;
}

/**
 * Best effort for text the parser rejects (a syntax error): the statement around `offset` (a
 * UTF-16 offset into `sql`), delimited by the semicolons PostgreSQL's own scanner sees (so none
 * inside strings, comments or dollar quotes, nor inside a `BEGIN ATOMIC … END` body). Lets an
 * error message quote the statement even when the file does not parse. Undefined when even the
 * scanner fails (e.g. an unterminated quote).
 */
export async function statementAround(sql: string, offset: number): Promise<Statement | undefined> {
  const lib = await loadParser();
  let tokens: { start: number; end: number; text: string; tokenName: string }[];
  try {
    tokens = lib.scanSync(sql).tokens;
  } catch {
    return undefined;
  }
  const bytes = Buffer.from(sql, 'utf8');
  const at = Buffer.byteLength(sql.slice(0, offset), 'utf8');
  let start = 0;
  let end = bytes.length;
  let atomic = 0;
  let cases = 0;
  let prev = '';
  for (const t of tokens) {
    if (t.tokenName === 'SQL_COMMENT' || t.tokenName === 'C_COMMENT') continue;
    const word = t.text.toLowerCase();
    if (word === 'atomic' && prev === 'begin') atomic++;
    else if (word === 'case' && atomic > 0) cases++;
    else if (word === 'end' && atomic > 0) {
      if (cases > 0) cases--;
      else atomic--;
    } else if (t.text === ';' && atomic === 0) {
      if (t.end <= at) start = t.end;
      else {
        end = t.start;
        break;
      }
    }
    prev = word;
  }
  const text = bytes.subarray(start, end).toString('utf8');
  const lead = leadingTrivia(text);
  const stmt = text.slice(lead).trimEnd();
  return stmt ? { sql: stmt, offset: charOffset(sql, start) + lead } : undefined;
}

/**
 * Whether a section holds no statement: only its marker, comments and blanks. Decided by the
 * real PostgreSQL parser (comments of every kind, dollar quotes); text that does not parse is
 * not empty (running it will say what is wrong).
 */
export async function isEmptySection(section: Section): Promise<boolean> {
  try {
    return (await splitStatements(section.sql)).length === 0;
  } catch {
    return false;
  }
}
