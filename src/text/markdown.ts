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

/**
 * A path as code that may wrap: in a table, code breaks only at spaces, so one long path widens
 * the table past GitHub's column (it then scrolls sideways). A path of up to 60 characters fits
 * beside a summary table's other columns and stays a plain code span; a longer one is HTML
 * `<code>` with `<wbr>` after each `/` and `_` (GitHub keeps both elements).
 */
export function pathCode(path: string): string {
  const p = oneLine(path);
  if (p.length <= 60) return code(p);
  return `<code>${escapeHtml(p).replace(/[/_]/g, '$&<wbr>')}</code>`;
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

/**
 * Markdown-inert text on one line: what a summary quotes from outside (error text, details)
 * renders as written, not as emphasis, code, HTML, an entity, math (`$…$`) or a list. Unlike
 * {@link code}, it reads as prose and wraps like prose. URLs are left as written, so GitHub links
 * them whole (a backslash escape inside one would become part of the link in some renderers).
 */
export function plain(s: string): string {
  return oneLine(s)
    .trim()
    .split(/(https?:\/\/[^\s<>`|]+)/)
    // `_` inside a word never starts emphasis (GFM), so `pg_dump` stays as written.
    .map((part, i) => (i % 2 === 1 ? part : part.replace(/[\\`*[\]<>|~#$]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])|&(?=#?\w+;)/g, '\\$&')))
    .join('')
    .replace(/^([-+=]|\d+[.)])/, (m) => `${m.slice(0, -1)}\\${m.slice(-1)}`);
}

/**
 * Characters per line of a fenced block. GitHub's code blocks never wrap (`white-space: pre`,
 * `overflow: auto`), so a longer line scrolls sideways: at 85 % of 16 px, monospace is about
 * 8.2 px a character, and 1012 px of content less the block's padding and a list's indent
 * holds about 115; 100 leaves room for wider fonts.
 */
export const CODE_WIDTH = 100;

/**
 * Lines longer than `width` broken at their last space that fits (a word longer than the line is
 * cut), each continuation starting with `continuation(line)`: by default the line's own
 * indentation and two more spaces.
 */
export function wrapCode(text: string, width = CODE_WIDTH, continuation: (line: string) => string = (l) => `${indentOf(l)}  `): string {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    if (line.length <= width) {
      out.push(line);
      continue;
    }
    // Never less than a third of the line for the text, whatever the continuation asks.
    const lead = continuation(line).slice(0, Math.floor(width / 3));
    let rest = line;
    let first = true;
    while (rest.length > width) {
      const floor = first ? indentOf(rest).length : lead.length;
      const at = rest.lastIndexOf(' ', width);
      const cut = at > floor ? at : width;
      out.push(rest.slice(0, cut).trimEnd());
      rest = `${lead}${rest.slice(cut).trimStart()}`;
      first = false;
    }
    out.push(rest);
  }
  return out.join('\n');
}

/** SQL for a fenced block, {@link wrapCode}d: a comment line goes on as a comment. */
export function wrapSql(sql: string, width = CODE_WIDTH): string {
  return wrapCode(sql, width, (l) => `${indentOf(l)}${/^\s*--/.test(l) ? '-- ' : '  '}`);
}

/** A unified diff for a fenced block, {@link wrapCode}d: a continuation keeps its line's `+`/`-` mark. */
export function wrapDiff(diff: string, width = CODE_WIDTH): string {
  return wrapCode(diff, width, (l) => `${/^[-+]/.test(l) ? l[0] : ' '}   `);
}

/**
 * A POSIX shell command for a fenced `sh` block, no line wider than `width`, that a shell reads
 * as the same command: commands joined by `&&` (`||`, `|`) start their own line (a line may end
 * in one), arguments go on with ` \` and an indent, and a word longer than a line is split by a
 * bare `\` newline (inside single quotes: `'…'\` newline `'…'`), which the shell removes, with no
 * indent, which would split the word.
 */
export function wrapShell(command: string, width = CODE_WIDTH): string {
  if (command.length <= width || command.includes('\n')) return command;
  const lines: string[] = [];
  let line = '';
  for (const word of shellWords(command)) {
    if (word === '&&' || word === '||' || word === '|') {
      // A line may end in an operator: the shell reads on. One that does not fit goes first on the next.
      if (line.length + 1 + word.length > width) {
        lines.push(`${line} \\`);
        line = `  ${word}`;
      } else line = `${line} ${word}`;
      lines.push(line);
      line = '';
      continue;
    }
    if (line === '') {
      line = word;
    } else if (line.length + 1 + word.length + 2 <= width) {
      line = `${line} ${word}`;
    } else {
      lines.push(`${line} \\`);
      line = `  ${word}`;
    }
    // Room for the ` \` that may follow.
    if (line.length > width - 2) {
      const parts = splitWord(line, width - 2);
      for (const p of parts.slice(0, -1)) lines.push(p);
      line = parts[parts.length - 1]!;
    }
  }
  if (line !== '') lines.push(line);
  return lines.join('\n');
}

/** The words of a one-line command: split at spaces outside quotes, quotes and escapes kept as written. */
function shellWords(command: string): string[] {
  const words: string[] = [];
  let word = '';
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < command.length; i++) {
    const ch = command[i]!;
    if (quote) {
      word += ch;
      if (ch === quote) quote = undefined;
      else if (ch === '\\' && quote === '"' && i + 1 < command.length) word += command[++i];
    } else if (ch === ' ' || ch === '\t') {
      if (word !== '') words.push(word);
      word = '';
    } else {
      word += ch;
      if (ch === "'" || ch === '"') quote = ch;
      else if (ch === '\\' && i + 1 < command.length) word += command[++i];
    }
  }
  if (word !== '') words.push(word);
  return words;
}

/**
 * A line whose last word is too long, as lines of at most `width` ending in a continuation the
 * shell removes: `\` newline outside single quotes, `'\` newline `'` inside them (close, continue,
 * reopen). Where it can, a line breaks before a URL's `?` or `&`, after a `/` or before other
 * punctuation, so each piece reads as a part of it. An escape (`\x`) is never split. Later
 * pieces start at column 0: an indent would split the word.
 */
function splitWord(line: string, width: number): string[] {
  // Units: a character, or an escape with the character it escapes; `single`: a break before it is inside single quotes.
  const units: { text: string; single: boolean }[] = [];
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < line.length; i++) {
    let text = line[i]!;
    if (text === '\\' && quote !== "'" && i + 1 < line.length) text += line[++i];
    units.push({ text, single: quote === "'" });
    if (quote) {
      if (text === quote) quote = undefined;
    } else if (text === "'" || text === '"') quote = text;
  }
  const out: string[] = [];
  let start = 0;
  while (start < units.length) {
    const reopen = start > 0 && units[start]!.single ? "'" : '';
    let len = reopen.length;
    let end = start;
    // Room for the continuation: `\`, or `'\` inside single quotes.
    while (end < units.length && len + units[end]!.text.length + 2 <= width) len += units[end++]!.text.length;
    if (end >= units.length) {
      out.push(`${reopen}${units.slice(start).map((u) => u.text).join('')}`);
      break;
    }
    if (end === start) end = start + 1;
    // In the last three quarters of the line: a query string's `?` or `&`, else after a `/`, else before other punctuation.
    const from = start + Math.floor((end - start) / 4);
    const at = (ok: (k: number) => boolean) => {
      for (let k = end; k > from; k--) if (ok(k)) return k;
      return undefined;
    };
    end =
      at((k) => units[k]!.text === '?' || units[k]!.text === '&') ??
      at((k) => units[k - 1]!.text === '/') ??
      at((k) => /^[@:.=_-]$/.test(units[k]!.text)) ??
      end;
    out.push(`${reopen}${units.slice(start, end).map((u) => u.text).join('')}${units[end]!.single ? "'" : ''}\\`);
    start = end;
  }
  return out;
}

