/**
 * The job summary and the failure issue as GitHub shows them (issue 16): rendered by a GFM
 * renderer (`marked`), in a page whose CSS copies what GitHub's markdown body does at its
 * 1012 px content width, opened in headless Chromium (Debian `chromium`). Nothing may scroll
 * sideways, no table may open with an empty header row, the error comes before the lint and is
 * said once, and the outcome is on the first screen.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { marked } from 'marked';
import type { Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { renderSummary } from '../src/action/summary.js';
import type { ActionRun } from '../src/action/run-result.js';
import { renderIssue } from '../src/github/issue.js';
import { visit } from './helpers/browser.js';
import { EMAIL_ERROR_TEXT, HEALTH_URL, dryRun, failedProductionRun, issueFactsOf, lintFailedRun, rolledBackRun } from './helpers/summary-runs.js';

const BROWSER_TIMEOUT = 120_000;
/** GitHub's content column: the job summary and an issue body at the default layout. */
const COLUMN = 1012;
/** The page: the column and a 16 px margin each side, so a page that grows sideways shows in the screenshot's width. */
const VIEWPORT = COLUMN + 32;
/** The height of the first screen a reader sees. */
const FIRST_SCREEN = 800;

/**
 * What GitHub's stylesheet (github-markdown-css, `.markdown-body`) does that decides widths:
 * 16 px body text that breaks long words, code at 85 % that wraps only at spaces, code blocks
 * that never wrap and scroll instead, tables as scrolling blocks as wide as their content.
 */
const GITHUB_CSS = `
body { margin: 0; padding: 0 16px; background: #ffffff; }
.markdown-body { box-sizing: border-box; width: ${COLUMN}px; color: #1f2328; font-family: -apple-system, BlinkMacSystemFont, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif; font-size: 16px; line-height: 1.5; word-wrap: break-word; }
.markdown-body h2 { font-size: 1.5em; font-weight: 600; margin: 24px 0 16px; padding-bottom: .3em; border-bottom: 1px solid #d1d9e0; }
.markdown-body h3 { font-size: 1.25em; font-weight: 600; margin: 24px 0 16px; }
.markdown-body p, .markdown-body ul, .markdown-body ol, .markdown-body pre, .markdown-body table, .markdown-body details, .markdown-body blockquote { margin-top: 0; margin-bottom: 16px; }
.markdown-body ul, .markdown-body ol { padding-left: 2em; }
.markdown-body li + li { margin-top: .25em; }
.markdown-body code, .markdown-body tt { padding: .2em .4em; margin: 0; font-size: 85%; white-space: break-spaces; background-color: #818b981f; border-radius: 6px; font-family: ui-monospace, SFMono-Regular, "SF Mono", Menlo, Consolas, "Liberation Mono", monospace; }
.markdown-body pre { padding: 16px; overflow: auto; font-size: 85%; line-height: 1.45; color: #1f2328; background-color: #f6f8fa; border-radius: 6px; word-wrap: normal; font-family: ui-monospace, SFMono-Regular, "SF Mono", Menlo, Consolas, "Liberation Mono", monospace; }
.markdown-body pre code { display: inline; padding: 0; margin: 0; overflow: visible; font-size: 100%; line-height: inherit; word-wrap: normal; word-break: normal; white-space: pre; background-color: transparent; border: 0; }
.markdown-body table { display: block; width: max-content; max-width: 100%; overflow: auto; border-spacing: 0; border-collapse: collapse; font-variant: tabular-nums; }
.markdown-body table th { font-weight: 600; }
.markdown-body table th, .markdown-body table td { padding: 6px 13px; border: 1px solid #d1d9e0; }
.markdown-body table tr { background-color: #ffffff; border-top: 1px solid #d1d9e0b3; }
.markdown-body details summary { cursor: pointer; display: list-item; }
.markdown-body sub { font-size: 75%; }
.markdown-body hr { height: .25em; padding: 0; margin: 24px 0; background-color: #d1d9e0; border: 0; }
`;

/** Pages and screenshots of the last run, kept to be looked at (each run starts it afresh). */
const dir = join(tmpdir(), 'db-migrate-summary-render');
beforeAll(async () => {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
});
afterAll(() => {
  process.stdout.write(`Summary and issue screenshots: ${dir}\n`);
});

