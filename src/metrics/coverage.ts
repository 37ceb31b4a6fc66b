import { readFile } from 'node:fs/promises';
import { findMigrationFiles } from '../engine/files.js';
import { parseMigration } from '../engine/parse.js';
import { isEmptySection } from '../engine/split.js';
import type { DownProofs } from './history-read.js';
import type { Coverage } from './types.js';

/**
 * How reversible the migration files are: which have a down section with a statement in it, and
 * which of those were proven (by `verify`, or by a rollback that ran) in their current form —
 * a proof recorded for an older version of a file does not count for the edited one.
 */
export async function migrationCoverage(dirs: string[], cwd: string, proofs: DownProofs): Promise<Coverage> {
  const files = await findMigrationFiles(dirs, cwd);
  const out: Coverage = { migrations: files.length, withDown: 0, withoutDown: [], verified: 0, downExercised: 0, unreadable: [] };
  for (const f of files) {
    let parsed;
    try {
      parsed = parseMigration(await readFile(f.absPath), f.displayPath);
    } catch {
      out.unreadable.push(f.displayPath);
      continue;
    }
    if (await isEmptySection(parsed.down)) {
      out.withoutDown.push(f.version);
      continue;
    }
    out.withDown++;
    if (proofs.verified.has(parsed.checksum)) out.verified++;
    if (proofs.exercised.has(parsed.checksum)) out.downExercised++;
  }
  return out;
}
