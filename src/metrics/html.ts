import { RUN_OUTCOME_LABELS, runOutcomeLabel, type RunOutcome } from '../engine/vocabulary.js';
import { duration } from '../text/units.js';
import { percent, when, windowText } from './format.js';
import { isSuccess } from './runs.js';
import type { Coverage, Distribution, EnvironmentReport, MigrationReport, RunSummary } from './types.js';

/**
 * Outcome colours, used for outcomes and nothing else (so a colour in the page means an outcome).
 * GitHub Primer's green/red/amber and a grey: saturated, and told apart by red-green colour-blind
 * readers through their lightness and through the marker shapes below.
 */
export const OUTCOME_COLOURS: Readonly<Record<RunOutcome, string>> = {
  success: '#1a7f37',
  'rolled-back': '#bf8700',
  cancelled: '#6e7781',
  failed: '#cf222e',
};

/** Stacking and legend order, good news first: the colours' (a record of every outcome, so none is left out). */
const OUTCOMES = Object.keys(OUTCOME_COLOURS) as RunOutcome[];

/** How many runs the "recent runs" table shows; the charts show all of them. */
const RECENT_RUNS = 50;

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Escape text for HTML content and double-quoted attributes (SVG included); quotes too, unlike the markdown helper. */
function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * The whole report as one self-contained HTML document: inline CSS and SVG, no script, and a CSP
 * that lets the browser refuse anything else, so the file can be mailed or attached as it is.
 */
export function renderHtml(report: MigrationReport): string {
  const title = `Migration report — ${report.database}`;
  const coverage = report.coverage ? coverageSection(report.coverage) : '';
  // Summaries first, then the long tables a reader only scans when looking for something.
  const body = report.historyAvailable
    ? [overview(report), environmentCards(report.environments), charts(report), coverage, slowest(report.environments), recentRuns(report.runs)]
    : [
        `<section class="notice"><h2>No migration history yet</h2><p>The audit table (by default <code>schema_migrations_history</code>) does not exist in this database: nothing has been recorded yet, or recording is disabled.</p></section>`,
        coverage,
      ];
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="db-migrate-action report">
<title>${escapeHtml(title)}</title>
<link rel="icon" href="data:,">
<style>${CSS}</style>
</head>
<body>
<header>
<h1>Migration report</h1>
<dl class="meta">
<div><dt>Database</dt><dd><code>${escapeHtml(report.database)}</code></dd></div>
<div><dt>Window</dt><dd>${escapeHtml(windowText(report))}</dd></div>
<div><dt>Generated</dt><dd>${escapeHtml(when(report.generatedAt))}</dd></div>
</dl>
</header>
<main>
${body.filter(Boolean).join('\n')}
</main>
</body>
</html>
`;
}

function overview(report: MigrationReport): string {
  const runs = report.runs.length;
  const ok = report.runs.filter((r) => isSuccess(r.outcome)).length;
  const open = report.environments.filter((e) => e.recovery.openSince).map((e) => e.environment);
  const tiles = [
    tile('Runs', String(runs)),
    tile('Success rate', runs ? percent(ok / runs) : '—'),
    tile('Environments', String(report.environments.length)),
    tile('Open incidents', open.length ? escapeHtml(open.join(', ')) : 'none', open.length > 0),
  ];
  return `<section class="tiles">${tiles.join('')}</section>`;
}

function tile(label: string, valueHtml: string, alert = false): string {
  return `<div class="tile${alert ? ' alert' : ''}"><div class="label">${label}</div><div class="value">${valueHtml}</div></div>`;
}

function environmentCards(envs: readonly EnvironmentReport[]): string {
  if (envs.length === 0) return '';
  const cards = envs.map((e) => {
    const rb = e.rollbacks;
    const rec = e.recovery;
    const rows: [string, string][] = [
      ['Runs', `${e.runs} <span class="muted">· ${e.succeeded} ok · ${e.failed} failed</span>`],
      ['Migrations', `${e.migrationsApplied} applied`],
      ['Rollbacks', `${rb.automatic} automatic · ${rb.manual} manual${e.runs ? ` <span class="muted">(${percent(rb.rate)} of runs)</span>` : ''}`],
      ['Time to recovery', `${rec.recovered ? duration(rec.mttrMs) : '—'} <span class="muted">· ${rec.incidents} incident(s), ${rec.recovered} recovered</span>`],
      ['Last run', e.lastRun ? `${badge(e.lastRun)} <span class="muted">${escapeHtml(when(e.lastRun.finishedAt))}</span>` : '—'],
    ];
    const open = rec.openSince ? `<p class="open">Failing since ${escapeHtml(when(rec.openSince))}</p>` : '';
    return `<article class="card">
<div class="card-head"><h3>${escapeHtml(e.environment)}</h3><div><span class="big">${percent(e.successRate)}</span> <span class="muted">success</span></div></div>
${open}<table class="dist"><thead><tr><th>Duration</th><th class="num">p50</th><th class="num">p95</th><th class="num">max</th></tr></thead><tbody>${distRow('Run', e.runDurationMs)}${distRow('Migration', e.migrationDurationMs)}</tbody></table>
<dl>${rows.map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`).join('')}</dl>
</article>`;
  });
  return `<section><h2>Environments</h2><div class="cards">${cards.join('\n')}</div></section>`;
}

