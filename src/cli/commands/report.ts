import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { CliOptions } from '../args/options.js';
import type { DatabaseTarget } from '../../engine/url.js';
import { collectHistory, collectReport, type HistorySource } from '../../metrics/collect.js';
import { parseSince } from '../../metrics/since.js';
import { renderHtml } from '../../metrics/html.js';
import { renderMarkdown } from '../../metrics/markdown.js';
import { renderHistoryText, renderText } from '../../metrics/text.js';
import type { DatabaseCommandContext, Out } from './context.js';
import { connectTimeoutMs } from '../context.js';

function source(opts: CliOptions, target: DatabaseTarget): HistorySource {
  return { target, migrationsTable: opts.migrationsTable, historyTable: opts.historyTable ?? '', connectTimeoutMs: connectTimeoutMs(opts, target) };
}

/** `db-migrate-action history`: the audit trail, newest first. */
export async function historyCommand({ opts, target, out }: DatabaseCommandContext): Promise<number> {
  const rows = await collectHistory(source(opts, target), { environment: opts.environment, limit: opts.limit ?? 50 });
  if (opts.json) out(`${JSON.stringify(rows ?? [], null, 2)}\n`);
  else if (rows === null) out('No history table in this database: nothing has been recorded yet.\n');
  else out(renderHistoryText(rows));
  return 0;
}

/** `db-migrate-action report`: per-environment reliability over a window, as text, markdown, JSON and/or HTML. */
export async function reportCommand({ opts, target, io, out }: DatabaseCommandContext): Promise<number> {
  const cwd = io.cwd;
  // With --json or --markdown stdout is the document alone; the HTML file's note goes to stderr then.
  const info: Out = opts.json || opts.markdown ? (s) => io.stderr(s) : out;
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