/** Markdown as GitHub renders it (GFM), in the page above; `open` expands every `<details>` (to measure what it hides). */
function page(markdown: string, open: boolean): string {
  let html = marked.parse(markdown, { gfm: true, async: false });
  if (open) html = html.replace(/<details>/g, '<details open>');
  return `<!DOCTYPE html><html><head><meta charset="utf-8"><title>summary</title><style>${GITHUB_CSS}</style></head><body><article class="markdown-body">${html}</article></body></html>`;
}

/** What the checks read from a loaded page. */
interface Layout {
  /** Elements that scroll sideways or reach past the column: `tag: start of its text (scrollWidth/clientWidth, right edge)`. */
  tooWide: string[];
  /** Tables whose header row has no text in any cell. */
  emptyHeaders: number;
  /** Every `h2`/`h3` with its top, in page order. */
  headings: { text: string; top: number }[];
  /** The page's text. */
  text: string;
  /** The page's scrollable width. */
  scrollWidth: number;
}

/** The little of the DOM the in-page check reads (the tests compile without TypeScript's DOM library). */
interface Node {
  tagName: string;
  textContent: string | null;
  innerText: string;
  scrollWidth: number;
  clientWidth: number;
  parentElement: Node | null;
  getBoundingClientRect(): { left: number; right: number; top: number };
  closest(selector: string): Node | null;
  contains(other: Node): boolean;
  querySelector(selector: string): Node | null;
  querySelectorAll(selector: string): ArrayLike<Node>;
}
interface Window {
  scrollY: number;
  document: { documentElement: Node; body: Node; querySelector(selector: string): Node | null };
}

async function layout(p: Page): Promise<Layout> {
  return p.evaluate((column) => {
    const win = globalThis as unknown as Window;
    const doc = win.document;
    const article = doc.querySelector('article')!;
    const left = article.getBoundingClientRect().left;
    const inArticle = (el: Node) => el !== article && article.contains(el);
    const describe = (el: Node, why: string) => `${el.tagName.toLowerCase()}: ${(inArticle(el) ? (el.textContent ?? '') : '').replace(/\s+/g, ' ').trim().slice(0, 60)} (${why})`;
    const tooWide: string[] = [];
    for (const el of [doc.documentElement, doc.body, article, ...Array.from(article.querySelectorAll('*'))]) {
      // Scrolling: the page itself, the column, and GitHub's scrolling blocks (code blocks and tables).
      if (el.scrollWidth > el.clientWidth + 1 && (!inArticle(el) || el.tagName === 'PRE' || el.tagName === 'TABLE')) {
        tooWide.push(describe(el, `scrolls: ${el.scrollWidth}/${el.clientWidth}`));
      }
      // Reaching past the column; what a scrolling block clips is reported once, as the block's scrolling.
      const clipped = el.parentElement !== null && inArticle(el.parentElement) && el.parentElement.closest('pre, table') !== null;
      const right = el.getBoundingClientRect().right - left;
      if (inArticle(el) && !clipped && right > column + 1) tooWide.push(describe(el, `right edge at ${Math.round(right)}`));
    }
    const emptyHeaders = Array.from(article.querySelectorAll('table')).filter((t) => {
      const cells = Array.from(t.querySelectorAll('thead th'));
      return cells.length > 0 && cells.every((c) => (c.textContent ?? '').trim() === '');
    }).length;
    const headings = Array.from(article.querySelectorAll('h2, h3')).map((h) => ({ text: (h.textContent ?? '').trim(), top: Math.round(h.getBoundingClientRect().top + win.scrollY) }));
    return { tooWide, emptyHeaders, headings, text: article.innerText, scrollWidth: doc.documentElement.scrollWidth };
  }, COLUMN);
}

/** Render `markdown` twice, as GitHub shows it and with every `<details>` open; screenshots of both under the tmp dir. */
async function show(name: string, markdown: string): Promise<{ closed: Layout; open: Layout; shots: { closed: Buffer; open: Buffer } }> {
  const results = await Promise.all(
    (['closed', 'open'] as const).map(async (state) => {
      const file = join(dir, `${name}-${state}.html`);
      await writeFile(file, page(markdown, state === 'open'));
      const v = await visit(file, { width: VIEWPORT, screenshotPath: join(dir, `${name}-${state}.png`), inspect: layout });
      expect({ console: v.console, pageErrors: v.pageErrors, requests: v.requests }).toEqual({ console: [], pageErrors: [], requests: [] });
      return [state, v] as const;
    }),
  );
  const by = Object.fromEntries(results);
  return { closed: by.closed!.result, open: by.open!.result, shots: { closed: by.closed!.screenshot, open: by.open!.screenshot } };
}

