/**
 * The HTML report in a real browser (Debian `chromium`): it must load without console errors or
 * requests (self-contained), draw its charts, and show every string from the data as text.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { OUTCOME_COLOURS, renderHtml } from '../src/metrics/html.js';
import { distribution } from '../src/metrics/report.js';
import type { EnvironmentReport, MigrationReport, RunKind, RunOutcome, RunSummary } from '../src/metrics/types.js';
import { visit } from './helpers/browser.js';

const BROWSER_TIMEOUT = 120_000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const GENERATED = new Date('2026-11-25T12:00:00Z');
const SINCE = new Date(GENERATED.getTime() - 21 * DAY);
const SCREENSHOT = join(tmpdir(), 'db-migrate-report.png');

// ---------------------------------------------------------------- fixtures

/** S: success, B: a deliberate rollback (success of kind rollback), R: rolled back, F: failed. */
const CODES: Record<string, { outcome: RunOutcome; kind: RunKind }> = {
  S: { outcome: 'success', kind: 'up' },
  B: { outcome: 'success', kind: 'rollback' },
  R: { outcome: 'rolled-back', kind: 'up' },
  F: { outcome: 'failed', kind: 'up' },
};

const ERRORS = [
  'ERROR: column "email" of relation "users" already exists (SQLSTATE 42701)',
  'ERROR: could not create unique index "orders_ref_key"\nDETAIL: Key (ref)=(A-1042) is duplicated.',
  'canceling statement due to lock timeout',
];

let versionSeq = 0;
/** A version written a few hours before the run that applies it. */
function versionBefore(t: Date, i: number): string {
  versionSeq += 1;
  return new Date(t.getTime() - (3 + i) * HOUR - (versionSeq % 60) * 60_000).toISOString().replace(/\D/g, '').slice(0, 14);
}

/** Runs of one environment spread over the 3-week window; `pattern` is one letter per run (S, B, R, F). */
function runsFor(environment: string, pattern: string, baseMs: number, offsetHours: number): RunSummary[] {
  const codes = [...pattern];
  return codes.map((code, i) => {
    const { outcome, kind } = CODES[code];
    const startedAt = new Date(SINCE.getTime() + ((i + 0.5) * 21 * DAY) / codes.length + offsetHours * HOUR);
    // Deterministic wobble, so the lines have a shape without a random seed.
    const durationMs = Math.round(baseMs * (1 + 0.6 * Math.sin(i * 1.7 + offsetHours)) * (outcome === 'failed' ? 0.5 : 1));
    const versions = kind === 'rollback' ? [] : Array.from({ length: 1 + (i % 3) }, (_, k) => versionBefore(startedAt, 2 - k));
    const failed = outcome === 'failed' ? versions.pop()! : null;
    return {
      key: `${environment}-${i}`,
      environment,
      startedAt,
      finishedAt: new Date(startedAt.getTime() + durationMs),
      durationMs,
      kind,
      outcome,
      applied: kind === 'rollback' ? [] : versions,
      rolledBack: kind === 'rollback' ? ['20261101000000'] : outcome === 'rolled-back' ? [...versions].reverse() : [],
      failedVersion: failed,
      error: failed ? ERRORS[i % ERRORS.length] : null,
      sqlstate: failed ? '42701' : null,
      actor: ['alice', 'bob', 'dependabot[bot]'][i % 3],
      gitSha: (0x9f3c2a1b7e + i * 7919).toString(16).padEnd(40, '0'),
      runUrl: `https://github.com/acme/shop/actions/runs/${7_100_000 + i}`,
    };
  });
}

/** The figures the report module would compute, worked out plainly from the runs. */
function environmentReport(environment: string, runs: RunSummary[]): EnvironmentReport {
  const ok = (r: RunSummary) => r.outcome === 'success';
  const succeeded = runs.filter(ok).length;
  let incidents = 0;
  let recovered = 0;
  let openSince: Date | null = null;
  let repair = 0;
  for (const r of runs) {
    if (!ok(r) && !openSince) [incidents, openSince] = [incidents + 1, r.finishedAt];
    else if (ok(r) && openSince) [recovered, repair, openSince] = [recovered + 1, repair + r.finishedAt.getTime() - openSince.getTime(), null];
  }
  const migrations = runs.flatMap((r) => r.applied.map((v) => ({ version: v, file: `${v}_change.sql`, durationMs: Math.round(r.durationMs / r.applied.length), startedAt: r.startedAt })));
  const automatic = runs.filter((r) => r.outcome === 'rolled-back').length;
  const manual = runs.filter((r) => r.kind === 'rollback').length;
  return {
    environment,
    runs: runs.length,
    succeeded,
    failed: runs.length - succeeded,
    successRate: runs.length ? succeeded / runs.length : null,
    runDurationMs: distribution(runs.map((r) => r.durationMs)),
    migrationDurationMs: distribution(migrations.map((m) => m.durationMs)),
    migrationsApplied: migrations.length,
    rollbacks: { automatic, manual, rate: runs.length ? (automatic + manual) / runs.length : null },
    recovery: { incidents, recovered, mttrMs: recovered ? repair / recovered : null, openSince },
    slowest: [...migrations].sort((a, b) => b.durationMs - a.durationMs).slice(0, 5),
    lastRun: runs.at(-1) ?? null,
  };
}

