import { createHash } from 'node:crypto';
import { describe, it, expect } from '@jest/globals';
import { firstInvalidUtf8, parseMigration } from '../src/engine/parse.js';
import { MigrationError, ParseError } from '../src/engine/errors.js';

const FILE = 'db/migrations/1_a.sql';

const MISSING_UP = "dbmate requires each migration to define an up block with '-- migrate:up'";
const MISSING_DOWN = "dbmate requires each migration to define a down block with '-- migrate:down'";
const BEFORE_UP = "dbmate does not support statements preceding the '-- migrate:up' block";
const DOWN_WITHOUT_UP = "dbmate requires every '-- migrate:down' to be preceded by a '-- migrate:up'";

/** Parses and returns the thrown ParseError (fails the test when nothing is thrown). */
function parseError(text: string, file = FILE): ParseError {
  try {
    parseMigration(text, file);
  } catch (err) {
    expect(err).toBeInstanceOf(ParseError);
    return err as ParseError;
  }
  throw new Error('expected parseMigration to throw');
}

describe('parseMigration: sections', () => {
  it('includes the up marker line in the up text and runs down to EOF', () => {
    const text = '-- migrate:up\ncreate table users (id serial, name text);\n-- migrate:down\ndrop table users;\n';
    const parsed = parseMigration(text, FILE);
    expect(parsed.up).toEqual({
      sql: '-- migrate:up\ncreate table users (id serial, name text);\n',
      transaction: true,
      startLine: 1,
    });
    expect(parsed.down).toEqual({ sql: '-- migrate:down\ndrop table users;\n', transaction: true, startLine: 3 });
  });

  it('keeps a down text without trailing newline as is', () => {
    const parsed = parseMigration('-- migrate:up\nselect 1;\n-- migrate:down\ndrop table users;', FILE);
    expect(parsed.down.sql).toBe('-- migrate:down\ndrop table users;');
  });

  it('allows leading blank lines and comments, and reports file lines', () => {
    const text = '\n-- a comment\n  -- indented comment\n\t\n--migrate:up\ncreate table t (id int);\n\n--migrate:down\ndrop table t;\n';
    const parsed = parseMigration(text, FILE);
    expect(parsed.up.sql).toBe('--migrate:up\ncreate table t (id int);\n\n');
    expect(parsed.up.startLine).toBe(5);
    expect(parsed.down.sql).toBe('--migrate:down\ndrop table t;\n');
    expect(parsed.down.startLine).toBe(8);
  });

  it('accepts empty up and down bodies (the `new` template)', () => {
    const parsed = parseMigration('-- migrate:up\n\n\n-- migrate:down\n\n', FILE);
    expect(parsed.up).toEqual({ sql: '-- migrate:up\n\n\n', transaction: true, startLine: 1 });
    expect(parsed.down).toEqual({ sql: '-- migrate:down\n\n', transaction: true, startLine: 4 });
  });

  it('accepts markers at EOF without a newline', () => {
    const parsed = parseMigration('-- migrate:up\n-- migrate:down', FILE);
    expect(parsed.up.sql).toBe('-- migrate:up\n');
    expect(parsed.down.sql).toBe('-- migrate:down');
  });

  it('handles CRLF files, keeping the CRs in the section text', () => {
    const text = '-- migrate:up transaction:false\r\ncreate table t (id int);\r\n-- migrate:down\r\ndrop table t;\r\n';
    const parsed = parseMigration(text, FILE);
    expect(parsed.up).toEqual({
      sql: '-- migrate:up transaction:false\r\ncreate table t (id int);\r\n',
      transaction: false,
      startLine: 1,
    });
    expect(parsed.down).toEqual({ sql: '-- migrate:down\r\ndrop table t;\r\n', transaction: true, startLine: 3 });
  });

  it('ignores a down marker that only comments precede, as dbmate does', () => {
    const parsed = parseMigration('-- migrate:down\n-- migrate:up\nselect 1;\n-- migrate:down\nselect 2;\n', FILE);
    expect(parsed.up).toEqual({ sql: '-- migrate:up\nselect 1;\n', transaction: true, startLine: 2 });
    expect(parsed.down).toEqual({ sql: '-- migrate:down\nselect 2;\n', transaction: true, startLine: 4 });
  });
});

