import { readFile } from 'node:fs/promises';
import { parseMigration } from '../engine/parse.js';
import { loadParser, leadingTrivia, type LibPgQuery } from '../engine/split.js';
import { lineColumn } from '../engine/sql-error.js';
import type { Section } from '../engine/types.js';
import { RULES, MISSING_DOWN, PARSE_ERROR, newPlanState, newSectionState, trackStatement, type AstNode, type PlanState, type RuleContext, type RuleHit, type Severity } from './rules.js';

export { RULES, RULE_IDS, newPlanState, type PlanState, type Severity } from './rules.js';

/** One lint finding, positioned in file coordinates. */
export interface Finding {
  /** Rule id, e.g. `require-concurrent-index`. */
  rule: string;
  /** `error`, `warning` or `info` (reported only). */
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

/** `-- db-migrate:disable rule-a, rule-b -- why` anywhere in the file (on its own line). */
const DISABLE_RE = /^[ \t]*--[ \t]*db-migrate:disable[ \t]+([^\r\n]*)$/gm;
/** `-- db-migrate:disable-next-statement rule-a -- why` on a line before a statement. */
const DISABLE_NEXT_RE = /^[ \t]*--[ \t]*db-migrate:disable-next-statement[ \t]+([^\r\n]*)$/gm;

/** Rule ids → reason of one suppression comment. */
type Suppressions = Map<string, string>;

/** `rule-a, rule-b -- why` → ids and the reason ('' when none is given). */
function parseDirective(body: string, into: Suppressions): void {
  const sep = body.indexOf('--');
  const ids = (sep < 0 ? body : body.slice(0, sep)).split(/[\s,]+/).filter(Boolean);
  const reason = sep < 0 ? '' : body.slice(sep + 2).trim();
  for (const id of ids) if (!into.has(id) || reason) into.set(id, reason);
}

/** Statement-level suppressions of a file: the 1-based line of each comment, and what it suppresses. */
function nextStatementDirectives(text: string): { line: number; ids: Suppressions }[] {
  const out: { line: number; ids: Suppressions }[] = [];
  for (const m of text.matchAll(DISABLE_NEXT_RE)) {
    const ids: Suppressions = new Map();
    parseDirective(m[1]!, ids);
    out.push({ line: text.slice(0, m.index).split('\n').length, ids });
  }
  return out;
}

/** A rule as the driver needs it. */
type RuleInfo = { id: string; severity: Severity; why: string; fix: string; sizeSensitive?: boolean };
/** What a rule hit becomes in file coordinates. */
type Emit = (rule: RuleInfo, pos: { line: number; column: number }, message: string, extra?: { direction?: 'up' | 'down'; hit?: RuleHit; statement?: Suppressions }) => void;

/**
 * One plan being linted: the files of one run in order share the state of their up sections, and
 * checks that can only be decided at the end of the plan (a foreign key whose index a later file
 * creates) wait in `deferred` until {@link PlanLinter.finish}.
 */
class PlanLinter {
  private readonly deferred: { findings: Finding[]; finding: Finding; unless: () => boolean }[] = [];

  constructor(
    private readonly lib: LibPgQuery,
    private readonly opts: LintOptions,
    readonly plan: PlanState,
  ) {}

  /** Lint one file; its findings (not yet sorted) are pushed to `findings` now or at {@link finish}. */
  file(content: string | Uint8Array, file: string, findings: Finding[]): void {
    const text = typeof content === 'string' ? content : Buffer.from(content).toString('utf8');
    const disabled = new Set(this.opts.disabled ?? []);
    const fileWide: Suppressions = new Map();
    for (const m of text.matchAll(DISABLE_RE)) parseDirective(m[1]!, fileWide);
    const emit: Emit = (rule, pos, message, extra = {}) => {
      if (disabled.has(rule.id)) return;
      const hit = extra.hit;
      const reason = extra.statement?.get(rule.id) ?? fileWide.get(rule.id);
      const f: Finding = {
        rule: rule.id,
        severity: hit?.severity ?? rule.severity,
        file,
        line: pos.line,
        column: pos.column,
        message,
        why: rule.why,
        fix: rule.fix,
        direction: extra.direction ?? 'up',
        ...(hit?.table ? { table: hit.table } : {}),
        ...(reason !== undefined ? { suppressed: { reason } } : {}),
      };
      if (hit?.unless) this.deferred.push({ findings, finding: f, unless: hit.unless });
      else findings.push(f);
    };

    let parsed;
    try {
      parsed = parseMigration(content, file);
    } catch (e) {
      emit(PARSE_ERROR, { line: 1, column: 1 }, (e as Error).message);
      return;
    }
    const directives = nextStatementDirectives(text);
    for (const [direction, section] of [['up', parsed.up], ['down', parsed.down]] as const) {
      // Up sections build on the plan; a down section runs after everything, so it starts from nothing.
      const state = direction === 'up' ? newSectionState(this.plan) : newSectionState();
      const ctx: RuleContext = { transaction: section.transaction, direction, file, state, plan: this.plan, pgVersion: this.opts.pgVersion, runner: this.opts.runner ?? 'db-migrate' };
      const count = lintSection(this.lib, section, ctx, directives, emit);
      if (direction === 'down' && count === 0) emit(MISSING_DOWN, { line: section.startLine, column: 1 }, 'the down section is empty: this migration cannot be rolled back', { direction });
    }
  }

