/**
 * Mechanical rewrites of lint findings: the few fixes that are the same edit whatever the
 * migration says, so a reviewer can accept them with one click (the pull-request comment posts
 * them as GitHub suggested changes). An index built, dropped or rebuilt without CONCURRENTLY,
 * and a CONCURRENTLY statement in a transactional section, all become the statement with
 * CONCURRENTLY (and IF [NOT] EXISTS, which a `transaction:false` section needs to be re-runnable)
 * under a `transaction:false` marker. Anything less certain gets no rewrite: the finding's own
 * fix text says what to do.
 */
import { parseMigration } from '../engine/parse.js';
import { splitStatements } from '../engine/split.js';

/** The rules {@link mechanicalRewrite} can rewrite. */
export const REWRITABLE_RULES: readonly string[] = ['require-concurrent-index', 'drop-index-not-concurrently', 'reindex-not-concurrently', 'concurrently-in-transaction'];

/** The finding to rewrite: its rule, the line of its statement, and its section. */
export interface RewriteTarget {
  rule: string;
  /** 1-based line of the finding: the first line of its statement. */
  line: number;
  /** The finding's section; default `up`. */
  direction?: 'up' | 'down';
}

/** One contiguous edit of a migration file. */
export interface Rewrite {
  /** First line replaced, 1-based. */
  startLine: number;
  /** Last line replaced, 1-based (equal to {@link startLine} for a one-line edit). */
  endLine: number;
  /** The lines `startLine..endLine` as they are (without line terminators). */
  before: string[];
  /** What replaces them, as many lines as {@link before}. */
  after: string[];
  /** What the edit does, e.g. `adds CONCURRENTLY and IF NOT EXISTS, and transaction:false to the -- migrate:up marker`. */
  summary: string;
}

/** Options of {@link mechanicalRewrite}. */
export interface RewriteOptions {
  /** Server major the SQL runs on; REINDEX … CONCURRENTLY needs 12 or later. Undefined: assumed recent enough. */
  pgVersion?: number;
}

/**
 * A suggestion spanning the marker and a statement far below it would replace every line in
 * between, which nobody reviews as "one mechanical change"; GitHub also anchors it to one hunk.
 */
const MAX_SPAN = 20;

/** CREATE [UNIQUE] INDEX [CONCURRENTLY] [IF NOT EXISTS] <next token>. */
const CREATE_RE = /^(create[ \t]+(?:unique[ \t]+)?index)((?:[ \t]+concurrently)?)((?:[ \t]+if[ \t]+not[ \t]+exists)?)([ \t]+)([^\s(]+)/i;
/** DROP INDEX [CONCURRENTLY] [IF EXISTS] <name>. */
const DROP_RE = /^(drop[ \t]+index)((?:[ \t]+concurrently)?)((?:[ \t]+if[ \t]+exists)?)([ \t]+)(\S+)/i;
/** REINDEX [(options)] INDEX|TABLE|SCHEMA|DATABASE [CONCURRENTLY]: SYSTEM cannot be rebuilt concurrently. */
const REINDEX_RE = /^(reindex[ \t]*(?:\([^)\n]*\)[ \t]*)?(?:index|table|schema|database))((?:[ \t]+concurrently)?)(?=[ \t;]|$)/i;

/**
 * The mechanical rewrite of a finding in `content` (the whole migration file), or undefined when
 * there is none: another rule, a section with more than one statement (making it
 * `transaction:false` would make the others non-atomic: that is the author's call), a statement
 * that does not start on the finding's line or spans lines before its name, `DROP INDEX` of
 * several indexes or with CASCADE (which CONCURRENTLY refuses), REINDEX before PostgreSQL 12, or
 * an edit spanning more than {@link MAX_SPAN} lines. Never throws.
 */