/**
 * What a screenshot shows about width: its own width (a page wider than the viewport makes a wider
 * full-page screenshot), and whether anything is drawn in the right margin beyond the column.
 */
function screenshotWidth(png: Buffer): { width: number; inkRightOfColumn: number } {
  const img = PNG.sync.read(png);
  let ink = 0;
  for (let y = 0; y < img.height; y++) {
    for (let x = 16 + COLUMN + 2; x < img.width; x++) {
      const i = (y * img.width + x) * 4;
      if (img.data[i]! < 250 || img.data[i + 1]! < 250 || img.data[i + 2]! < 250) ink += 1;
    }
  }
  return { width: img.width, inkRightOfColumn: ink };
}

/** Occurrences of `needle` in `haystack`. */
function occurrences(haystack: string, needle: string): number {
  return haystack.split(needle).length - 1;
}

/** The checks every rendered summary and issue must pass. */
function expectFits(name: string, r: { closed: Layout; open: Layout; shots: { closed: Buffer; open: Buffer } }): void {
  for (const state of ['closed', 'open'] as const) {
    expect({ name, state, tooWide: r[state].tooWide, emptyHeaders: r[state].emptyHeaders, scrollWidth: r[state].scrollWidth }).toEqual({
      name,
      state,
      tooWide: [],
      emptyHeaders: 0,
      scrollWidth: VIEWPORT,
    });
    expect({ name, state, ...screenshotWidth(r.shots[state]) }).toEqual({ name, state, width: VIEWPORT, inkRightOfColumn: 0 });
  }
}

function top(l: Layout, heading: RegExp): number {
  const h = l.headings.find((x) => heading.test(x.text));
  if (!h) throw new Error(`no heading ${heading} among ${l.headings.map((x) => x.text).join(' | ')}`);
  return h.top;
}

const cases: [string, () => Promise<ActionRun>][] = [
  ['failed production run', failedProductionRun],
  ['rolled-back run', rolledBackRun],
  ['dry run', dryRun],
  ['lint-failed run', lintFailedRun],
];

describe('the job summary in Chromium at GitHub’s 1012 px', () => {
  it.each(cases)(
    '%s: nothing scrolls sideways, no empty header row',
    async (name, build) => {
      const run = await build();
      const r = await show(`summary-${name.replace(/\W+/g, '-')}`, renderSummary(run));
      expectFits(name, r);
      // The outcome is the first heading; the error, when there is one, is on the first screen.
      expect(r.closed.headings[0]!.top).toBeLessThan(60);
      if (run.error) expect(top(r.closed, /Error$/)).toBeLessThan(FIRST_SCREEN / 2);
      // The history closes the page.
      if (run.recentRuns) expect(r.closed.headings.at(-1)!.text).toMatch(/^Last (\d+ runs|run) in /);
    },
    BROWSER_TIMEOUT,
  );

  it(
    'a failed production run: error, then what changed, rollback, backup, lint (collapsed), warnings, history; the error said once',
    async () => {
      const run = await failedProductionRun();
      const r = await show('summary-order', renderSummary(run));
      const order = r.closed.headings.map((h) => h.text.replace(/^\W+\s*/u, ''));
      expect(order).toEqual([
        'Migration failed on production — the automatic rollback stopped, 1 migration of this run still applied',
        'Error',
        'Result',
        'Automatic rollback (incomplete)',
        'Backup',
        'Migration lint',
        'Warnings',
        'Notes',
        'Last 4 runs in production',
      ]);
      expect(top(r.closed, /Error$/)).toBeLessThan(top(r.closed, /Migration lint$/));
      expect(occurrences(r.closed.text, EMAIL_ERROR_TEXT)).toBe(1);
      expect(occurrences(r.open.text, EMAIL_ERROR_TEXT)).toBe(1);
      // Collapsed, the lint's findings take no room: the page is shorter than with them open.
      const closedHeight = PNG.sync.read(r.shots.closed).height;
      const openHeight = PNG.sync.read(r.shots.open).height;
      expect(openHeight - closedHeight).toBeGreaterThan(300);
      expect(r.closed.text).not.toContain('Safe alternative');
      // The restore command is all there, on lines that fit.
      expect(r.closed.text).toContain('pg_restore --no-owner');
      expect(r.closed.text).toContain('production-shop-20261121T080512Z-v20261120093000.dump');
    },
    BROWSER_TIMEOUT,
  );

  it(
    'a lint-failed run: the failing finding is the error (file:line, rule), shown open above the other findings',
    async () => {
      const run = await lintFailedRun();
      const r = await show('summary-lint-order', renderSummary(run));
      const errorTop = top(r.closed, /Error$/);
      expect(errorTop).toBeLessThan(top(r.closed, /Migration lint$/));
      const failing = 'require-concurrent-index at db/migrations/20261121080000_add_users_email_lower_index_for_case_insensitive_login.sql:4:1';
      expect(occurrences(r.closed.text, failing)).toBe(1);
      expect(r.closed.text.indexOf(failing)).toBeLessThan(r.closed.text.lastIndexOf('Migration lint'));
      expect(occurrences(r.open.text, 'require-concurrent-index at')).toBe(1);
    },
    BROWSER_TIMEOUT,
  );

  it(
    'a rolled-back run: the failed health check is the error, its long URL said once and wrapped',
    async () => {
      const run = await rolledBackRun();
      const r = await show('summary-health', renderSummary(run));
      expect(occurrences(r.closed.text, HEALTH_URL)).toBe(1);
      expect(top(r.closed, /Error$/)).toBeLessThan(top(r.closed, /Result$/));
      // The checks' table is the error's detail, not a section of its own.
      expect(r.closed.headings.map((h) => h.text).filter((t) => /Health checks/.test(t))).toEqual(["↩️ Health checks failed on staging: this run's migrations were rolled back"]);
    },
    BROWSER_TIMEOUT,
  );
});

