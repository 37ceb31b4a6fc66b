/**
 * The schema diff of `verify` and the drift check: its exact format, that its hunks turn the first
 * dump into the second with the fewest changed lines, and the sentence it gives instead of hunks
 * when the dumps differ in too many lines. Speed is measured in bench/diff.mjs, not here.
 */
import { describe, it, expect } from '@jest/globals';
import { MAX_CHANGED_LINES, unifiedDiff } from '../src/safety/diff.js';

const L = { from: 'a', to: 'b' };

/** Applies a unified diff to `a`, checking every context and removed line against it; returns the new text's lines. */
function applyDiff(a: string[], diff: string): string[] {
  const lines = diff.replace(/\n$/, '').split('\n');
  expect(lines.slice(0, 2)).toEqual(['--- a', '+++ b']);
  const out: string[] = [];
  let at = 0; // next line of `a` not yet copied
  let k = 2;
  while (k < lines.length) {
    const m = /^@@ -(\d+),(\d+) \+(\d+),(\d+) @@$/.exec(lines[k++]);
    if (!m) throw new Error(`not a hunk header: ${lines[k - 1]}`);
    const [aStart, aLen, bStart, bLen] = m.slice(1).map(Number);
    // Hunks come in order and never overlap.
    expect(aStart - 1).toBeGreaterThanOrEqual(at);
    out.push(...a.slice(at, aStart - 1));
    at = aStart - 1;
    // Lines before a hunk are equal, so the hunk's new start follows from what was copied (an empty side names the line after).
    expect(bStart - 1).toBe(out.length);
    let seenA = 0;
    let seenB = 0;
    while (k < lines.length && !lines[k].startsWith('@@ ')) {
      const [tag, text] = [lines[k][0], lines[k].slice(1)];
      if (tag !== '+') {
        expect(a[at]).toBe(text);
        at++;
        seenA++;
      }
      if (tag !== '-') {
        out.push(text);
        seenB++;
      }
      k++;
    }
    expect([seenA, seenB]).toEqual([aLen, bLen]);
  }
  return [...out, ...a.slice(at)];
}

/** Changed lines of a diff: after its two header lines, those tagged - or +. */
const changedLines = (diff: string) => diff.split('\n').slice(2).filter((l) => /^[-+]/.test(l)).length;

/** Length of a longest common subsequence, by the textbook table: the reference for minimality. */
function lcsLength(x: string[], y: string[]): number {
  let prev = new Array<number>(y.length + 1).fill(0);
  for (let i = 1; i <= x.length; i++) {
    const row = new Array<number>(y.length + 1).fill(0);
    for (let j = 1; j <= y.length; j++) row[j] = x[i - 1] === y[j - 1] ? prev[j - 1] + 1 : Math.max(prev[j], row[j - 1]);
    prev = row;
  }
  return prev[y.length];
}