function distRow(label: string, d: Distribution): string {
  return `<tr><td>${label}</td>${[d.p50, d.p95, d.max].map((v) => `<td class="num">${duration(v)}</td>`).join('')}</tr>`;
}

/** A run's outcome with its marker; a deliberate rollback says so (`success (rollback)`). */
function badge(run: Pick<RunSummary, 'outcome' | 'kind'>): string {
  return `<span class="badge" data-outcome="${run.outcome}" data-kind="${run.kind}"><svg width="12" height="12" viewBox="0 0 12 12" aria-hidden="true">${marker(run.outcome, 6, 6, 4.5)}</svg>${escapeHtml(runOutcomeLabel(run))}</span>`;
}

/**
 * A marker whose shape, as well as its colour, says the outcome, so the chart survives grey-scale
 * printing and colour-blindness.
 */
function marker(outcome: RunOutcome, x: number, y: number, r: number): string {
  const fill = `fill="${OUTCOME_COLOURS[outcome]}"`;
  const p = (pts: [number, number][]) => `<path ${fill} d="M${pts.map(([a, b]) => `${fx(x + a * r)},${fx(y + b * r)}`).join('L')}Z"/>`;
  switch (outcome) {
    case 'success':
      return `<circle ${fill} cx="${fx(x)}" cy="${fx(y)}" r="${r}"/>`;
    case 'rolled-back':
      return `<rect ${fill} x="${fx(x - r * 0.9)}" y="${fx(y - r * 0.9)}" width="${fx(r * 1.8)}" height="${fx(r * 1.8)}"/>`;
    case 'failed':
      return p([[0, -1.25], [1.25, 0], [0, 1.25], [-1.25, 0]]);
    case 'cancelled':
      return p([[-1, -1], [1, 1], [1, -1], [-1, 1]]);
  }
}

function fx(n: number): string {
  return String(Math.round(n * 10) / 10);
}

function legend(outcomes: readonly RunOutcome[]): string {
  const items = outcomes.map(
    (o) => `<li data-outcome="${o}"><svg width="14" height="14" viewBox="0 0 14 14" aria-hidden="true">${marker(o, 7, 7, 5.5)}</svg>${escapeHtml(RUN_OUTCOME_LABELS[o])}</li>`,
  );
  return `<ul class="legend">${items.join('')}</ul>`;
}