function indentOf(line: string): string {
  return /^\s*/.exec(line)![0];
}

/** A failure as {@link errorText} reads it: the fields the action's errors and the issue's share. */
export interface ErrorFields {
  message: string;
  details?: string;
  file?: string;
  line?: number;
  column?: number;
  sqlstate?: string;
  statement?: string;
}

/** What an error says, each thing once: see {@link errorText}. */
export interface ErrorText {
  /** `file:line:column` (or the file) when the error has one. */
  where?: string;
  /** The message without the location it starts with and the ` (SQLSTATE …)` it ends with. */
  message: string;
  /** The lines the description adds, labelled when they say what they are (`Detail`, `Server hint`, `Hint`). */
  extras: { label?: string; text: string }[];
}

/**
 * An error for a page that shows its location, SQLSTATE and statement apart: the message without
 * them (the engine puts `file:line:column: ` first and ` (SQLSTATE x)` last), and the lines of the
 * description after the message it repeats (or a longer form of it, which then is the message),
 * without the one-line statement when the statement is shown whole.
 */
export function errorText(e: ErrorFields): ErrorText {
  const where = e.file ? `${e.file}${e.line !== undefined ? `:${e.line}:${e.column ?? 1}` : ''}` : undefined;
  const lines = (e.details ?? '')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  let message = squash(e.message);
  let rest = lines;
  if (lines[0] !== undefined && squash(lines[0]).startsWith(message)) [message, rest] = [squash(lines[0]), lines.slice(1)];
  if (where && message.startsWith(`${where}: `)) message = message.slice(where.length + 2);
  const state = e.sqlstate ? ` (SQLSTATE ${e.sqlstate})` : '';
  if (state && message.endsWith(state)) message = message.slice(0, -state.length);
  const extras: ErrorText['extras'] = [];
  for (const l of rest) {
    const m = /^(detail|server hint|hint|statement): (.*)$/i.exec(l);
    if (!m) extras.push({ text: l });
    else if (!(m[1]!.toLowerCase() === 'statement' && e.statement)) extras.push({ label: `${m[1]![0]!.toUpperCase()}${m[1]!.slice(1).toLowerCase()}`, text: m[2]! });
  }
  return { ...(where ? { where } : {}), message, extras };
}
