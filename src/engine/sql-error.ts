import { MigrationError } from './errors.js';

/** Everything known about a failed migration statement: what an on-call engineer needs. */
export interface SqlFailure {
  /** Display path of the migration file. */
  file: string;
  version: string;
  direction: 'up' | 'down';
  /** 1-based line and column in the *file* (not the section), when the server gave a position. */
  line?: number;
  column?: number;
  /** SQLSTATE, e.g. `42P01`. */
  sqlstate?: string;
  /** The server's message, without decoration. */
  serverMessage: string;
  detail?: string;
  /** The server's hint (ours goes in MigrationError.hint). */
  serverHint?: string;
  /** The failing statement's text, when it could be located. */
  statement?: string;
  /** Whether the section ran in one transaction (so nothing of it remains). */
  transactional: boolean;
  /** For `transaction:false` sections: statements that completed before the failure (they stay applied). */
  completedStatements?: string[];
  /** Index (0-based) of the failing statement among the section's statements, when known. */
  statementIndex?: number;
  /** Indexes left INVALID by a failed CREATE INDEX CONCURRENTLY. */
  invalidIndexes?: string[];
  /** What cancelled the run (e.g. `SIGINT`) when the migration stopped because of it, not because of its SQL. */
  cancelled?: string;
}

/** A migration whose SQL the server rejected. */
export class SqlMigrationError extends MigrationError {
  readonly failure: SqlFailure;

  constructor(failure: SqlFailure, opts: { hint?: string; cause?: unknown } = {}) {
    super(failure.cancelled ? 'CANCELLED' : failure.sqlstate ? `SQL_${failure.sqlstate}` : 'SQL_ERROR', headline(failure), opts);
    this.name = 'SqlMigrationError';
    this.failure = failure;
  }

  /** Multi-line description for terminals, summaries and issues. */
  describe(): string {
    const f = this.failure;
    const lines = [this.message];
    if (f.detail) lines.push(`  detail: ${f.detail}`);
    if (f.serverHint) lines.push(`  server hint: ${f.serverHint}`);
    if (f.statement) lines.push(`  statement: ${oneLine(f.statement)}`);
    if (f.transactional) {
      lines.push(`  nothing from this ${f.direction} section was applied (it ran in one transaction that was rolled back)`);
    } else {
      const done = f.completedStatements ?? [];
      lines.push(
        done.length
          ? `  transaction:false: ${done.length} statement(s) before it completed and remain applied: ${done.map(oneLine).join(' | ')}`
          : '  transaction:false: no statement of this section completed',
      );
      if (f.invalidIndexes?.length) lines.push(`  INVALID indexes left behind: ${f.invalidIndexes.join(', ')} (drop them with DROP INDEX CONCURRENTLY before retrying)`);
    }
    if (this.hint) lines.push(`  hint: ${this.hint}`);
    return lines.join('\n');
  }
}

function headline(f: SqlFailure): string {
  const where = f.line !== undefined ? `${f.file}:${f.line}:${f.column ?? 1}` : f.file;
  const what = `${f.direction === 'down' ? 'rolling back' : 'applying'} version ${f.version}`;
  const server = `${f.serverMessage}${f.sqlstate ? ` (SQLSTATE ${f.sqlstate})` : ''}`;
  return f.cancelled ? `${where}: ${what} was cancelled by ${f.cancelled}: ${server}` : `${where}: ${what} failed: ${server}`;
}

function oneLine(sql: string): string {
  const s = sql.replace(/\s+/g, ' ').trim();
  return s.length > 200 ? `${s.slice(0, 197)}...` : s;
}

/**
 * Turn a 1-based character position in `text` into 1-based line and column, counting like dbmate
 * (a CR of a CRLF pair is not a column).
 */
export function lineColumn(text: string, position: number): { line: number; column: number } {
  let line = 1;
  let column = 1;
  let offset = 0;
  for (const ch of text) {
    offset++;
    if (offset >= position) break;
    if (ch === '\r') continue;
    if (ch === '\n') {
      line++;
      column = 1;
      continue;
    }
    column++;
  }
  return { line, column };
}

/** A syntax error found by our parser before anything was sent to the server. */
export class SqlSyntaxError extends MigrationError {
  /** 1-based character position in the parsed text. */
  readonly position: number;
  constructor(message: string, position: number, cause?: unknown) {
    super('SQL_SYNTAX', message, { cause });
    this.name = 'SqlSyntaxError';
    this.position = position;
  }
}