function charts(report: MigrationReport): string {
  if (report.runs.length === 0) return `<section><h2>Charts</h2><p class="empty">No runs in this window.</p></section>`;
  // The legend lists only outcomes that occurred: a swatch for something that never happened is noise.
  const present = OUTCOMES.filter((o) => report.runs.some((r) => r.outcome === o));
  const envs = environmentNames(report);
  return `<section><h2>Run durations over time <span class="muted sub">by start time (UTC)</span></h2>${legend(present)}${durationChart(report, envs)}</section>
<section><h2>Outcomes per environment</h2>${legend(present)}${outcomeChart(report.runs, envs)}</section>`;
}

/** The report's environments in its order, then any that only appear in runs. */
function environmentNames(report: MigrationReport): string[] {
  const names = report.environments.map((e) => e.environment);
  for (const r of report.runs) if (!names.includes(r.environment)) names.push(r.environment);
  return names;
}

const W = 960;

/**
 * Small multiples: one panel per environment, sharing the time axis, each with its own duration
 * scale (production is often ten times slower than staging, which would flatten staging otherwise).
 */
function durationChart(report: MigrationReport, envs: readonly string[]): string {
  const left = 70;
  const right = 20;
  const panelH = 110;
  const titleH = 26;
  const gap = 14;
  const axisH = 30;
  const starts = report.runs.map((r) => r.startedAt.getTime());
  // The whole window, so a quiet last week shows as empty space rather than disappearing.
  let t0 = Math.min(...starts, report.since?.getTime() ?? Infinity);
  let t1 = Math.max(...starts, report.generatedAt.getTime());
  if (t1 - t0 < HOUR) [t0, t1] = [t0 - 12 * HOUR, t1 + 12 * HOUR];
  const pad = (t1 - t0) * 0.03;
  [t0, t1] = [t0 - pad, t1 + pad];
  const x = (t: number) => left + ((t - t0) / (t1 - t0)) * (W - left - right);
  const ticks = timeTicks(t0, t1);
  const plotTop = (i: number) => i * (titleH + panelH + gap) + titleH;
  const height = plotTop(envs.length - 1) + panelH + axisH;

  const out: string[] = [];
  for (const t of ticks.values) out.push(`<line class="grid" x1="${fx(x(t))}" x2="${fx(x(t))}" y1="${titleH}" y2="${height - axisH}"/>`);
  envs.forEach((env, i) => {
    const top = plotTop(i);
    const runs = report.runs.filter((r) => r.environment === env).sort((a, b) => a.startedAt.getTime() - b.startedAt.getTime());
    out.push(`<text class="panel-title" x="${left}" y="${top - 8}">${escapeHtml(env)} <tspan class="muted">· ${runs.length} run(s)</tspan></text>`);
    out.push(`<rect class="frame" x="${left}" y="${top}" width="${W - left - right}" height="${panelH}"/>`);
    if (runs.length === 0) {
      out.push(`<text class="muted" x="${left + 12}" y="${top + panelH / 2}">no runs in this window</text>`);
      return;
    }
    const yAxis = durationTicks(Math.max(...runs.map((r) => r.durationMs)));
    const y = (ms: number) => top + panelH - 6 - (ms / yAxis.max) * (panelH - 14);
    for (const v of yAxis.values) {
      out.push(`<line class="grid" x1="${left}" x2="${W - right}" y1="${fx(y(v))}" y2="${fx(y(v))}"/>`);
      out.push(`<text class="tick" x="${left - 6}" y="${fx(y(v) + 4)}" text-anchor="end">${yAxis.label(v)}</text>`);
    }
    const line = runs.map((r) => `${fx(x(r.startedAt.getTime()))},${fx(y(r.durationMs))}`).join(' ');
    out.push(`<polyline class="trend" points="${line}"/>`);
    for (const r of runs) {
      out.push(
        `<g class="pt" data-outcome="${r.outcome}" data-kind="${r.kind}" data-environment="${escapeHtml(env)}"><title>${escapeHtml(runTooltip(r))}</title>${marker(r.outcome, x(r.startedAt.getTime()), y(r.durationMs), 5)}</g>`,
      );
    }
  });
  const base = height - axisH;
  for (const t of ticks.values) out.push(`<text class="tick" x="${fx(x(t))}" y="${base + 18}" text-anchor="middle">${ticks.label(t)}</text>`);
  return `<svg class="chart chart-runs" role="img" aria-label="Run durations over time, per environment" viewBox="0 0 ${W} ${height}" width="${W}" height="${height}">${out.join('')}</svg>`;
}