  /** Decide the deferred checks against the whole plan and add the findings that stand. */
  finish(): void {
    for (const d of this.deferred.splice(0)) if (!d.unless()) d.findings.push(d.finding);
  }
}

/** File order, then line and column. */
function byPosition(a: Finding, b: Finding): number {
  return a.line - b.line || a.column - b.column;
}

/**
 * Lint migration files that form ONE plan, given in the order they run: tables and indexes created
 * by an earlier file's up section (or earlier in the same section) are new and empty, so lock,
 * rewrite and validation rules do not fire on them and dropping them loses no data. Files that
 * cannot be read reject; files that do not parse give a `parse-error` finding. Findings are sorted
 * by file order, then line and column; suppressed ones stay in the list with their reason.
 */
export async function lintFiles(files: readonly LintInput[], opts: LintOptions = {}): Promise<Finding[]> {
  const linter = new PlanLinter(await loadParser(), opts, newPlanState());
  const perFile: Finding[][] = [];
  for (const f of files) {
    const displayPath = typeof f === 'string' ? f : f.displayPath;
    const content = typeof f === 'string' ? await readFile(f) : (f.content ?? (await readFile(f.absPath ?? f.displayPath)));
    const findings: Finding[] = [];
    perFile.push(findings);
    linter.file(content, displayPath, findings);
  }
  linter.finish();
  return perFile.flatMap((f) => f.sort(byPosition));
}

/**
 * Lint one migration given as text or bytes. Pass `plan` (from {@link newPlanState}, shared between
 * calls, in plan order) to lint a plan file by file; without it the file is a plan of its own.
 */
export async function lintSource(content: string | Uint8Array, displayPath: string, opts: LintOptions = {}, plan: PlanState = newPlanState()): Promise<Finding[]> {
  const linter = new PlanLinter(await loadParser(), opts, plan);
  const findings: Finding[] = [];
  linter.file(content, displayPath, findings);
  linter.finish();
  return findings.sort(byPosition);
}

/** Lint one section; returns its number of statements. */
function lintSection(lib: LibPgQuery, section: Section, ctx: RuleContext, directives: readonly { line: number; ids: Suppressions }[], emit: Emit): number {
  const sql = section.sql;
  const direction = ctx.direction;
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
    emit(PARSE_ERROR, at(cursor), `${direction} section: ${(err as Error).message}`, { direction });
    return 1;
  }
  const stmts = result.stmts ?? [];
  let previousLine = section.startLine;
  for (const s of stmts) {
    const start = statementStart(sql, bytes, s.stmt_location ?? 0);
    const line = at(start).line;
    const statement: Suppressions = new Map();
    for (const d of directives) if (d.line >= previousLine && d.line < line) for (const [id, reason] of d.ids) statement.set(id, reason);
    previousLine = line;
    for (const rule of RULES) {
      for (const hit of rule.check(s.stmt, ctx)) emit(rule, at(hit.location ?? start), hit.message, { direction, hit, statement });
    }
    trackStatement(s.stmt, ctx.state, ctx.file);
  }
  return stmts.length;
}

/** Byte offset of the first token at or after `byte` (skipping whitespace and comments). */
function statementStart(sql: string, bytes: Buffer | undefined, byte: number): number {
  const text = bytes ? bytes.subarray(byte).toString('utf8') : sql.slice(byte);
  const i = leadingTrivia(text);
  return byte + (bytes ? Buffer.byteLength(text.slice(0, i), 'utf8') : i);
}
