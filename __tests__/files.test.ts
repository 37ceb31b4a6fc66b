import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, it, expect } from '@jest/globals';
import {
  NEW_MIGRATION_TEMPLATE,
  assertUniqueVersions,
  findDuplicateVersions,
  findMigrationFiles,
  newMigrationFileName,
} from '../src/engine/files.js';
import { MigrationError } from '../src/engine/errors.js';
import type { MigrationFile } from '../src/engine/types.js';

let root: string;

beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'files-test-'));
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function touch(dir: string, names: string[]): Promise<void> {
  await mkdir(path.join(root, dir), { recursive: true });
  for (const name of names) await writeFile(path.join(root, dir, name), '-- migrate:up\n-- migrate:down\n');
}

/** Returns the error thrown by `fn` (fails the test when nothing is thrown). */
async function rejection(fn: () => Promise<unknown>): Promise<MigrationError> {
  try {
    await fn();
  } catch (err) {
    expect(err).toBeInstanceOf(MigrationError);
    return err as MigrationError;
  }
  throw new Error('expected a rejection');
}

function file(dir: string, fileName: string, version: string): MigrationFile {
  return { version, fileName, displayPath: `${dir}/${fileName}`, absPath: `/abs/${dir}/${fileName}` };
}

describe('findMigrationFiles', () => {
  it('lists matching files sorted byte-wise by name, with dbmate versions', async () => {
    await touch('db/migrations', ['9.sql', '2_b.sql', '1_e.sql', '1_a.sql', '123abc.sql', '10_c.sql', '0x_l.sql', '001_d.sql']);
    const files = await findMigrationFiles(['./db/migrations'], root);
    expect(files.map((f) => f.fileName)).toEqual([
      '001_d.sql',
      '0x_l.sql',
      '10_c.sql',
      '123abc.sql',
      '1_a.sql',
      '1_e.sql',
      '2_b.sql',
      '9.sql',
    ]);
    expect(files.map((f) => f.version)).toEqual(['001', '0', '10', '123', '1', '1', '2', '9']);
    expect(files[0]).toEqual({
      version: '001',
      fileName: '001_d.sql',
      displayPath: 'db/migrations/001_d.sql',
      absPath: path.join(root, 'db', 'migrations', '001_d.sql'),
    });
  });

  it('ignores non-matching names, subdirectories and directories named *.sql', async () => {
    await touch('db/migrations', ['V5__g.sql', '.sql', 'README.md', 'x.SQL', 'x.sql.bak', '7_upper.SQL', '3_ok.sql']);
    await touch('db/migrations/sub', ['4_nested.sql']);
    await mkdir(path.join(root, 'db/migrations/5_dir.sql'));
    const files = await findMigrationFiles(['db/migrations'], root);
    expect(files.map((f) => f.fileName)).toEqual(['3_ok.sql']);
  });

  it('keeps a symlink to a file, like dbmate', async () => {
    await touch('db/migrations', ['1_a.sql']);
    await symlink(path.join(root, 'db/migrations/1_a.sql'), path.join(root, 'db/migrations/2_link.sql'));
    const files = await findMigrationFiles(['db/migrations'], root);
    expect(files.map((f) => f.fileName)).toEqual(['1_a.sql', '2_link.sql']);
  });

  it('merges several directories into one name-sorted list', async () => {
    await touch('a', ['2_b.sql', '10_c.sql']);
    await touch('b', ['1_a.sql', '3_d.sql']);
    const files = await findMigrationFiles(['a', './b/'], root);
    expect(files.map((f) => f.displayPath)).toEqual(['a/10_c.sql', 'b/1_a.sql', 'a/2_b.sql', 'b/3_d.sql']);
  });

  it('cleans the display path like Go path.Join', async () => {
    await touch('db/migrations', ['1_a.sql']);
    const cases: Array<[string, string]> = [
      ['./db/migrations', 'db/migrations/1_a.sql'],
      ['db/migrations/', 'db/migrations/1_a.sql'],
      ['db//migrations/.', 'db/migrations/1_a.sql'],
      ['db/x/../migrations', 'db/migrations/1_a.sql'],
    ];
    for (const [dir, expected] of cases) {
      const [found] = await findMigrationFiles([dir], root);
      expect(found?.displayPath).toBe(expected);
    }
    const [abs] = await findMigrationFiles([path.join(root, 'db/migrations')]);
    expect(abs?.displayPath).toBe(`${path.join(root, 'db/migrations')}/1_a.sql`);
    const [dotdot] = await findMigrationFiles(['../migrations'], path.join(root, 'db', 'sub'));
    expect(dotdot?.displayPath).toBe('../migrations/1_a.sql');
  });

  it('returns an empty list for an empty directory', async () => {
    await mkdir(path.join(root, 'db/migrations'), { recursive: true });
    expect(await findMigrationFiles(['db/migrations'], root)).toEqual([]);
  });

  it('reports a missing directory with dbmate\'s message and the dir as given', async () => {
    const err = await rejection(() => findMigrationFiles(['./db/migrations'], root));
    expect(err.message).toBe('could not find migrations directory `./db/migrations`');
    expect(err.code).toBe('MIGRATIONS_DIR_MISSING');
    expect(err.hint).toContain('--migrations-dir');
    expect((err.cause as NodeJS.ErrnoException).code).toBe('ENOENT');
  });

  it('fails on the first unreadable directory even when others exist', async () => {
    await touch('a', ['1_a.sql']);
    const err = await rejection(() => findMigrationFiles(['a', 'missing'], root));
    expect(err.message).toBe('could not find migrations directory `missing`');
  });

  it('reports a file given as the directory the same way', async () => {
    await touch('db', ['notadir']);
    const err = await rejection(() => findMigrationFiles(['db/notadir'], root));
    expect(err.message).toBe('could not find migrations directory `db/notadir`');
    expect(err.hint).toContain('not a directory');
  });
});

