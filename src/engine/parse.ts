import { isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ParseError } from './errors.js';
import type { MigrationFile, ParsedMigration, Section } from './types.js';

// dbmate's regexes are Go RE2, where `\s` is only [\t\n\f\r ] and, with (?m), `^`/`$` only see `\n`.
// JavaScript's `\s` and `m` flag also accept \v, NBSP, U+2028, lone `\r`…, so they are spelled out
// here; otherwise a file could parse differently in dbmate and in our tool.
const WS = '[\\t\\n\\f\\r ]';
const NON_WS = '[^\\t\\n\\f\\r ]';
/** Go `(?m)^`: start of text or just after `\n`. */
const LINE_START = '(?<![^\\n])';
/** Go `(?m)$`: end of text or just before `\n`. */
const LINE_END = '(?![^\\n])';

/** dbmate: (?m)^--\s*migrate:up(\s*$|\s+\S+) */
const UP_RE = new RegExp(`${LINE_START}--${WS}*migrate:up(?:${WS}*${LINE_END}|${WS}+${NON_WS}+)`, 'g');
/** dbmate: (?m)^--\s*migrate:down(\s*$|\s+\S+) */
const DOWN_RE = new RegExp(`${LINE_START}--${WS}*migrate:down(?:${WS}*${LINE_END}|${WS}+${NON_WS}+)`, 'g');
/** dbmate's blockDirectiveRegExp, applied to the marker's first line only (no multiline). */
const DIRECTIVE_RE = new RegExp(`^--${WS}*migrate:(?:up|down)`);
const EMPTY_LINE_RE = new RegExp(`^${WS}*$`);
const COMMENT_LINE_RE = new RegExp(`^${WS}*--`);
const WS_RUN_RE = new RegExp(`${WS}+`);

/**
 * Go's `strings.TrimSpace` trims Unicode White_Space (unlike the RE2 `\s` above), and differs from
 * JavaScript's `trim()` on U+0085 (Go trims it) and U+FEFF (JavaScript trims it).
 */