export async function mechanicalRewrite(content: string, target: RewriteTarget, opts: RewriteOptions = {}): Promise<Rewrite | undefined> {
  if (!REWRITABLE_RULES.includes(target.rule)) return undefined;
  const direction = target.direction ?? 'up';
  let section;
  let statements;
  try {
    section = parseMigration(content, 'migration.sql')[direction];
    statements = await splitStatements(section.sql);
  } catch {
    return undefined;
  }
  if (statements.length !== 1) return undefined;
  const stmt = statements[0]!;
  const before = section.sql.slice(0, stmt.offset);
  const stmtLine = section.startLine + (before.match(/\n/g)?.length ?? 0);
  if (stmtLine !== target.line) return undefined;
  const column = stmt.offset - (before.lastIndexOf('\n') + 1);

  const lines = content.split('\n').map((l) => l.replace(/\r$/, ''));
  const edits = new Map<number, string>();
  const changes: string[] = [];
  const statementLine = lines[stmtLine - 1];
  if (statementLine === undefined) return undefined;
  const head = statementLine.slice(column);
  const kw = (word: string, like: string) => (like === like.toLowerCase() ? word.toLowerCase() : word.toUpperCase());

  const create = CREATE_RE.exec(head);
  const drop = DROP_RE.exec(head);
  const reindex = REINDEX_RE.exec(head);
  let rewritten: string | undefined;
  if (create && (target.rule === 'require-concurrent-index' || target.rule === 'concurrently-in-transaction')) {
    const [all, verb, concurrently, ifNotExists, gap, next] = create as unknown as string[];
    // IF NOT EXISTS needs a name: `CREATE INDEX ON t (…)` stays without it.
    const named = next!.toLowerCase() !== 'on';
    if (!concurrently) changes.push('CONCURRENTLY');
    if (!ifNotExists && named) changes.push('IF NOT EXISTS');
    rewritten = `${verb}${concurrently || ` ${kw('CONCURRENTLY', verb!)}`}${ifNotExists || (named ? ` ${kw('IF NOT EXISTS', verb!)}` : '')}${gap}${next}${head.slice(all!.length)}`;
  } else if (drop && (target.rule === 'drop-index-not-concurrently' || target.rule === 'concurrently-in-transaction')) {
    // PostgreSQL: DROP INDEX CONCURRENTLY drops one index and refuses CASCADE.
    if (stmt.sql.includes(',') || /\bcascade\b/i.test(stmt.sql)) return undefined;
    const [all, verb, concurrently, ifExists, gap, next] = drop as unknown as string[];
    if (!concurrently) changes.push('CONCURRENTLY');
    if (!ifExists) changes.push('IF EXISTS');
    rewritten = `${verb}${concurrently || ` ${kw('CONCURRENTLY', verb!)}`}${ifExists || ` ${kw('IF EXISTS', verb!)}`}${gap}${next}${head.slice(all!.length)}`;
  } else if (reindex && (target.rule === 'reindex-not-concurrently' || target.rule === 'concurrently-in-transaction')) {
    if (opts.pgVersion !== undefined && opts.pgVersion < 12) return undefined;
    const [all, verb, concurrently] = reindex as unknown as string[];
    if (!concurrently) changes.push('CONCURRENTLY');
    rewritten = `${verb}${concurrently || ` ${kw('CONCURRENTLY', verb!)}`}${head.slice(all!.length)}`;
  } else {
    return undefined;
  }
  if (changes.length) edits.set(stmtLine, `${statementLine.slice(0, column)}${rewritten}`);

  if (section.transaction) {
    const markerLine = lines[section.startLine - 1]!;
    // dbmate reads options from the marker line, a later key overriding an earlier one; an explicit `transaction:…` is replaced, not contradicted.
    const marker = /(^|[ \t])transaction:\S*/.test(markerLine) ? markerLine.replace(/(^|[ \t])transaction:\S*/, '$1transaction:false') : `${markerLine.replace(/[ \t]+$/, '')} transaction:false`;
    edits.set(section.startLine, marker);
    changes.push(`transaction:false to the \`-- migrate:${direction}\` marker`);
  }
  if (edits.size === 0) return undefined;

  const touched = [...edits.keys()];
  const startLine = Math.min(...touched);
  const endLine = Math.max(...touched);
  if (endLine - startLine + 1 > MAX_SPAN) return undefined;
  const original = lines.slice(startLine - 1, endLine);
  const after = original.map((l, i) => edits.get(startLine + i) ?? l);
  return { startLine, endLine, before: original, after, summary: `adds ${joinChanges(changes)}` };
}

/** `A`, `A and B`, `A and B, and C` (the marker last, after a comma, as it is a different line). */
function joinChanges(changes: readonly string[]): string {
  const marker = changes.find((c) => c.startsWith('transaction:false'));
  const words = changes.filter((c) => c !== marker);
  const said = words.length > 1 ? `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}` : (words[0] ?? '');
  return marker ? (said ? `${said}, and ${marker}` : marker) : said;
}
