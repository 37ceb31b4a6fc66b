/** Small helpers for the markdown GitHub renders in job summaries, issues and reports. */

/**
 * Inline code that survives what the value holds (summaries, issues and reports quote error text
 * and names from outside): a backtick run longer than any inside (CommonMark), on one line (a
 * blank line would end the span, a line break a table cell or list item), and `` ` ` `` for an
 * empty value (two bare backticks are not a code span).
 */
export function code(s: string): string {
  const text = oneLine(s);
  if (text === '') return '` `';
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((m) => m.length));
  const tick = '`'.repeat(longest + 1);
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${tick}${pad}${text}${pad}${tick}`;
}

/** A fenced block longer than any backtick run inside it. */
export function fence(s: string, lang: string): string {
  const longest = Math.max(2, ...(s.match(/`+/g) ?? []).map((m) => m.length));
  const f = '`'.repeat(longest + 1);
  return `${f}${lang}\n${s.replace(/\s+$/, '')}\n${f}`;
}

/** A markdown table cell: one line, pipes escaped. */
export function cell(s: string): string {
  return oneLine(s).replace(/\|/g, '\\|');
}

/** Newlines (and the blanks around them) as one space. */
export function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, ' ');
}

/**
 * Every run of whitespace as one space, trimmed: a message quoted inside a line (an issue's
 * code span, a chat field, a log line), where {@link oneLine}'s gentler join is not enough.
 */
export function squash(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

/** Text safe inside HTML (GitHub renders the HTML a summary contains). */
export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