describe('parseMigration: markers', () => {
  it('accepts a tab or no space after --', () => {
    expect(parseMigration('--\tmigrate:up\nselect 1;\n--\tmigrate:down\n', FILE).down.startLine).toBe(3);
    expect(parseMigration('--migrate:up\n--migrate:down\n', FILE).up.sql).toBe('--migrate:up\n');
  });

  it('accepts trailing whitespace after the marker', () => {
    const parsed = parseMigration('-- migrate:up   \nselect 1;\n-- migrate:down \t\n', FILE);
    expect(parsed.up.sql).toBe('-- migrate:up   \nselect 1;\n');
    expect(parsed.down.sql).toBe('-- migrate:down \t\n');
  });

  it('does not treat an indented marker as a marker', () => {
    expect(parseError('  -- migrate:up\nselect 1;\n-- migrate:down\n').message).toBe(`${FILE}: ${MISSING_UP}`);
    // An indented down is just a comment inside the up text.
    expect(parseError('-- migrate:up\nselect 1;\n  -- migrate:down\n').message).toBe(`${FILE}: ${MISSING_DOWN}`);
  });

  it('is case-sensitive', () => {
    expect(parseError('-- Migrate:Up\nselect 1;\n-- migrate:down\n').code).toBe('PARSE_MISSING_UP');
    expect(parseError('-- migrate:up\nselect 1;\n-- MIGRATE:DOWN\n').code).toBe('PARSE_MISSING_DOWN');
  });

  it('does not accept migrate:upx or migrate:downx', () => {
    expect(parseError('-- migrate:upx\nselect 1;\n-- migrate:down\n').code).toBe('PARSE_MISSING_UP');
    expect(parseError('-- migrate:up\nselect 1;\n-- migrate:downx\n').code).toBe('PARSE_MISSING_DOWN');
  });

  it('uses Go whitespace rules: vertical tab and NBSP are not whitespace', () => {
    expect(parseError('--\vmigrate:up\n-- migrate:down\n').code).toBe('PARSE_MISSING_UP');
    expect(parseError('-- migrate:up\u00a0\n-- migrate:down\n').code).toBe('PARSE_MISSING_UP');
  });

  it('lets `--` and `migrate:up` be split by a newline, as Go `\\s` matches it (verified with dbmate)', () => {
    // dbmate sends this to the server, which then fails on `migrate:up`; we keep the same parse.
    const parsed = parseMigration('--\nmigrate:up\nselect 1;\n-- migrate:down\n', FILE);
    expect(parsed.up).toEqual({ sql: '--\nmigrate:up\nselect 1;\n', transaction: true, startLine: 1 });
    expect(parsed.down.startLine).toBe(4);
  });

  it('uses Go line rules: a lone CR does not start a line', () => {
    // Old-Mac line endings: dbmate sees one line, so there is no marker at a line start after `select 1;`.
    expect(parseError('-- migrate:up\rselect 1;\r-- migrate:down\r').code).toBe('PARSE_MISSING_DOWN');
  });
});

describe('parseMigration: options', () => {
  const opts = (upLine: string, downLine = '-- migrate:down'): [boolean, boolean] => {
    const parsed = parseMigration(`${upLine}\nselect 1;\n${downLine}\nselect 2;\n`, FILE);
    return [parsed.up.transaction, parsed.down.transaction];
  };

  it('disables the transaction only for exact transaction:false', () => {
    expect(opts('-- migrate:up transaction:false')).toEqual([false, true]);
    expect(opts('-- migrate:up\ttransaction:false  ')).toEqual([false, true]);
    expect(opts('--migrate:up transaction:false')).toEqual([false, true]);
    expect(opts('-- migrate:up transaction:FALSE')).toEqual([true, true]);
    expect(opts('-- migrate:up transaction:true')).toEqual([true, true]);
    expect(opts('-- migrate:up transaction: false')).toEqual([true, true]);
    expect(opts('-- migrate:up transaction:false:x')).toEqual([true, true]);
  });

  it('ignores unknown and malformed tokens', () => {
    expect(opts('-- migrate:up foo:bar')).toEqual([true, true]);
    expect(opts('-- migrate:up bad transaction:false foo:bar')).toEqual([false, true]);
  });

  it('lets a later token override an earlier one', () => {
    expect(opts('-- migrate:up transaction:false transaction:true')).toEqual([true, true]);
    expect(opts('-- migrate:up transaction:true transaction:false')).toEqual([false, true]);
  });

  it('reads options per direction', () => {
    expect(opts('-- migrate:up', '-- migrate:down transaction:false')).toEqual([true, false]);
    expect(opts('-- migrate:up transaction:false', '-- migrate:down transaction:false')).toEqual([false, false]);
  });

  it('reads options only from the marker line', () => {
    expect(opts('-- migrate:up\ntransaction:false')).toEqual([true, true]);
  });
});