function report(runsByEnv: Record<string, RunSummary[]>, extra: Partial<MigrationReport> = {}): MigrationReport {
  const runs = Object.values(runsByEnv)
    .flat()
    .sort((a, b) => a.finishedAt.getTime() - b.finishedAt.getTime());
  return {
    generatedAt: GENERATED,
    since: SINCE,
    database: 'postgres://app:***@db.internal:5432/shop',
    historyAvailable: true,
    environments: Object.entries(runsByEnv).map(([env, rs]) => environmentReport(env, rs)),
    runs,
    coverage: null,
    ...extra,
  };
}

/** 3 environments, 30 runs over 3 weeks, every outcome; staging ends on an open incident. */
function mainReport(): MigrationReport {
  return report(
    {
      development: runsFor('development', 'SSFSSSBSSRSS', 900, 0),
      staging: runsFor('staging', 'SSRSSSFSSF', 4_200, 5),
      production: runsFor('production', 'SSSFSSBS', 24_000, 11),
    },
    {
      coverage: {
        migrations: 24,
        withDown: 21,
        withoutDown: ['20261105090000', '20261112030000', '20261119210000'],
        verified: 15,
        downExercised: 4,
        unreadable: ['20261120120000_backfill.sql'],
      },
    },
  );
}

// ---------------------------------------------------------------- helpers

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'report-html-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function writePage(name: string, html: string): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, html);
  return file;
}

/** Counts pixels of exactly one colour (±2 per channel, for rounding in the compositor). */
function pixelCounter(png: Buffer): (hex: string) => number {
  const { data } = PNG.sync.read(png);
  return (hex) => pixelsOf(data, hex);
}

function pixelsOf(data: Buffer, hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  let n = 0;
  // No Math.abs: globals are slow inside jest's vm context, and this runs for every pixel.
  for (let i = 0; i < data.length; i += 4) {
    const dr = data[i] - r;
    const dg = data[i + 1] - g;
    const db = data[i + 2] - b;
    if (dr <= 2 && dr >= -2 && dg <= 2 && dg >= -2 && db <= 2 && db >= -2) n += 1;
  }
  return n;
}

function expectClean(v: { console: string[]; pageErrors: string[]; requests: string[]; dialogs: string[] }): void {
  expect({ console: v.console, pageErrors: v.pageErrors, requests: v.requests, dialogs: v.dialogs }).toEqual({
    console: [],
    pageErrors: [],
    requests: [],
    dialogs: [],
  });
}

// ---------------------------------------------------------------- tests