/** A small deterministic generator (mulberry32), so a failure reproduces. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('unifiedDiff', () => {
  it('prints headers, hunks with three lines of context, deletions before insertions', () => {
    const a = ['one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven', 'twelve'].join('\n') + '\n';
    const b = ['one', 'TWO', '2', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'twelve', 'thirteen'].join('\n') + '\n';
    expect(unifiedDiff(a, b, { from: 'schema before 1_a.sql', to: 'schema after rolling back 1_a.sql' })).toBe(
      [
        '--- schema before 1_a.sql',
        '+++ schema after rolling back 1_a.sql',
        '@@ -1,5 +1,6 @@',
        ' one',
        '-two',
        '+TWO',
        '+2',
        ' three',
        ' four',
        ' five',
        '@@ -8,5 +9,5 @@',
        ' eight',
        ' nine',
        ' ten',
        '-eleven',
        ' twelve',
        '+thirteen',
        '',
      ].join('\n'),
    );
  });

  it('joins changes closer than twice the context into one hunk', () => {
    const a = 'a\nb\nc\nd\ne\nf\ng\nh\n';
    const b = 'a\nB\nc\nd\ne\nf\ng\nH\n';
    expect(unifiedDiff(a, b, L)).toBe('--- a\n+++ b\n@@ -1,8 +1,8 @@\n a\n-b\n+B\n c\n d\n e\n f\n g\n-h\n+H\n');
  });

  it('shows an insertion at the start and a deletion at the end with the positions of the old format', () => {
    expect(unifiedDiff('x\ny\n', 'new\nx\ny\n', L)).toBe('--- a\n+++ b\n@@ -1,2 +1,3 @@\n+new\n x\n y\n');
    expect(unifiedDiff('x\ny\nz\n', 'x\ny\n', L)).toBe('--- a\n+++ b\n@@ -1,3 +1,2 @@\n x\n y\n-z\n');
    expect(unifiedDiff('', 'x\n', L)).toBe('--- a\n+++ b\n@@ -1,1 +1,1 @@\n-\n+x\n');
  });

  it('turns the first text into the second with the fewest changed lines, on random dumps (fixed seed)', () => {
    const rnd = random(18);
    for (let round = 0; round < 300; round++) {
      // Few distinct lines make many equally long alignments: the hard case for an exact diff.
      const words = ['create table t ();', ');', '', 'alter table t add c int;', 'grant select on t to r;', '-- comment'];
      const pick = () => words[Math.floor(rnd() * words.length)];
      const x = Array.from({ length: Math.floor(rnd() * 40) }, pick);
      const y = x.flatMap((l) => (rnd() < 0.15 ? [] : rnd() < 0.15 ? [pick(), l] : rnd() < 0.1 ? [pick()] : [l]));
      const diff = unifiedDiff(x.join('\n') + '\n', y.join('\n') + '\n', L, Math.floor(rnd() * 4));
      // `split` of an empty text gives one empty line, as the diff reads it.
      const [xl, yl] = [x.length ? x : [''], y.length ? y : ['']];
      if (xl.join('\n') === yl.join('\n')) {
        expect(diff).toBe('--- a\n+++ b\n');
        continue;
      }
      expect(applyDiff(xl, diff)).toEqual(yl);
      expect(changedLines(diff)).toBe(xl.length + yl.length - 2 * lcsLength(xl, yl));
    }
  });

  it('says where the dumps differ, instead of hunks, when more lines changed than it lists', () => {
    const a = ['same 1', 'same 2', ...Array.from({ length: 6 }, (_, i) => `old ${i}`), 'same end'].join('\n') + '\n';
    const b = ['same 1', 'same 2', ...Array.from({ length: 7 }, (_, i) => `new ${i}`), 'same end'].join('\n') + '\n';
    expect(unifiedDiff(a, b, L, { maxChangedLines: 12 })).toBe(
      [
        '--- a',
        '+++ b',
        'The dumps differ in more than 12 lines, too many to list line by line: lines 3-8 (6 lines) of the first vs lines 3-9 (7 lines) of the second differ; first difference at line 3:',
        '-old 0',
        '+new 0',
        '',
      ].join('\n'),
    );
    // Exactly at the limit it still lists them.
    expect(changedLines(unifiedDiff(a, b, L, { maxChangedLines: 13 }))).toBe(13);
    expect(unifiedDiff('a\nx\nb\n', 'a\ny\nz\nb\n', L, { maxChangedLines: 2 })).toBe(
      '--- a\n+++ b\nThe dumps differ in more than 2 lines, too many to list line by line: line 2 of the first vs lines 2-3 (2 lines) of the second differ; first difference at line 2:\n-x\n+y\n',
    );
  });

  it('lists a pure insertion or deletion whatever its length: it needs no search', () => {
    const many = Array.from({ length: MAX_CHANGED_LINES + 5 }, (_, i) => `line ${i}`);
    const diff = unifiedDiff('head\ntail\n', ['head', ...many, 'tail'].join('\n') + '\n', L);
    expect(diff.split('\n').slice(0, 4)).toEqual(['--- a', '+++ b', `@@ -1,2 +1,${many.length + 2} @@`, ' head']);
    expect(changedLines(diff)).toBe(many.length);
  });

  it('gives up on two large dumps with nothing in common, naming where they differ', () => {
    const a = Array.from({ length: 20_000 }, (_, i) => `a ${i}`);
    const b = Array.from({ length: 20_000 }, (_, i) => `b ${i}`);
    expect(unifiedDiff(['same', ...a].join('\n'), ['same', ...b].join('\n'), L)).toBe(
      `--- a\n+++ b\nThe dumps differ in more than ${MAX_CHANGED_LINES} lines, too many to list line by line: lines 2-20001 (20000 lines) of the first vs lines 2-20001 (20000 lines) of the second differ; first difference at line 2:\n-a 0\n+b 0\n`,
    );
  });
});