function runTooltip(r: RunSummary): string {
  const versions = [...r.applied, ...r.rolledBack.map((v) => `${v} (down)`), ...(r.failedVersion && !r.applied.includes(r.failedVersion) ? [`${r.failedVersion} (failed)`] : [])];
  return [
    `${r.environment} · ${when(r.startedAt)}`,
    `${runOutcomeLabel(r)} in ${duration(r.durationMs)}`,
    `versions: ${versions.length ? versions.join(', ') : '—'}`,
    r.actor ? `actor: ${r.actor}` : null,
    r.gitSha ? `commit: ${r.gitSha.slice(0, 7)}` : null,
    r.error ? `error: ${r.error.split('\n', 1)[0]}` : null,
  ]
    .filter((l) => l !== null)
    .join('\n');
}

/** Stacked horizontal bars: one per environment, one segment per outcome. */
function outcomeChart(runs: readonly RunSummary[], envs: readonly string[]): string {
  const left = 150;
  const right = 90;
  const barH = 28;
  const gap = 16;
  const axisH = 28;
  const counts = envs.map((env) => OUTCOMES.map((o) => runs.filter((r) => r.environment === env && r.outcome === o).length));
  const axis = niceTicks(Math.max(1, ...counts.map((c) => c.reduce((a, b) => a + b, 0))), 5, true);
  const x = (n: number) => (n / axis.max) * (W - left - right);
  const height = envs.length * (barH + gap) + axisH;
  const out: string[] = [];
  for (const v of axis.values) {
    out.push(`<line class="grid" x1="${fx(left + x(v))}" x2="${fx(left + x(v))}" y1="0" y2="${height - axisH}"/>`);
    out.push(`<text class="tick" x="${fx(left + x(v))}" y="${height - 8}" text-anchor="middle">${v}</text>`);
  }
  envs.forEach((env, i) => {
    const top = i * (barH + gap) + gap / 2;
    const mid = top + barH / 2 + 5;
    const name = env.length > 20 ? `${env.slice(0, 19)}…` : env;
    out.push(`<text class="label" x="${left - 10}" y="${mid}" text-anchor="end"><title>${escapeHtml(env)}</title>${escapeHtml(name)}</text>`);
    let at = 0;
    OUTCOMES.forEach((o, j) => {
      const n = counts[i][j];
      if (!n) return;
      const x0 = left + x(at);
      const w = x(n);
      out.push(
        `<g class="bar" data-outcome="${o}" data-environment="${escapeHtml(env)}" data-count="${n}"><title>${escapeHtml(`${env}: ${n} ${RUN_OUTCOME_LABELS[o]}`)}</title><rect x="${fx(x0)}" y="${top}" width="${fx(w)}" height="${barH}" fill="${OUTCOME_COLOURS[o]}"/>` +
          (w >= 24 ? `<text class="in-bar${o === 'rolled-back' ? ' dark' : ''}" x="${fx(x0 + w / 2)}" y="${mid}" text-anchor="middle">${n}</text>` : '') +
          `</g>`,
      );
      at += n;
    });
    const total = counts[i].reduce((a, b) => a + b, 0);
    out.push(`<text class="label muted" x="${fx(left + x(at) + 8)}" y="${mid}">${total ? `${total} run(s)` : 'no runs'}</text>`);
  });
  return `<svg class="chart chart-outcomes" role="img" aria-label="Run outcomes per environment" viewBox="0 0 ${W} ${height}" width="${W}" height="${height}">${out.join('')}</svg>`;
}