describe('HTML report in Chromium', () => {
  it(
    'loads cleanly, draws a point per run and a bar per outcome, and shows the outcome colours',
    async () => {
      const r = mainReport();
      expect(r.runs).toHaveLength(30);
      const file = await writePage('report.html', renderHtml(r));
      const v = await visit(file, {
        screenshotPath: SCREENSHOT,
        inspect: async (page) => ({
          points: await page.locator('svg.chart-runs .pt').count(),
          rollbackPoints: await page.locator('svg.chart-runs .pt[data-kind="rollback"]').count(),
          rollbackBadges: await page.locator('table.runs .badge[data-kind="rollback"]').allTextContents(),
          pointsBy: Object.fromEntries(
            await Promise.all(Object.keys(OUTCOME_COLOURS).map(async (o) => [o, await page.locator(`svg.chart-runs .pt[data-outcome="${o}"]`).count()])),
          ) as Record<string, number>,
          bars: await page.locator('svg.chart-outcomes .bar').evaluateAll((els) => els.map((e) => `${e.getAttribute('data-environment')}/${e.getAttribute('data-outcome')}=${e.getAttribute('data-count')}`)),
          yTicks: await page.locator('svg.chart-runs text.tick').allTextContents(),
          cards: await page.locator('.card h3').allTextContents(),
          runRows: await page.locator('table.runs tr.run').count(),
          firstRun: await page.locator('table.runs tr.run').first().locator('td').first().textContent(),
          links: await page.locator('table.runs a').count(),
          scripts: await page.locator('script').count(),
          tooltip: await page.locator('svg.chart-runs .pt title').first().textContent(),
        }),
      });
      expectClean(v);

      const d = v.result;
      expect(d.points).toBe(30);
      const count = (o: RunOutcome) => r.runs.filter((x) => x.outcome === o).length;
      expect(d.pointsBy).toEqual({ success: count('success'), failed: count('failed'), 'rolled-back': count('rolled-back'), cancelled: count('cancelled') });
      // A deliberate rollback is a success, and says it was a rollback.
      expect(d.rollbackPoints).toBe(r.runs.filter((x) => x.kind === 'rollback').length);
      expect(d.rollbackBadges).toEqual(['success (rollback)', 'success (rollback)']);
      // One bar segment per (environment, outcome) that occurred, carrying its count.
      expect(d.bars.sort()).toEqual(
        [
          'development/success=10',
          'development/failed=1',
          'development/rolled-back=1',
          'staging/success=7',
          'staging/rolled-back=1',
          'staging/failed=2',
          'production/success=7',
          'production/failed=1',
        ].sort(),
      );
      expect(d.cards).toEqual(['development', 'staging', 'production']);
      // Each panel picks its own unit: development's runs are under 2 s, production's are tens of seconds.
      expect(d.yTicks.some((t) => / ms$/.test(t))).toBe(true);
      expect(d.yTicks.some((t) => / s$/.test(t))).toBe(true);
      expect(d.yTicks.some((t) => /^Nov \d+$/.test(t))).toBe(true);
      expect(d.runRows).toBe(30);
      const newest = [...r.runs].sort((a, b) => b.startedAt.getTime() - a.startedAt.getTime())[0];
      expect(d.firstRun).toBe(newest.startedAt.toISOString().slice(0, 16).replace('T', ' '));
      expect(d.links).toBe(30);
      expect(d.scripts).toBe(0);
      // Hovering a point says what the run was: the first development run, here.
      const first = r.runs.filter((x) => x.environment === 'development')[0];
      expect(d.tooltip?.split('\n')).toEqual([
        `development · ${first.startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC`,
        `success in ${first.durationMs} ms`,
        `versions: ${first.applied.join(', ')}`,
        'actor: alice',
        `commit: ${first.gitSha?.slice(0, 7)}`,
      ]);

      const pixels = pixelCounter(v.screenshot);
      for (const [outcome, colour] of Object.entries(OUTCOME_COLOURS)) {
        expect({ outcome, enough: pixels(colour) >= 30 }).toEqual({ outcome, enough: true });
      }
      process.stdout.write(`HTML report screenshot: ${SCREENSHOT}\n`);
    },
    BROWSER_TIMEOUT,
  );

  it(
    'shows no colour for an outcome that did not happen (and copes with an environment that only fails)',
    async () => {
      const r = report({ production: runsFor('production', 'SSSSS', 3_000, 0), hotfix: runsFor('hotfix', 'FFF', 800, 3) });
      const file = await writePage('no-rollbacks.html', renderHtml(r));
      const v = await visit(file, {
        inspect: async (page) => ({
          legend: await page.locator('.legend').first().locator('li').allTextContents(),
          hotfixCard: await page.locator('.card', { hasText: 'hotfix' }).textContent(),
        }),
      });
      expectClean(v);
      const pixels = pixelCounter(v.screenshot);
      expect(pixels(OUTCOME_COLOURS.success)).toBeGreaterThanOrEqual(30);
      expect(pixels(OUTCOME_COLOURS.failed)).toBeGreaterThanOrEqual(30);
      expect(pixels(OUTCOME_COLOURS['rolled-back'])).toBe(0);
      expect(v.result.legend).toEqual(['success', 'failed']);
      expect(v.result.hotfixCard).toContain('0.0%');
      expect(v.result.hotfixCard).toContain('Failing since');
    },
    BROWSER_TIMEOUT,
  );

  it(
    'shows hostile strings from the audit table as text',
    async () => {
      const hostile = '</td><script>alert(1)</script>';
      const [run] = runsFor('production', 'F', 1_000, 0);
      Object.assign(run, {
        error: hostile,
        actor: '"quoted" & <b>bold</b>',
        runUrl: 'javascript:alert(3)',
        failedVersion: '<img src=x onerror=alert(2)>',
      });
      const r = report({ '<i>prod</i>': [{ ...run, environment: '<i>prod</i>' }] }, { database: 'postgres://u:***@h/db?app=<svg onload=alert(4)>' });
      const html = renderHtml(r);
      expect(html).not.toMatch(/<script|<img|<svg onload|<b>|<i>/i);
      const file = await writePage('hostile.html', html);
      const v = await visit(file, {
        inspect: async (page) => ({
          error: await page.locator('table.runs .error').textContent(),
          environment: await page.locator('.card h3').textContent(),
          database: await page.locator('.meta code').textContent(),
          actorCell: await page.locator('table.runs tr.run td').nth(7).textContent(),
          injected: await page.locator('script, img, b, i, svg[onload]').count(),
          links: await page.locator('a').count(),
          tooltip: await page.locator('svg.chart-runs .pt title').textContent(),
        }),
      });
      expectClean(v);
      expect(v.result).toEqual({
        error: hostile,
        environment: '<i>prod</i>',
        database: 'postgres://u:***@h/db?app=<svg onload=alert(4)>',
        actorCell: '"quoted" & <b>bold</b>',
        injected: 0,
        links: 0,
        tooltip: expect.stringContaining(`error: ${hostile}`),
      });
    },
    BROWSER_TIMEOUT,
  );

  describe('empty states', () => {
    const cases: [string, () => MigrationReport, string[]][] = [
      ['no audit table', () => ({ ...report({}), historyAvailable: false }), ['No migration history yet']],
      [
        'no runs in the window, with coverage',
        () => report({}, { since: null, coverage: { migrations: 0, withDown: 0, withoutDown: [], verified: 0, downExercised: 0, unreadable: [] } }),
        ['No runs in this window', 'Reversibility', '—'],
      ],
      ['one run', () => report({ staging: runsFor('staging', 'S', 1_500, 0) }), ['1 run(s)', '100.0%']],
      [
        'an environment without runs (null distributions)',
        () => {
          const r = report({ staging: runsFor('staging', 'SB', 1_500, 0) });
          r.environments.push(environmentReport('production', []));
          return r;
        },
        ['no runs in this window', 'production'],
      ],
    ];
    it.each(cases)(
      '%s',
      async (name, build, texts) => {
        const r = build();
        const file = await writePage(`${name.replace(/\W+/g, '-')}.html`, renderHtml(r));
        const v = await visit(file, {
          inspect: async (page) => ({ text: await page.locator('body').innerText(), points: await page.locator('svg.chart-runs .pt').count() }),
        });
        expectClean(v);
        for (const t of texts) expect(v.result.text).toContain(t);
        expect(v.result.points).toBe(r.runs.length);
        expect(v.result.text).not.toMatch(/NaN|undefined|Infinity|null/);
      },
      BROWSER_TIMEOUT,
    );
  });

  describe('the detector itself (negative controls)', () => {
    it(
      'reports a console error, a page error and a dialog, and counts coloured pixels',
      async () => {
        const file = await writePage(
          'noisy.html',
          `<!DOCTYPE html><title>noisy</title><div style="width:10px;height:10px;background:${OUTCOME_COLOURS['rolled-back']}"></div><script>console.error('boom'); alert('hi'); throw new Error('kaput')</script>`,
        );
        const v = await visit(file);
        expect(v.console).toEqual([expect.stringContaining('boom')]);
        expect(v.pageErrors).toEqual([expect.stringContaining('kaput')]);
        expect(v.dialogs).toEqual(['hi']);
        const pixels = pixelCounter(v.screenshot);
        expect(pixels(OUTCOME_COLOURS['rolled-back'])).toBe(100);
        expect(pixels(OUTCOME_COLOURS.failed)).toBe(0);
      },
      BROWSER_TIMEOUT,
    );

    it(
      'reports a request for anything besides the page',
      async () => {
        const file = await writePage('fetches.html', '<!DOCTYPE html><title>fetches</title><img src="http://127.0.0.1:9/x.png" alt="">');
        const v = await visit(file);
        expect(v.requests).toEqual(['http://127.0.0.1:9/x.png']);
      },
      BROWSER_TIMEOUT,
    );

    it('says how to get Chromium when it is missing', async () => {
      const saved = process.env.CHROMIUM_PATH;
      process.env.CHROMIUM_PATH = '/nonexistent/chromium';
      try {
        await expect(visit(join(dir, 'report.html'))).rejects.toThrow(
          'Chromium not found at /nonexistent/chromium: install it (apt-get install chromium) or set CHROMIUM_PATH',
        );
      } finally {
        if (saved === undefined) delete process.env.CHROMIUM_PATH;
        else process.env.CHROMIUM_PATH = saved;
      }
    });
  });
});
