/**
 * The line diff shown wherever two schema dumps disagree: `verify` (schema before a migration vs
 * after its down section) and the drift check (committed schema file vs live database).
 */
import { diffArrays } from 'diff';

/**
 * Most changed lines (deletions plus insertions) a diff is computed for. Myers' algorithm costs
 * about D² + (N+M)·D for D changed lines of N and M, so its work grows with the size of the change,
 * not of the dumps; at 2000 it stays near 0.3 s even for two 200 000-line dumps with nothing in
 * common (docs/PERFORMANCE.md). A diff longer than that is no longer read line by line anyway, so
 * beyond it {@link unifiedDiff} says where the dumps differ instead.
 */
export const MAX_CHANGED_LINES = 2000;

/** Options of {@link unifiedDiff}. */
export interface DiffOptions {
  /** Unchanged lines shown around each change. */
  context?: number;
  /** See {@link MAX_CHANGED_LINES}; tests lower it to reach the fallback with small inputs. */
  maxChangedLines?: number;
}

type Op = { tag: ' ' | '-' | '+'; text: string; ai: number; bi: number };

/**
 * A unified-style line diff (`---`/`+++` headers, `@@` hunks with `context` lines around each
 * change, deletions before insertions within a change), minimal in changed lines (Myers, npm
 * `diff`). When more than `maxChangedLines` lines changed, the headers are followed by one
 * sentence naming the differing region and its first differing lines instead of hunks.
 */
export function unifiedDiff(a: string, b: string, labels: { from: string; to: string }, contextOrOptions: number | DiffOptions = {}): string {
  const o = typeof contextOrOptions === 'number' ? { context: contextOrOptions } : contextOrOptions;
  const context = o.context ?? 3;
  const maxChanged = o.maxChangedLines ?? MAX_CHANGED_LINES;
  const lines = (t: string) => (t.endsWith('\n') ? t.slice(0, -1) : t).split('\n');
  const x = lines(a);
  const y = lines(b);
  // Trimming the common ends first keeps the alignment of the dumps' edges as a reader expects
  // (and as earlier versions showed it), and spares the algorithm the equal lines.
  let pre = 0;
  while (pre < x.length && pre < y.length && x[pre] === y[pre]) pre++;
  let suf = 0;
  while (suf < x.length - pre && suf < y.length - pre && x[x.length - 1 - suf] === y[y.length - 1 - suf]) suf++;
  const xs = x.slice(pre, x.length - suf);
  const ys = y.slice(pre, y.length - suf);
  const header = [`--- ${labels.from}`, `+++ ${labels.to}`];
  // One side empty: the change is the other side, whatever its length; no search needed.
  const changes =
    xs.length === 0 || ys.length === 0
      ? [
          { removed: true, added: false, value: xs },
          { removed: false, added: true, value: ys },
        ]
      : diffArrays(xs, ys, { maxEditLength: maxChanged });
  if (changes === undefined) return `${[...header, ...tooManyChanges(x, y, pre, suf, maxChanged)].join('\n')}\n`;

  const ops: Op[] = [];
  for (let k = 0; k < pre; k++) ops.push({ tag: ' ', text: x[k], ai: k, bi: k });
  let i = pre;
  let j = pre;
  // Collected per run of changes, so each run shows its deletions first, whatever order the search found them in.
  let minus: Op[] = [];
  let plus: Op[] = [];
  const flush = () => {
    ops.push(...minus, ...plus);
    minus = [];
    plus = [];
  };
  for (const c of changes) {
    for (const text of c.value) {
      if (c.removed) minus.push({ tag: '-', text, ai: i++, bi: j });
      else if (c.added) plus.push({ tag: '+', text, ai: i, bi: j++ });
      else {
        flush();
        ops.push({ tag: ' ', text, ai: i++, bi: j++ });
      }
    }
  }
  flush();
  for (let k = 0; k < suf; k++) ops.push({ tag: ' ', text: x[x.length - suf + k], ai: x.length - suf + k, bi: y.length - suf + k });
  return `${[...header, ...hunks(ops, context)].join('\n')}\n`;
}

/** The fallback: where the dumps start and stop differing, and the first line of each side there. */
function tooManyChanges(x: string[], y: string[], pre: number, suf: number, maxChanged: number): string[] {
  const span = (n: number, all: number) => (n === 1 ? `line ${pre + 1}` : `lines ${pre + 1}-${all - suf} (${n} lines)`);
  return [
    `The dumps differ in more than ${maxChanged} lines, too many to list line by line: ` +
      `${span(x.length - pre - suf, x.length)} of the first vs ${span(y.length - pre - suf, y.length)} of the second differ; ` +
      `first difference at line ${pre + 1}:`,
    `-${x[pre]}`,
    `+${y[pre]}`,
  ];
}

function hunks(ops: Op[], context: number): string[] {
  const out: string[] = [];
  let k = 0;
  while (k < ops.length) {
    if (ops[k].tag === ' ') {
      k++;
      continue;
    }
    // A hunk: from `context` lines before this change to `context` lines after the last change
    // that is within 2*context lines of the previous one.
    const start = Math.max(0, k - context);
    let end = k;
    let last = k;
    while (end < ops.length) {
      if (ops[end].tag !== ' ') last = end;
      else if (end - last > 2 * context) break;
      end++;
    }
    end = Math.min(ops.length, last + context + 1);
    const hunk = ops.slice(start, end);
    const aLen = hunk.filter((o) => o.tag !== '+').length;
    const bLen = hunk.filter((o) => o.tag !== '-').length;
    out.push(`@@ -${hunk[0].ai + 1},${aLen} +${hunk[0].bi + 1},${bLen} @@`);
    for (const h of hunk) out.push(`${h.tag}${h.text}`);
    k = end;
  }
  return out;
}