interface Ticks {
  values: number[];
  max: number;
  label: (v: number) => string;
}

/** 0 to max in 1/2/2.5/5 × 10ⁿ steps. */
function niceTicks(max: number, count: number, integer = false): Ticks {
  const raw = max / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw && (!integer || Number.isInteger(s))) ?? Math.ceil(raw);
  const top = Math.ceil(max / step - 1e-9) * step;
  const values: number[] = [];
  for (let v = 0; v <= top + step / 2; v += step) values.push(Number(v.toFixed(6)));
  return { values, max: top, label: (v) => String(v) };
}

/** Duration ticks in the unit that keeps labels short: ms below 2 s, s below 5 min, then min. */
function durationTicks(maxMs: number): Ticks {
  const [unit, div] = maxMs < 2000 ? ['ms', 1] : maxMs < 300_000 ? ['s', 1000] : ['min', 60_000];
  const t = niceTicks(Math.max(maxMs / div, unit === 'ms' ? 10 : 1), 3);
  return { values: t.values.map((v) => v * div), max: t.max * div, label: (v) => `${Number((v / div).toFixed(2))} ${unit}` };
}

/** Ticks on calendar boundaries (UTC), at most about 8 of them. */
function timeTicks(t0: number, t1: number): Ticks {
  const steps = [HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR, DAY, 2 * DAY, 7 * DAY, 14 * DAY, 28 * DAY, 91 * DAY, 364 * DAY];
  const step = steps.find((s) => (t1 - t0) / s <= 8) ?? 364 * DAY;
  // Weekly ticks fall on Mondays (1970-01-05 was one) rather than on the epoch's Thursday.
  const offset = step >= 7 * DAY ? 4 * DAY : 0;
  const values: number[] = [];
  for (let t = Math.ceil((t0 - offset) / step) * step + offset; t <= t1; t += step) values.push(t);
  const label = (t: number) => {
    const d = new Date(t);
    const day = `${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()}`;
    return step < DAY ? `${day} ${String(d.getUTCHours()).padStart(2, '0')}:00` : day;
  };
  return { values, max: t1, label };
}

function slowest(envs: readonly EnvironmentReport[]): string {
  const rows = envs
    .flatMap((e) => e.slowest.map((m) => ({ ...m, environment: e.environment })))
    .sort((a, b) => b.durationMs - a.durationMs)
    .slice(0, 10);
  if (rows.length === 0) return '';
  const tr = rows.map(
    (m) =>
      `<tr><td><code>${escapeHtml(m.version)}</code></td><td>${m.file ? escapeHtml(m.file) : '—'}</td><td>${escapeHtml(m.environment)}</td><td class="num">${duration(m.durationMs)}</td><td>${escapeHtml(when(m.startedAt))}</td></tr>`,
  );
  return `<section><h2>Slowest migrations</h2><table><thead><tr><th>Version</th><th>File</th><th>Environment</th><th class="num">Duration</th><th>Applied</th></tr></thead><tbody>${tr.join('')}</tbody></table></section>`;
}

function coverageSection(c: Coverage): string {
  const share = c.migrations ? c.withDown / c.migrations : null;
  const of = (n: number) => `${n} of ${c.migrations} <span class="muted">(${percent(c.migrations ? n / c.migrations : null)})</span>`;
  const list = (items: readonly string[]) => items.map((v) => `<code>${escapeHtml(v)}</code>`).join(' ');
  const meter = `<div class="meter" role="img" aria-label="${percent(share)} reversible"><div style="width:${((share ?? 0) * 100).toFixed(1)}%"></div></div>`;
  return `<section><h2>Reversibility</h2>
<div class="coverage">
<div><span class="big">${percent(share)}</span> <span class="muted">of migrations have a down section</span>${meter}</div>
<dl>
<dt>With a down section</dt><dd>${of(c.withDown)}</dd>
<dt>Proven by <code>verify</code></dt><dd>${of(c.verified)}</dd>
<dt>Rolled back for real</dt><dd>${of(c.downExercised)}</dd>
${c.withoutDown.length ? `<dt>Without a down section</dt><dd>${list(c.withoutDown)}</dd>` : ''}
${c.unreadable.length ? `<dt>Could not be parsed</dt><dd>${list(c.unreadable)}</dd>` : ''}
</dl>
</div>
</section>`;
}