const GO_TRIM_RE =
  /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+|[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/g;

const MSG_MISSING_UP = "dbmate requires each migration to define an up block with '-- migrate:up'";
const MSG_MISSING_DOWN = "dbmate requires each migration to define a down block with '-- migrate:down'";
const MSG_STATEMENTS_BEFORE_UP = "dbmate does not support statements preceding the '-- migrate:up' block";
const MSG_DOWN_WITHOUT_UP = "dbmate requires every '-- migrate:down' to be preceded by a '-- migrate:up'";

const BOM_NOTE =
  ' The file starts with a UTF-8 byte-order mark, so dbmate does not see a marker on line 1; save it without the BOM.';

/**
 * The checksum the history table records for a migration file: sha256 (hex) of its bytes as they
 * are on disk, so an edit of any byte (a comment, a line ending) shows as an edited file.
 */
export function checksumOf(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Parses one dbmate migration file into its up and down sections.
 *
 * Checks run in dbmate's order (missing up, statements before up, two downs in one section, missing
 * down), so every malformed file fails with the message dbmate would print, prefixed with
 * `<displayPath>: `. Deliberate difference: a file with several up/down sections, which dbmate
 * accepts but which always fails on PostgreSQL at its second section, is rejected here with
 * `PARSE_MULTIPLE_SECTIONS`. Bytes that are not UTF-8 (`PARSE_INVALID_UTF8`) or hold a NUL
 * (`PARSE_NUL_BYTE`) are refused first: decoding them would replace each bad byte with U+FFFD and
 * store mangled text without an error (dbmate sends the bytes and the server refuses them, 22021).
 *
 * @param source file contents; pass the raw bytes so the checksum covers exactly what is on disk
 * @param displayPath path shown in error messages, e.g. `db/migrations/20240101000000_init.sql`
 * @returns both sections and the sha256 (hex) of the file's UTF-8 bytes
 * @throws {ParseError} when the file is not a valid single-section dbmate migration, or not UTF-8
 */
export function parseMigration(source: string | Uint8Array, displayPath: string): ParsedMigration {
  if (typeof source !== 'string') assertSendable(source, displayPath);
  const bytes = typeof source === 'string' ? Buffer.from(source, 'utf8') : source;
  // Buffer#toString keeps a BOM, as Go's string(bytes) does, so markers are found at the same offsets.
  const text = typeof source === 'string' ? source : Buffer.from(source).toString('utf8');
  const checksum = checksumOf(bytes);

  const fail = (code: string, message: string, hint: string): never => {
    throw new ParseError(code, `${displayPath}: ${message}`, { file: displayPath, hint });
  };
  const hasBom = text.startsWith('\uFEFF');

  const ups = matchStarts(text, UP_RE);
  if (ups.length === 0) {
    return fail(
      'PARSE_MISSING_UP',
      MSG_MISSING_UP,
      "Start the file with a line '-- migrate:up' (at column 0, lowercase) followed by the SQL to apply." +
        (hasBom ? BOM_NOTE : ''),
    );
  }

  const firstUp = ups[0]!;
  const stray = firstStatementLine(text.slice(0, firstUp));
  if (stray !== undefined) {
    return fail(
      'PARSE_STATEMENTS_BEFORE_UP',
      MSG_STATEMENTS_BEFORE_UP,
      `Line ${stray.line} (${quoteSnippet(stray.text)}) comes before the first '-- migrate:up' on line ` +
        `${lineAt(text, firstUp)}; only blank lines and '--' comments may precede it. Move that SQL below the marker.` +
        (hasBom && stray.line === 1 ? BOM_NOTE : ''),
    );
  }

  // Like dbmate, a section runs from one up marker to the next (or EOF), and every section is
  // checked for a second down before any section is checked for a missing down.
  const bounds = ups.map((start, i) => ({ start, end: ups[i + 1] ?? text.length }));
  for (const { start, end } of bounds) {
    const downs = matchStarts(text.slice(start, end), DOWN_RE);
    if (downs.length > 1) {
      const lines = downs.map((d) => lineAt(text, start + d)).join(', ');
      return fail(
        'PARSE_DOWN_WITHOUT_UP',
        MSG_DOWN_WITHOUT_UP,
        `The up block on line ${lineAt(text, start)} is followed by '-- migrate:down' on lines ${lines}; ` +
          'keep exactly one down block per file.',
      );
    }
  }
  const downStarts: number[] = [];
  for (const { start, end } of bounds) {
    const down = matchStarts(text.slice(start, end), DOWN_RE)[0];
    if (down === undefined) {
      const upLines = ups.map((u) => lineAt(text, u));
      return fail(
        'PARSE_MISSING_DOWN',
        MSG_MISSING_DOWN,
        `Add a line '-- migrate:down' after the up SQL of line ${lineAt(text, start)}, followed by the SQL ` +
          'that undoes it (an empty down block is allowed).' +
          (ups.length > 1
            ? ` This file also has ${ups.length} '-- migrate:up' markers (lines ${upLines.join(', ')}); ` +
              'put each up/down pair in its own migration file.'
            : ''),
      );
    }
    downStarts.push(start + down);
  }

  if (ups.length > 1) {
    const upLines = ups.map((u) => lineAt(text, u));
    return fail(
      'PARSE_MULTIPLE_SECTIONS',
      `a migration file must have exactly one '-- migrate:up' section, found ${ups.length} ` +
        `(lines ${upLines.join(', ')}); split it into separate migration files`,
      'dbmate records the same version for every section of a file, so on PostgreSQL the second section ' +
        'always fails with a duplicate key on schema_migrations_pkey. Create one file per section ' +
        '(e.g. with `db-migrate-action new NAME`) and move each up/down pair into its own file.',
    );
  }

  const downStart = downStarts[0]!;
  return {
    up: section(text, firstUp, downStart),
    down: section(text, downStart, text.length),
    checksum,
  };
}

/**
 * Refuses bytes PostgreSQL cannot take as query text: invalid UTF-8 (the first bad sequence is
 * named by byte offset and line, so it can be found with any hex viewer or editor) and NUL. The
 * common case costs one native scan (`isUtf8`) and one `indexOf`.
 */
function assertSendable(bytes: Uint8Array, displayPath: string): void {
  const nul = bytes.indexOf(0);
  if (nul === -1 && isUtf8(bytes)) return;
  const bad = firstInvalidUtf8(bytes);
  if (bad !== undefined && (nul === -1 || bad.offset < nul)) {
    const hex = Array.from(bytes.subarray(bad.offset, bad.offset + bad.length), (b) => `0x${b.toString(16).padStart(2, '0')}`).join(' ');
    const utf16 = (bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff);
    throw new ParseError(
      'PARSE_INVALID_UTF8',
      `${displayPath}: not valid UTF-8 at byte offset ${bad.offset} (line ${lineOfByte(bytes, bad.offset)}): ` +
        `${bad.length > 1 ? 'bytes' : 'byte'} ${hex}${bad.truncated ? ' at the end of the file' : ''}`,
      {
        file: displayPath,
        hint:
          (utf16 ? 'The file starts with a UTF-16 byte-order mark. ' : '') +
          'Save the file as UTF-8 (e.g. `iconv -f latin1 -t utf-8`); PostgreSQL refuses other bytes (SQLSTATE 22021), ' +
          'so dbmate fails on this file too. Nothing was run.',
      },
    );
  }
  throw new ParseError('PARSE_NUL_BYTE', `${displayPath}: contains a NUL byte at byte offset ${nul} (line ${lineOfByte(bytes, nul)})`, {
    file: displayPath,
    hint:
      'PostgreSQL cannot take a NUL character in a query (a file saved as UTF-16 has one in every other byte): ' +
      "remove it, or write it as an escape in a bytea literal (e.g. '\\x00'::bytea). Nothing was run.",
  });
}

/**
 * The first ill-formed sequence (Unicode's "maximal subpart": the lead byte and the continuation
 * bytes that were valid so far): stray continuation bytes, C0/C1 and F5..FF leads, overlong
 * forms, UTF-16 surrogates (ED A0..BF), code points above U+10FFFF, and a sequence cut short.
 */
export function firstInvalidUtf8(bytes: Uint8Array): { offset: number; length: number; truncated: boolean } | undefined {
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b === 0xe0) lo = 0xa0; // overlong below U+0800
      if (b === 0xed) hi = 0x9f; // surrogates U+D800..DFFF
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b === 0xf0) lo = 0x90; // overlong below U+10000
      if (b === 0xf4) hi = 0x8f; // above U+10FFFF
    } else return { offset: i, length: 1, truncated: false };
    for (let k = 1; k <= need; k++) {
      if (i + k >= bytes.length) return { offset: i, length: k, truncated: true };
      const c = bytes[i + k]!;
      const [min, max] = k === 1 ? [lo, hi] : [0x80, 0xbf];
      if (c < min || c > max) return { offset: i, length: k, truncated: false };
    }
    i += need + 1;
  }
  return undefined;
}