describe('the failure issue in Chromium at GitHub’s 1012 px', () => {
  it.each(cases.filter(([name]) => name !== 'dry run'))(
    '%s: nothing scrolls sideways, no empty header row or section',
    async (name, build) => {
      const run = await build();
      const { body } = renderIssue(issueFactsOf(run));
      const r = await show(`issue-${name.replace(/\W+/g, '-')}`, body);
      expectFits(name, r);
      // No heading is followed directly by another heading: every section has something in it.
      const html = marked.parse(body, { gfm: true, async: false });
      expect(html).not.toMatch(/<\/h\d>\s*<h\d/);
    },
    BROWSER_TIMEOUT,
  );

  it(
    'a failed production run: the message once, the SQLSTATE once, no error code made of it',
    async () => {
      const run = await failedProductionRun();
      const { body } = renderIssue(issueFactsOf(run));
      const r = await show('issue-once', body);
      expect(occurrences(r.closed.text, EMAIL_ERROR_TEXT)).toBe(1);
      expect(occurrences(r.closed.text, '42703')).toBe(1);
      expect(r.closed.text).not.toContain('SQL_42703');
    },
    BROWSER_TIMEOUT,
  );
});

describe('the detectors themselves (negative controls)', () => {
  it(
    'see a code line that scrolls, a table wider than the column, an empty header row and a page that grows sideways',
    async () => {
      const md = [
        '| | |',
        '|---|---|',
        '| a | b |',
        '',
        '```sh',
        `pg_restore ${'--an-option-that-goes-on '.repeat(8)}`,
        '```',
        '',
        `| ${Array.from({ length: 12 }, (_, i) => `\`header_${i}_long\``).join(' | ')} |`,
        `|${Array.from({ length: 12 }, () => '---').join('|')}|`,
        `| ${Array.from({ length: 12 }, () => 'x').join(' | ')} |`,
        '',
        `<div style="width: ${COLUMN + 200}px">a block wider than the column</div>`,
      ].join('\n');
      const r = await show('negative', md);
      expect(r.closed.emptyHeaders).toBe(1);
      expect(r.closed.tooWide).toEqual([
        'html:  (scrolls: 1228/1044)',
        'body:  (scrolls: 1228/1044)',
        'article:  (scrolls: 1212/1012)',
        expect.stringMatching(/^pre: pg_restore --an-option-that-goes-on .*\(scrolls: \d+\/1012\)$/),
        expect.stringMatching(/^table: header_0_long header_1_long .*\(scrolls: \d+\/1012\)$/),
        `div: a block wider than the column (right edge at ${COLUMN + 200})`,
      ]);
      expect(r.closed.scrollWidth).toBeGreaterThan(VIEWPORT);
      const shot = screenshotWidth(r.shots.closed);
      expect(shot.width).toBeGreaterThan(VIEWPORT);
    },
    BROWSER_TIMEOUT,
  );
});