/** Newest first; a failure's error text gets a full-width row of its own, where it can be read. */
function recentRuns(runs: readonly RunSummary[]): string {
  if (runs.length === 0) return '';
  const recent = [...runs].sort((a, b) => b.startedAt.getTime() - a.startedAt.getTime()).slice(0, RECENT_RUNS);
  const versions = (vs: readonly string[]) => vs.map((v) => `<code>${escapeHtml(v)}</code>`).join(' ');
  const tr = recent.map((r) => {
    const failed = r.failedVersion ? `<code>${escapeHtml(r.failedVersion)}</code>${r.sqlstate ? ` <span class="muted">${escapeHtml(r.sqlstate)}</span>` : ''}` : '';
    const cells = [
      `<td class="nowrap">${escapeHtml(when(r.startedAt).replace(/ UTC$/, ''))}</td>`,
      `<td>${escapeHtml(r.environment)}</td>`,
      `<td>${badge(r)}</td>`,
      `<td class="num">${duration(r.durationMs)}</td>`,
      `<td class="versions">${versions(r.applied)}</td>`,
      `<td class="versions">${versions(r.rolledBack)}</td>`,
      `<td class="versions">${failed}</td>`,
      `<td>${r.actor ? escapeHtml(r.actor) : ''}</td>`,
      `<td>${r.gitSha ? `<code title="${escapeHtml(r.gitSha)}">${escapeHtml(r.gitSha.slice(0, 7))}</code>` : ''}</td>`,
      `<td>${runLink(r.runUrl)}</td>`,
    ];
    const error = r.error ? `<tr class="error-row"><td></td><td colspan="9"><div class="error">${escapeHtml(r.error)}</div></td></tr>` : '';
    return `<tr class="run${r.error ? ' has-error' : ''}">${cells.join('')}</tr>${error}`;
  });
  const more = runs.length > RECENT_RUNS ? ` <span class="muted sub">latest ${RECENT_RUNS} of ${runs.length}</span>` : '';
  return `<section><h2>Recent runs${more}</h2><div class="scroll"><table class="runs"><thead><tr><th>Started (UTC)</th><th>Environment</th><th>Outcome</th><th class="num">Duration</th><th>Applied</th><th>Rolled back</th><th>Failed</th><th>Actor</th><th>Commit</th><th>Run</th></tr></thead><tbody>${tr.join('')}</tbody></table></div></section>`;
}

