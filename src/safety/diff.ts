/**
 * The line diff shown wherever two schema dumps disagree: `verify` (schema before a migration vs
 * after its down section) and the drift check (committed schema file vs live database).
 */

/**
 * A unified-style line diff (`---`/`+++` headers, `@@` hunks with `context` lines around each
 * change). Common prefix and suffix are trimmed first, so the LCS table stays small for dumps
 * that differ in a few places.
 */
export function unifiedDiff(a: string, b: string, labels: { from: string; to: string }, context = 3): string {
  const lines = (t: string) => (t.endsWith('\n') ? t.slice(0, -1) : t).split('\n');
  const x = lines(a);
  const y = lines(b);
  let pre = 0;
  while (pre < x.length && pre < y.length && x[pre] === y[pre]) pre++;
  let suf = 0;
  while (suf < x.length - pre && suf < y.length - pre && x[x.length - 1 - suf] === y[y.length - 1 - suf]) suf++;
  const xs = x.slice(pre, x.length - suf);
  const ys = y.slice(pre, y.length - suf);
  // LCS lengths from the end.
  const w = ys.length + 1;
  const lcs = new Uint32Array((xs.length + 1) * w);
  for (let i = xs.length - 1; i >= 0; i--) {
    for (let j = ys.length - 1; j >= 0; j--) {
      lcs[i * w + j] = xs[i] === ys[j] ? lcs[(i + 1) * w + j + 1] + 1 : Math.max(lcs[(i + 1) * w + j], lcs[i * w + j + 1]);
    }
  }
  type Op = { tag: ' ' | '-' | '+'; text: string; ai: number; bi: number };
  const ops: Op[] = [];
  for (let k = 0; k < pre; k++) ops.push({ tag: ' ', text: x[k], ai: k, bi: k });
  let i = 0;
  let j = 0;
  while (i < xs.length || j < ys.length) {
    if (i < xs.length && j < ys.length && xs[i] === ys[j]) {
      ops.push({ tag: ' ', text: xs[i], ai: pre + i++, bi: pre + j++ });
    } else if (i < xs.length && (j === ys.length || lcs[(i + 1) * w + j] >= lcs[i * w + j + 1])) {
      ops.push({ tag: '-', text: xs[i], ai: pre + i++, bi: pre + j });
    } else {
      ops.push({ tag: '+', text: ys[j], ai: pre + i, bi: pre + j++ });
    }
  }
  for (let k = 0; k < suf; k++) ops.push({ tag: ' ', text: x[x.length - suf + k], ai: x.length - suf + k, bi: y.length - suf + k });

  const out = [`--- ${labels.from}`, `+++ ${labels.to}`];
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
    for (const o of hunk) out.push(`${o.tag}${o.text}`);
    k = end;
  }
  return `${out.join('\n')}\n`;
}