describe('duplicate versions', () => {
  it('finds groups of files sharing a version', () => {
    const files = [file('d', '001_x.sql', '001'), file('d', '1_a.sql', '1'), file('d', '1_e.sql', '1'), file('d', '2_b.sql', '2')];
    const dups = findDuplicateVersions(files);
    expect([...dups.keys()]).toEqual(['1']);
    expect(dups.get('1')?.map((f) => f.fileName)).toEqual(['1_a.sql', '1_e.sql']);
    // `001` and `1` are different versions: dbmate compares them as strings.
    expect(findDuplicateVersions([file('d', '001_x.sql', '001'), file('d', '1_a.sql', '1')]).size).toBe(0);
  });

  it('accepts unique versions', () => {
    expect(() => assertUniqueVersions([file('d', '1_a.sql', '1'), file('d', '2_b.sql', '2')])).not.toThrow();
    expect(() => assertUniqueVersions([])).not.toThrow();
  });

  it('rejects duplicates, naming both files', () => {
    let err: unknown;
    try {
      assertUniqueVersions([file('db/migrations', '1_a.sql', '1'), file('db/migrations', '1_e.sql', '1')]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MigrationError);
    const e = err as MigrationError;
    expect(e.code).toBe('DUPLICATE_VERSION');
    expect(e.message).toBe('duplicate migration version `1`: db/migrations/1_a.sql and db/migrations/1_e.sql');
    expect(e.hint).toContain('Rename');
  });

  it('lists every duplicated version', () => {
    expect(() =>
      assertUniqueVersions([
        file('a', '1_a.sql', '1'),
        file('b', '1_b.sql', '1'),
        file('a', '1_c.sql', '1'),
        file('a', '2_a.sql', '2'),
        file('b', '2_b.sql', '2'),
      ]),
    ).toThrow('duplicate migration version `1`: a/1_a.sql, b/1_b.sql and a/1_c.sql; `2`: a/2_a.sql and b/2_b.sql');
  });

  it('finds duplicates across directories on disk', async () => {
    await touch('a', ['1_a.sql']);
    await touch('b', ['1_e.sql']);
    const files = await findMigrationFiles(['a', 'b'], root);
    expect(() => assertUniqueVersions(files)).toThrow('duplicate migration version `1`: a/1_a.sql and b/1_e.sql');
  });
});

describe('new migration files', () => {
  it('names the file <UTC YYYYMMDDHHMMSS>_<name>.sql', () => {
    expect(newMigrationFileName('create_users', new Date(Date.UTC(2026, 10, 25, 18, 14, 50)))).toBe(
      '20261125181450_create_users.sql',
    );
    // Uses UTC fields, zero-padded.
    expect(newMigrationFileName('x', new Date('2024-01-02T03:04:05.999+05:00'))).toBe('20240101220405_x.sql');
  });

  it('rejects an empty name with dbmate\'s message', () => {
    expect(() => newMigrationFileName('', new Date())).toThrow('please specify a name for the new migration');
  });

  it('uses dbmate\'s 33-byte template', () => {
    expect(NEW_MIGRATION_TEMPLATE).toBe('-- migrate:up\n\n\n-- migrate:down\n\n');
    expect(Buffer.byteLength(NEW_MIGRATION_TEMPLATE)).toBe(33);
  });
});