/** 1-based line of a byte offset (lines end at `\n`, a single byte in UTF-8). */
function lineOfByte(bytes: Uint8Array, offset: number): number {
  let line = 1;
  for (let i = bytes.indexOf(0x0a); i !== -1 && i < offset; i = bytes.indexOf(0x0a, i + 1)) line++;
  return line;
}

/** Builds a section from `text[start, end)`; `start` is the marker's offset. */
function section(text: string, start: number, end: number): Section {
  const sql = text.slice(start, end);
  return { sql, transaction: parseOptions(sql).get('transaction') !== 'false', startLine: lineAt(text, start) };
}

/**
 * dbmate's parseMigrationOptions: the marker's first line minus the directive, trimmed, split on
 * whitespace; only tokens with exactly one `:` count, and a later key overrides an earlier one.
 */
function parseOptions(sectionText: string): Map<string, string> {
  const options = new Map<string, string>();
  const nl = sectionText.indexOf('\n');
  const firstLine = nl === -1 ? sectionText : sectionText.slice(0, nl);
  const rest = firstLine.replace(DIRECTIVE_RE, '').replace(GO_TRIM_RE, '');
  if (rest === '') return options;
  for (const token of rest.split(WS_RUN_RE)) {
    const pair = token.split(':');
    if (pair.length === 2) options.set(pair[0]!, pair[1]!);
  }
  return options;
}

/** Start offsets of all non-overlapping matches, as Go's FindAllStringIndex returns them. */
function matchStarts(text: string, re: RegExp): number[] {
  return Array.from(text.matchAll(re), (m) => m.index);
}

/** First line (1-based) before the up marker that is neither blank nor a `--` comment. */
function firstStatementLine(prefix: string): { line: number; text: string } | undefined {
  const lines = prefix.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (!EMPTY_LINE_RE.test(line) && !COMMENT_LINE_RE.test(line)) return { line: i + 1, text: line };
  }
  return undefined;
}

/** 1-based line number of `offset`; lines end at `\n` only, as in dbmate. */
function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

/** Short, single-line rendering of a source line for hints. */
function quoteSnippet(line: string): string {
  const trimmed = line.replace(/^\uFEFF/, '').trim();
  return `\`${trimmed.length > 60 ? `${trimmed.slice(0, 57)}...` : trimmed}\``;
}

/** A migration file with its parsed sections, ready to run. */
export interface LoadedMigration {
  file: MigrationFile;
  parsed: ParsedMigration;
}

/**
 * Read and parse these files. Every file is parsed before anything runs: a malformed file fails
 * the run with nothing applied. The bytes are parsed (not a decoded string) so the checksum is
 * the file's own sha256.
 *
 * @throws ParseError for the first file that is not a valid dbmate migration
 */
export function loadMigrations(files: readonly MigrationFile[]): LoadedMigration[] {
  return files.map((file) => ({ file, parsed: parseMigration(readFileSync(file.absPath), file.displayPath) }));
}