/** Only http(s) URLs become links: a `javascript:` URL in the audit table must stay text. */
function runLink(url: string | null): string {
  if (!url) return '';
  if (!/^https?:\/\//i.test(url)) return `<span class="muted">${escapeHtml(url)}</span>`;
  return `<a href="${escapeHtml(url)}" rel="noopener noreferrer">open</a>`;
}

/** Neutral greys and one purple for the coverage meter: the outcome colours stay reserved for outcomes. */
const CSS = `
:root{color-scheme:light;--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--bg:#f6f8fa}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
header,main{max-width:1200px;margin:0 auto;padding:0 24px}
header{padding-top:28px}
h1{font-size:26px;margin:0 0 8px}
h2{font-size:18px;margin:0 0 12px}
h3{font-size:16px;margin:0 0 4px}
code{font:12.5px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:#eff2f5;border-radius:4px;padding:1px 4px}
.meta{display:flex;flex-wrap:wrap;gap:8px 28px;margin:0 0 8px}
.meta dt{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.04em}
.meta dd{margin:0}
section{background:#fff;border:1px solid var(--line);border-radius:8px;padding:18px 20px;margin:18px 0}
.muted{color:var(--muted);fill:var(--muted)}
.tiles{display:grid;grid-template-columns:repeat(auto-fit,minmax(180px,1fr));gap:12px;background:none;border:0;padding:0}
.tile{background:#fff;border:1px solid var(--line);border-radius:8px;padding:12px 16px}
.tile .label{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.04em}
.tile .value{font-size:22px;font-weight:600}
.tile.alert{border-color:#ff8182;background:#fff5f5}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(320px,1fr));gap:14px}
.card{border:1px solid var(--line);border-radius:8px;padding:14px 16px}
.card-head{display:flex;justify-content:space-between;align-items:baseline;gap:12px}
.card dl{display:grid;grid-template-columns:auto 1fr;gap:4px 12px;margin:10px 0 0}
.card dt{white-space:nowrap}
.dist{margin-top:10px}
.dist th,.dist td{padding:3px 6px}
.dist td:first-child{color:var(--muted)}
.card dt{color:var(--muted)}
.card dd{margin:0}
.big{font-size:22px;font-weight:650}
.open{margin:6px 0 0;padding:4px 8px;border-radius:6px;background:#fff5f5;color:#a40e26;font-weight:600}
.legend{display:flex;flex-wrap:wrap;gap:6px 18px;list-style:none;margin:0 0 8px;padding:0;color:var(--muted)}
.legend li{display:flex;align-items:center;gap:6px}
.chart{display:block;width:100%;height:auto;font-size:12px}
.chart .grid{stroke:#e6eaef;stroke-width:1}
.chart .frame{fill:none;stroke:var(--line)}
.chart .trend{fill:none;stroke:#8c959f;stroke-width:1.5;stroke-linejoin:round}
.chart .tick{fill:var(--muted);font-size:11.5px}
.chart .label{fill:var(--fg);font-size:13px}
.chart .panel-title{fill:var(--fg);font-size:13px;font-weight:600}
.chart .panel-title .muted{font-weight:400}
.chart .in-bar{fill:#fff;font-size:12px;font-weight:600}
.chart .in-bar.dark{fill:#1f2328}
h2 .sub{font-size:13px;font-weight:400;margin-left:6px}
.empty{color:var(--muted);margin:0}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{text-align:left;vertical-align:top;padding:6px 8px;border-bottom:1px solid var(--line)}
th{color:var(--muted);font-weight:600;font-size:12px;white-space:nowrap}
.num{text-align:right;white-space:nowrap}
.nowrap{white-space:nowrap}
.badge{display:inline-flex;align-items:center;gap:5px;white-space:nowrap;font-weight:600}
.runs th,.runs td{padding:6px 6px}
.runs .versions code{display:inline-block;margin:0 2px 2px 0}
.runs tr.has-error td{border-bottom:0}
.runs .error-row td{padding-top:0}
.error{max-height:7.5em;overflow:auto;white-space:pre-wrap;overflow-wrap:anywhere;font:12px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;color:#82071e;background:#fff5f5;border-radius:4px;padding:4px 6px}
.runs code{font-size:11px}
a{color:#0550ae}
.coverage{display:grid;grid-template-columns:minmax(220px,1fr) 2fr;gap:20px;align-items:start}
.coverage dl{display:grid;grid-template-columns:auto 1fr;gap:6px 14px;margin:0}
.coverage dt{color:var(--muted)}
.coverage dd{margin:0}
.meter{height:10px;border-radius:5px;background:#eaeef2;margin-top:8px;overflow:hidden}
.meter div{height:100%;background:#8250df}
.notice p{margin:0}
`;