describe('parseMigration: checksum', () => {
  it('is the sha256 hex of the UTF-8 bytes, for string and Buffer input', () => {
    const text = '-- migrate:up\ncreate table café (id int);\n-- migrate:down\ndrop table café;\n';
    const bytes = Buffer.from(text, 'utf8');
    const expected = createHash('sha256').update(bytes).digest('hex');
    expect(parseMigration(text, FILE).checksum).toBe(expected);
    expect(parseMigration(bytes, FILE).checksum).toBe(expected);
    expect(parseMigration(bytes, FILE).up.sql).toBe('-- migrate:up\ncreate table café (id int);\n');
  });

  it('changes when the file changes', () => {
    const a = parseMigration('-- migrate:up\n-- migrate:down\n', FILE).checksum;
    const b = parseMigration('-- migrate:up\n-- migrate:down\r\n', FILE).checksum;
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(a).not.toBe(b);
  });
});

describe('parseMigration: errors (dbmate text, prefixed with the file)', () => {
  it('reports a missing up block, also for an empty file', () => {
    for (const text of ['', '\n', 'select 1;\n', '-- migrate:down\ndrop table t;\n']) {
      const err = parseError(text);
      expect(err.message).toBe(`db/migrations/1_a.sql: ${MISSING_UP}`);
      expect(err.code).toBe('PARSE_MISSING_UP');
      expect(err.file).toBe(FILE);
      expect(err.hint).toContain("'-- migrate:up'");
      expect(err).toBeInstanceOf(MigrationError);
      expect(err.name).toBe('ParseError');
    }
  });

  it('reports a missing down block', () => {
    const err = parseError('-- migrate:up\ncreate table t (id int);\n');
    expect(err.message).toBe(`${FILE}: ${MISSING_DOWN}`);
    expect(err.code).toBe('PARSE_MISSING_DOWN');
    expect(err.hint).toContain("'-- migrate:down'");
  });

  it('reports statements before the up block, naming the line in the hint', () => {
    const err = parseError('-- header\ncreate type s as enum (\'a\');\n-- migrate:up\nselect 1;\n-- migrate:down\n');
    expect(err.message).toBe(`${FILE}: ${BEFORE_UP}`);
    expect(err.code).toBe('PARSE_STATEMENTS_BEFORE_UP');
    expect(err.hint).toContain('Line 2');
  });

  it('reports a down-first block with SQL as statements before up', () => {
    const err = parseError('-- migrate:down\ndrop table users;\n-- migrate:up\ncreate table users (id int);\n');
    expect(err.message).toBe(`${FILE}: ${BEFORE_UP}`);
  });

  it('checks statements before up ahead of a missing down', () => {
    expect(parseError('select 1;\n-- migrate:up\nselect 2;\n').code).toBe('PARSE_STATEMENTS_BEFORE_UP');
  });

  it('reports two downs after one up', () => {
    const err = parseError('-- migrate:up\nselect 1;\n-- migrate:down\nselect 2;\n-- migrate:down\nselect 3;\n');
    expect(err.message).toBe(`${FILE}: ${DOWN_WITHOUT_UP}`);
    expect(err.code).toBe('PARSE_DOWN_WITHOUT_UP');
    expect(err.hint).toContain('lines 3, 5');
  });

  it('explains a byte-order mark that hides the first marker', () => {
    const err = parseError('\uFEFF-- migrate:up\nselect 1;\n-- migrate:down\n');
    expect(err.message).toBe(`${FILE}: ${MISSING_UP}`);
    expect(err.hint).toContain('byte-order mark');
    // With a BOM before a comment, that comment is no longer a comment to dbmate.
    expect(parseError('\uFEFF-- c\n-- migrate:up\nselect 1;\n-- migrate:down\n').code).toBe(
      'PARSE_STATEMENTS_BEFORE_UP',
    );
  });
});

