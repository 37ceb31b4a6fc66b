import { describe, it, expect } from '@jest/globals';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { importCycles, importGraph, layerOf, sourceFiles, staleFileMentions, type ImportEdge } from './helpers/import-graph.js';

const src = join(dirname(fileURLToPath(import.meta.url)), '..', 'src');
const edges = importGraph(src);

/** Which folders of src/ each folder may import (besides itself); `.` is the entry files at src/. */
const MAY_IMPORT: Readonly<Record<string, readonly string[]>> = {
  engine: [],
  text: [],
  lint: ['engine', 'text'],
  safety: ['engine', 'text'],
  metrics: ['engine', 'text', 'lint'],
  github: ['engine', 'text'],
  notify: ['engine'],
  library: ['engine'],
  action: ['engine', 'text', 'lint', 'safety', 'metrics', 'github', 'notify'],
  cli: ['engine', 'text', 'lint', 'safety', 'metrics', 'github'],
  '.': ['engine', 'action', 'cli', 'library'],
};

/** Files at src/ that import nothing and that every folder may use: the version, and the bundle's `__dirname` shim that entries import first. */
const SHARED_LEAVES = ['version.ts', 'runtime-shim.ts'];

/** The only files that may import the Actions toolkit: the action's entry, its input reader and its logger, and the GitHub connection (Octokit and its plugins). */
const ACTIONS_TOOLKIT = ['main.ts', 'action/inputs.ts', 'action/core-logger.ts', 'github/octokit.ts'];

const show = (es: ImportEdge[]) => es.map((e) => `${e.from} -> ${e.to}${e.typeOnly ? ' (type)' : ''}`);

describe('the import graph of src/', () => {
  it('sees the imports it checks (a parser that found none would pass every rule)', () => {
    expect(edges.length).toBeGreaterThan(200);
    expect(edges).toContainEqual({ from: 'action/errors.ts', to: 'engine/errors.ts', relative: true, typeOnly: false });
    expect(edges.some((e) => e.typeOnly && e.relative)).toBe(true);
    // Every relative import resolves to a file that exists.
    const files = new Set(sourceFiles(src));
    expect(show(edges.filter((e) => e.relative && !files.has(e.to)))).toEqual([]);
  });

  it('has no import cycle, type imports included', () => {
    expect(importCycles(edges).map((c) => c.join(' -> '))).toEqual([]);
  });

  it('finds a cycle when there is one (the check itself works)', () => {
    const fake: ImportEdge[] = [
      { from: 'a/x.ts', to: 'a/y.ts', relative: true, typeOnly: true },
      { from: 'a/y.ts', to: 'a/x.ts', relative: true, typeOnly: false },
    ];
    expect(importCycles(fake)).toEqual([['a/x.ts', 'a/y.ts', 'a/x.ts']]);
  });

  it('keeps each folder to the folders below it: action/ and cli/ never import each other, the engine nothing of ours', () => {
    const allowed = (e: ImportEdge) => layerOf(e.from) === layerOf(e.to) || SHARED_LEAVES.includes(e.to) || (MAY_IMPORT[layerOf(e.from)] ?? []).includes(layerOf(e.to));
    const bad = edges.filter((e) => e.relative && !allowed(e));
    expect(show(bad)).toEqual([]);
    expect(Object.keys(MAY_IMPORT).sort()).toEqual([...new Set(sourceFiles(src).map(layerOf))].sort());
    expect(show(edges.filter((e) => SHARED_LEAVES.includes(e.from)))).toEqual([]);
  });

  it('keeps the action steps apart from its presentation: no step imports the summary, the summary no step', () => {
    const summary = (f: string) => f === 'action/summary.ts' || f.startsWith('action/summary/');
    const steps = (f: string) => f.startsWith('action/steps/');
    expect(show(edges.filter((e) => e.relative && ((steps(e.from) && summary(e.to)) || (summary(e.from) && steps(e.to)))))).toEqual([]);
    expect(edges.some((e) => summary(e.from)) && edges.some((e) => steps(e.from))).toBe(true);
  });

  it('imports the Actions toolkit and Octokit only at the edges; the engine imports nothing of GitHub', () => {
    const toolkit = edges.filter((e) => !e.relative && /^@actions\/|^@octokit\//.test(e.to));
    expect(show(toolkit.filter((e) => !ACTIONS_TOOLKIT.includes(e.from)))).toEqual([]);
    expect(toolkit.length).toBeGreaterThan(0);
  });
});

describe('comments in src/', () => {
  it('name only files that exist', () => {
    expect(staleFileMentions(src).map((m) => `${m.file}:${m.line} names ${m.mention}`)).toEqual([]);
  });

  it('are checked for stale names (the check itself works)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dbm-arch-'));
    try {
      mkdirSync(join(dir, 'a'));
      writeFileSync(join(dir, 'a', 'x.ts'), "/** Moved here from `lint-step.ts`; see `a/x.ts` and src/a/x.ts. */\nexport const x = 1; // not `b/y.ts`\n");
      expect(staleFileMentions(dir)).toEqual([
        { file: 'a/x.ts', line: 1, mention: 'lint-step.ts' },
        { file: 'a/x.ts', line: 2, mention: 'b/y.ts' },
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('cite no section of a document outside the repository', () => {
    // The design contract lives outside the repository; a comment says the behaviour itself.
    const cites = sourceFiles(src).flatMap((f) =>
      readFileSync(join(src, f), 'utf8')
        .split('\n')
        .map((l, i) => [f, i + 1, l] as const)
        .filter(([, , l]) => /\bDESIGN\b/.test(l))
        .map(([file, line]) => `${file}:${line}`),
    );
    expect(cites).toEqual([]);
  });
});

describe('docs/ARCHITECTURE.md', () => {
  it('names only source files that exist, and every folder of src/', () => {
    const doc = readFileSync(join(src, '..', 'docs', 'ARCHITECTURE.md'), 'utf8');
    const files = sourceFiles(src);
    const exists = (m: string) => files.some((f) => f === m || f.endsWith(`/${m}`)) || files.some((f) => `__tests__/${f}` === m);
    const mentions = [...new Set([...doc.matchAll(/`((?:[\w-]+\/)*[\w.-]+\.ts)`/g)].map((m) => m[1]))];
    expect(mentions.length).toBeGreaterThan(30);
    expect(mentions.filter((m) => !exists(m) && !m.startsWith('__tests__/'))).toEqual([]);
    for (const layer of new Set(files.map(layerOf))) if (layer !== '.') expect(doc).toContain(`${layer}/`);
  });
});
