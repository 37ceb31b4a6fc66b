import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { CliOptions } from '../args/options.js';
import type { DatabaseTarget } from '../../engine/url.js';
import { collectHistory, collectReport, type HistorySource } from '../../metrics/collect.js';
import { parseSince } from '../../metrics/since.js';
import { renderHtml } from '../../metrics/html.js';
import { renderMarkdown } from '../../metrics/markdown.js';
import { renderHistoryText, renderText } from '../../metrics/text.js';

type Out = (s: string) => void;

function source(opts: CliOptions, target: DatabaseTarget): HistorySource {
  return { target, migrationsTable: opts.migrationsTable, historyTable: opts.historyTable ?? '' };
}

/** `db-migrate history`: the audit trail, newest first. */
export async function historyCommand(opts: CliOptions, target: DatabaseTarget, out: Out): Promise<number> {
  const rows = await collectHistory(source(opts, target), { environment: opts.environment, limit: opts.limit ?? 50 });
  if (opts.json) out(`${JSON.stringify(rows ?? [], null, 2)}\n`);
  else if (rows === null) out('No history table in this database: nothing has been recorded yet.\n');
  else out(renderHistoryText(rows));
  return 0;
}

/** `db-migrate report`: per-environment reliability over a window, as text, markdown, JSON and/or HTML. */
export async function reportCommand(opts: CliOptions, target: DatabaseTarget, cwd: string, out: Out, info: Out): Promise<number> {
  const report = await collectReport({
    ...source(opts, target),
    since: parseSince(opts.since ?? '30d'),
    ...(opts.environment ? { environment: opts.environment } : {}),
    migrationsDirs: [...opts.migrationsDirs],
    cwd,
  });
  if (opts.htmlFile) {
    const file = resolve(cwd, opts.htmlFile);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, renderHtml(report));
    info(`Wrote the HTML report to ${opts.htmlFile}\n`);
  }
  if (opts.json) out(`${JSON.stringify(report, null, 2)}\n`);
  else if (opts.markdown) out(renderMarkdown(report));
  else out(renderText(report));
  return 0;
}
