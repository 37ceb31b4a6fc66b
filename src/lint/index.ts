import { readFile } from 'node:fs/promises';
import { parseMigration } from '../engine/parse.js';
import { loadParser, leadingTrivia, type LibPgQuery } from '../engine/split.js';
import { lineColumn } from '../engine/sql-error.js';
import type { Section } from '../engine/types.js';
import { RULES, MISSING_DOWN, PARSE_ERROR, newSectionState, trackStatement, type AstNode, type Severity } from './rules.js';

export { RULES, RULE_IDS, type Severity } from './rules.js';

/** One lint finding, positioned in file coordinates. */
export interface Finding {
  /** Rule id, e.g. `require-concurrent-index`. */
  rule: string;
  /** `error` or `warning`. */
  severity: Severity;
  /** Display path of the file. */
  file: string;
  /** 1-based line in the file. */
  line: number;
  /** 1-based column in the file. */
  column: number;
  /** What is wrong here. */
  message: string;
  /** Why it is dangerous. */
  why: string;
  /** The safe alternative. */
  fix: string;
  /** The section the statement is in: the up gate judges what the run executes (`up`). */
  direction?: 'up' | 'down';
  /**
   * The existing table the finding is about, lowercase as written (`schema.name` or `name`), when
   * the danger depends on its size (a lock held while the table is scanned or rewritten):
   * `judgeBySize` (sizes.ts) decides the severity by the table's real size.
   */
  table?: string;
  /** What size the severity was judged by, e.g. `orders: ~12 M rows, 3.1 GB` (set by `judgeBySize`). */
  size?: string;
  /**
   * Set when `-- db-migrate:disable rule-id -- why` covers the finding: it stays in the report,
   * with the reason, and never fails a run.
   */
  suppressed?: { reason: string };
}

/** A file to lint: a path (shown as given), or a display path with its absolute path or contents. */
export type LintInput = string | { displayPath: string; absPath?: string; content?: string | Uint8Array };

/** Options of {@link lintFiles}. */
export interface LintOptions {
  /** Rule ids disabled for every file (the per-file comment adds to these). */
  disabled?: readonly string[];
  /**
   * Major version of the server the SQL will run on (e.g. 15), for version-dependent rules;
   * undefined: the oldest major the rules know of is assumed (every version-dependent rule applies).
   */
  pgVersion?: number;
  /**
   * Who runs the SQL: `db-migrate` (our runner, which sets lock_timeout for every migration) or
   * `other` (dbmate, psql, another tool: the `lock-timeout` rule applies). Default `db-migrate`.
   */
  runner?: 'db-migrate' | 'other';
}

/** `-- db-migrate:disable rule-a, rule-b` anywhere in the file (on its own line). */
const DISABLE_RE = /^[ \t]*--[ \t]*db-migrate:disable[ \t]+([^\r\n]*)$/gm;

/**
 * Lint migration files. Files that cannot be read reject; files that do not parse give a
 * `parse-error` finding. Findings are sorted by file order, then line and column.
 */
export async function lintFiles(files: readonly LintInput[], opts: LintOptions = {}): Promise<Finding[]> {
  const lib = await loadParser();
  const out: Finding[] = [];
  for (const f of files) {
    const displayPath = typeof f === 'string' ? f : f.displayPath;
    const content = typeof f === 'string' ? await readFile(f) : f.content ?? (await readFile(f.absPath ?? f.displayPath));
    out.push(...lintSourceWith(lib, content, displayPath, opts));
  }
  return out;
}

/** Lint one migration given as text or bytes. */
export async function lintSource(content: string | Uint8Array, displayPath: string, opts: LintOptions = {}): Promise<Finding[]> {
  return lintSourceWith(await loadParser(), content, displayPath, opts);
}

function lintSourceWith(lib: LibPgQuery, content: string | Uint8Array, file: string, opts: LintOptions): Finding[] {
  const text = typeof content === 'string' ? content : Buffer.from(content).toString('utf8');
  const disabled = new Set(opts.disabled ?? []);
  for (const m of text.matchAll(DISABLE_RE)) for (const id of m[1]!.split(/[\s,]+/)) if (id) disabled.add(id);
  const findings: Finding[] = [];
  const emit = (rule: { id: string; severity: Severity; why: string; fix: string }, pos: { line: number; column: number }, message: string) => {
    if (!disabled.has(rule.id)) findings.push({ rule: rule.id, severity: rule.severity, file, line: pos.line, column: pos.column, message, why: rule.why, fix: rule.fix });
  };

  let parsed;
  try {
    parsed = parseMigration(content, file);
  } catch (e) {
    emit(PARSE_ERROR, { line: 1, column: 1 }, (e as Error).message);
    return findings;
  }
  for (const [direction, section] of [['up', parsed.up], ['down', parsed.down]] as const) {
    const count = lintSection(lib, section, direction, file, emit);
    if (direction === 'down' && count === 0) emit(MISSING_DOWN, { line: section.startLine, column: 1 }, 'the down section is empty: this migration cannot be rolled back');
  }
  return findings.sort((a, b) => a.line - b.line || a.column - b.column);
}

/** Lint one section; returns its number of statements. */
function lintSection(
  lib: LibPgQuery,
  section: Section,
  direction: 'up' | 'down',
  file: string,
  emit: (rule: { id: string; severity: Severity; why: string; fix: string }, pos: { line: number; column: number }, message: string) => void,
): number {
  const sql = section.sql;
  const ascii = !/[^\x00-\x7f]/.test(sql);
  const bytes = ascii ? undefined : Buffer.from(sql, 'utf8');
  /** File position of a byte offset in the section. */
  const at = (byte: number) => {
    const char = bytes ? bytes.subarray(0, byte).toString('utf8').length : byte;
    const lc = lineColumn(sql, char + 1);
    return { line: section.startLine + lc.line - 1, column: lc.column };
  };
  let result: { stmts?: { stmt: AstNode; stmt_location?: number }[] };
  try {
    result = lib.parseSync(sql) as unknown as typeof result;
  } catch (err) {
    const cursor = (err as { sqlDetails?: { cursorPosition?: number } }).sqlDetails?.cursorPosition ?? 0;
    emit(PARSE_ERROR, at(cursor), `${direction} section: ${(err as Error).message}`);
    return 1;
  }
  const state = newSectionState();
  const ctx = { transaction: section.transaction, direction, file, state };
  const stmts = result.stmts ?? [];
  for (const s of stmts) {
    const start = statementStart(sql, bytes, s.stmt_location ?? 0);
    for (const rule of RULES) {
      for (const hit of rule.check(s.stmt, ctx)) emit(rule, at(hit.location ?? start), hit.message);
    }
    trackStatement(s.stmt, state);
  }
  return stmts.length;
}

/** Byte offset of the first token at or after `byte` (skipping whitespace and comments). */
function statementStart(sql: string, bytes: Buffer | undefined, byte: number): number {
  const text = bytes ? bytes.subarray(byte).toString('utf8') : sql.slice(byte);
  const i = leadingTrivia(text);
  return byte + (bytes ? Buffer.byteLength(text.slice(0, i), 'utf8') : i);
}