describe('parseMigration: bytes that are not UTF-8', () => {
  const wrap = (...parts: (string | number[])[]) =>
    Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))));

  it.each([
    ['a Latin-1 byte', wrap("-- migrate:up\nselect 'caf", [0xe9], "';\n-- migrate:down\n"), 25, 2, 'byte 0xe9'],
    ['a stray continuation byte', wrap('-- migrate:up\n', [0x80], '\n-- migrate:down\n'), 14, 2, 'byte 0x80'],
    ['an overlong 2-byte form', wrap('-- migrate:up\n-- ', [0xc0, 0xaf], '\n-- migrate:down\n'), 17, 2, 'byte 0xc0'],
    ['an overlong 3-byte form', wrap('-- migrate:up\n-- ', [0xe0, 0x80, 0xaf], '\n-- migrate:down\n'), 17, 2, 'byte 0xe0'],
    ['a surrogate', wrap('-- migrate:up\n\n-- ', [0xed, 0xa0, 0x80], '\n-- migrate:down\n'), 18, 3, 'byte 0xed'],
    ['a code point above U+10FFFF', wrap('-- migrate:up\n-- ', [0xf4, 0x90, 0x80, 0x80], '\n-- migrate:down\n'), 17, 2, 'byte 0xf4'],
    ['a sequence cut short by the next character', wrap('-- migrate:up\n-- ', [0xe2, 0x82], 'x\n-- migrate:down\n'), 17, 2, 'bytes 0xe2 0x82'],
    ['a sequence cut short at the end of the file', wrap('-- migrate:up\n-- migrate:down\n-- ', [0xf0, 0x9f, 0x98]), 33, 3, 'bytes 0xf0 0x9f 0x98 at the end of the file'],
    ['a UTF-16 file', wrap([0xff, 0xfe], '-\0-\0'), 0, 1, 'byte 0xff'],
  ])('%s is refused with its byte offset and line', (_what, bytes, offset, line, what) => {
    let err: ParseError | undefined;
    try {
      parseMigration(bytes, FILE);
    } catch (e) {
      err = e as ParseError;
    }
    expect(err?.message).toBe(`${FILE}: not valid UTF-8 at byte offset ${offset} (line ${line}): ${what}`);
    expect(err?.code).toBe('PARSE_INVALID_UTF8');
    expect(err?.file).toBe(FILE);
    expect(err?.hint).toContain('Save the file as UTF-8');
    if (bytes[0] === 0xff) expect(err?.hint).toMatch(/^The file starts with a UTF-16 byte-order mark\. /);
  });

  it('finds the same first bad sequence as the WHATWG decoder, on random bytes', () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    for (let n = 0; n < 3000; n++) {
      const pool = [0x41, 0x0a, 0x80, 0xbf, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xa0, 0x9f, 0x90, 0x8f, 0xc0, 0xff];
      const bytes = Buffer.from(Array.from({ length: 1 + Math.floor(rand() * 8) }, () => pool[Math.floor(rand() * pool.length)]!));
      const bad = firstInvalidUtf8(bytes);
      let valid = true;
      try {
        new TextDecoder('utf-8', { fatal: true }).decode(bytes);
      } catch {
        valid = false;
      }
      expect(bad === undefined).toBe(valid);
      // The decoder replaces the maximal subpart with one U+FFFD: the prefix before it decodes cleanly.
      if (bad) expect(() => new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, bad.offset))).not.toThrow();
    }
  });

  it('accepts valid multi-byte text and a UTF-8 BOM (which still hides the marker, as in dbmate)', () => {
    expect(parseMigration(Buffer.from("-- migrate:up\nselect 'café €😀';\n-- migrate:down\n"), FILE).up.sql).toContain('café €😀');
    let err: ParseError | undefined;
    try {
      parseMigration(Buffer.from('\uFEFF-- migrate:up\nselect 1;\n-- migrate:down\n'), FILE);
    } catch (e) {
      err = e as ParseError;
    }
    expect(err?.code).toBe('PARSE_MISSING_UP');
  });

  it('refuses a NUL byte, naming its offset and line', () => {
    expect(() => parseMigration(Buffer.from('-- migrate:up\nselect 1;\0\n-- migrate:down\n'), FILE)).toThrow(
      `${FILE}: contains a NUL byte at byte offset 23 (line 2)`,
    );
  });
});

describe('parseMigration: several sections (rejected, unlike dbmate)', () => {
  const two = '-- migrate:up\nselect 1;\n-- migrate:down\nselect 2;\n\n-- migrate:up transaction:false\nselect 3;\n-- migrate:down\nselect 4;\n';

  it('rejects a file with two valid sections, naming the file and the lines', () => {
    const err = parseError(two, 'db/migrations/20240101000000_two.sql');
    expect(err.code).toBe('PARSE_MULTIPLE_SECTIONS');
    expect(err.file).toBe('db/migrations/20240101000000_two.sql');
    expect(err.message).toBe(
      "db/migrations/20240101000000_two.sql: a migration file must have exactly one '-- migrate:up' section, " +
        'found 2 (lines 1, 6); split it into separate migration files',
    );
    expect(err.hint).toContain('schema_migrations_pkey');
  });

  it('gives dbmate\'s own message first when dbmate would reject the file too', () => {
    // Section 1 lacks a down: dbmate reports the missing down.
    const missingDown = parseError('-- migrate:up\nselect 1;\n-- migrate:up\nselect 2;\n-- migrate:down\n');
    expect(missingDown.message).toBe(`${FILE}: ${MISSING_DOWN}`);
    expect(missingDown.hint).toContain('2 \'-- migrate:up\' markers (lines 1, 3)');
    // Every section is checked for a second down before any is checked for a missing down.
    const twoDowns = parseError(
      '-- migrate:up\nselect 1;\n-- migrate:up\nselect 2;\n-- migrate:down\n-- migrate:down\n',
    );
    expect(twoDowns.message).toBe(`${FILE}: ${DOWN_WITHOUT_UP}`);
    // Statements before the first up still win.
    expect(parseError(`select 0;\n${two}`).code).toBe('PARSE_STATEMENTS_BEFORE_UP');
  });
});
