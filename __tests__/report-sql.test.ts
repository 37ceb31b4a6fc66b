/**
 * Issue 18: `report` aggregates in SQL (one row per run leaves the server). On a history of many
 * runs in real PostgreSQL, with every kind of row the figures depend on, the SQL path gives
 * exactly what `computeReport` over all the rows gives, for every window and in every format.
 */
import { describe, it, expect } from '@jest/globals';
import { usePostgres, withClient } from './helpers/pg.js';
import { historyDdl, historyName } from '../src/engine/history.js';
import { withConnection } from '../src/engine/db.js';
import { parseDatabaseUrl } from '../src/engine/url.js';
import { collectReport } from '../src/metrics/collect.js';
import { readHistory } from '../src/metrics/history-read.js';
import { computeReport } from '../src/metrics/report.js';
import { renderMarkdown } from '../src/metrics/markdown.js';
import { renderHtml } from '../src/metrics/html.js';
import { renderText } from '../src/metrics/text.js';

const server = usePostgres();
const NAME = historyName({ schema: 'public', table: 'schema_migrations', quoted: 'public.schema_migrations', quotedSchema: 'public' }, 'schema_migrations_history');

/**
 * 600 runs over five environments (one missing, one literally `unspecified`): keyed by invocation
 * id (one shared by two environments), by CI run id alone, or by nothing (each row its own run); 1–4 ups each, failures with and
 * without an error, cancels, automatic rollbacks (legacy and current spelling, complete or not, a
 * down that fails), deliberate rollbacks, `verified` and `baselined` rows, recorded statuses
 * (one a word of a newer version) and durations, microsecond timestamps, tied durations and tied
 * run ends.
 */
const SEED = `
insert into schema_migrations_history (version, direction, outcome, file_name, checksum, started_at, finished_at, duration_ms,
  environment, actor, git_sha, run_id, run_url, tool_version, sqlstate, error, invocation_id, run_status, run_duration_ms)
select lpad((r * 10 + k)::text, 6, '0'), dir, outcome, 'f' || r || '_' || k || '.sql', md5(r::text),
       t, t + make_interval(secs => d / 1000.0), d,
       (array['development', 'staging', 'production', null, 'unspecified'])[1 + r % 5],
       'actor' || (r % 3), md5(k::text), case when r % 8 = 0 then 'ci' || (r / 24) end, 'https://ci/' || r, '1.0',
       case when outcome = 'failed' then '42P01' end,
       case when outcome = 'failed' and r % 12 <> 0 then 'relation "x' || r || '" does not exist' when outcome = 'applied' and r % 31 = 0 then 'notice' end,
       -- Runs 25k and 25k+1 share an invocation id in two environments: two runs.
       case when r % 4 <> 0 then 'inv-' || case when r % 25 = 1 then r - 1 else r end end,
       case when r % 3 = 0 then (array['success', 'failed', 'rolled-back', 'cancelled', 'future-word'])[1 + r % 5] end,
       case when r % 3 = 0 and r % 2 = 0 then 1000.25 + r end
  from generate_series(1, 600) r,
       lateral (select k, dir, outcome, d,
                       -- Runs r and r+1 of every ten end together; microseconds in every timestamp.
                       timestamptz '2026-01-01' + make_interval(secs => (r - r % 10 / 9) * 60 + k * 2 + r % 7 * 0.000123) as t
                  from (select k, 'up' as dir,
                               case when r % 17 = 0 and k = 1 + r % 4 then 'cancelled'
                                    when r % 6 = 0 and k = 1 + r % 4 then 'failed' else 'applied' end as outcome,
                               (r * 7919 + k * 104729) % 40 + 0.5 as d
                          from generate_series(1, 1 + r % 4) k where r % 10 <> 5
                        union all select 10 + k, 'down', case when r % 23 = 0 and k = 1 then 'failed' when r % 2 = 0 then 'rolled_back' else 'rolled-back' end, 3
                          from generate_series(1, 1 + r % 4) k where (r % 7 = 0 and r % 6 = 0) or r % 10 = 5 or (r % 9 = 0 and k = 1)
                        union all select 20, 'down', 'verified', 1 where r % 11 = 0
                        union all select 21, 'up', 'baselined', 0 where r % 13 = 0) s) x`;

describe('report figures aggregated in SQL', () => {
  it('equal computeReport over every row: all history, a window, one environment, the unspecified one, an empty window', async () => {
    const url = await server().createDatabase();
    await withClient(url, async (c) => {
      await c.query(historyDdl(NAME));
      await c.query(SEED);
    });
    const target = parseDatabaseUrl(url);
    const source = { target, migrationsTable: 'schema_migrations', historyTable: 'schema_migrations_history' };
    const now = new Date('2026-02-01T00:00:00Z');
    const windows = [
      { since: null },
      { since: new Date('2026-01-01T04:00:00.000Z') },
      { since: null, environment: 'production' },
      { since: null, environment: 'unspecified' },
      { since: new Date('2027-01-01T00:00:00Z') },
    ];
    for (const w of windows) {
      const rows = await withConnection(target, (conn) => readHistory(conn, NAME, w));
      const expected = computeReport({ rows, since: w.since, database: target.redacted, coverage: null, generatedAt: now });
      const got = await collectReport({ ...source, ...w, now });
      expect(got).toEqual(expected);
      expect(JSON.stringify(got)).toBe(JSON.stringify(expected));
      expect(renderMarkdown(got)).toBe(renderMarkdown(expected));
      expect(renderHtml(got)).toBe(renderHtml(expected));
      expect(renderText(got)).toBe(renderText(expected));
    }
    // The seed reaches what it means to: every outcome, both kinds, keys of all three sorts, rollbacks and failures.
    const all = await collectReport({ ...source, since: null, now });
    expect(new Set(all.runs.map((r) => r.outcome))).toEqual(new Set(['success', 'failed', 'rolled-back', 'cancelled']));
    expect(new Set(all.runs.map((r) => r.kind))).toEqual(new Set(['up', 'rollback']));
    expect(new Set(all.runs.map((r) => r.key.replace(/[-:].*/, '')))).toEqual(new Set(['inv', 'run', 'row']));
    expect(all.environments.map((e) => e.environment)).toEqual(['development', 'staging', 'production', 'unspecified']);
    expect(all.environments.every((e) => e.slowest.length === 5 && e.rollbacks.automatic > 0 && e.recovery.incidents > 0)).toBe(true);
  });

  it('reports no history, as before, when the table does not exist', async () => {
    const url = await server().createDatabase();
    const target = parseDatabaseUrl(url);
    const now = new Date('2026-02-01T00:00:00Z');
    const got = await collectReport({ target, migrationsTable: 'schema_migrations', historyTable: 'schema_migrations_history', since: null, now });
    expect(got).toEqual(computeReport({ rows: null, since: null, database: target.redacted, coverage: null, generatedAt: now }));
    expect(got.historyAvailable).toBe(false);
  });
});
