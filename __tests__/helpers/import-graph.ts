import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, posix, relative } from 'node:path';

/** One import of a source file: a relative one resolved to its file under src/, or a package name. */
export interface ImportEdge {
  from: string;
  /** Path under src/ (`engine/db.ts`) for relative imports; the package (`@actions/core`, `pg`) otherwise. */
  to: string;
  relative: boolean;
  /** `import type` / `export type`: erased at build time, still a dependency of the reader. */
  typeOnly: boolean;
}

// Static imports and re-exports (with or without `type`), side-effect imports and dynamic import().
const IMPORT_RE = /(?:^|\n)\s*(import|export)(\s+type)?\s+(?:[^'";]*?\s+from\s+)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

/** Every `.ts` file under `srcDir`, as paths relative to it with `/` separators. */
export function sourceFiles(srcDir: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) out.push(relative(srcDir, p).split('\\').join('/'));
    }
  };
  walk(srcDir);
  return out.sort();
}

/** The import edges of every source file under `srcDir`; comments are stripped first so examples in them do not count. */
export function importGraph(srcDir: string): ImportEdge[] {
  const edges: ImportEdge[] = [];
  for (const file of sourceFiles(srcDir)) {
    const text = readFileSync(join(srcDir, file), 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
    for (const m of text.matchAll(IMPORT_RE)) {
      const spec = m[3] ?? m[4];
      const typeOnly = m[2] !== undefined;
      if (spec.startsWith('.')) {
        const to = posix.normalize(posix.join(dirname(file), spec)).replace(/\.js$/, '.ts');
        edges.push({ from: file, to, relative: true, typeOnly });
      } else if (!spec.startsWith('node:')) {
        const pkg = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
        edges.push({ from: file, to: pkg, relative: false, typeOnly });
      }
    }
  }
  return edges;
}

/** Every import cycle among the files (type imports included), each as the list of files around it. */
export function importCycles(edges: readonly ImportEdge[]): string[][] {
  const next = new Map<string, string[]>();
  for (const e of edges) if (e.relative) next.set(e.from, [...(next.get(e.from) ?? []), e.to]);
  const cycles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (f: string) => {
    state.set(f, 'open');
    stack.push(f);
    for (const t of next.get(f) ?? []) {
      if (state.get(t) === 'open') cycles.push([...stack.slice(stack.indexOf(t)), t]);
      else if (!state.has(t)) visit(t);
    }
    stack.pop();
    state.set(f, 'done');
  };
  for (const f of [...next.keys()].sort()) if (!state.has(f)) visit(f);
  return cycles;
}

/** The top folder of a file under src/ (`engine`, `action`, …), or `.` for the entry files at src/. */
export function layerOf(file: string): string {
  return file.includes('/') ? file.split('/')[0] : '.';
}

/** A source file named in a comment of another one, e.g. `engine/lock.ts` or `pipeline.ts`. */
export interface FileMention {
  file: string;
  line: number;
  mention: string;
}

/**
 * Source files named in comments that do not exist under `srcDir`: a comment that sends the
 * reader to `lint-step.ts` after it became `steps/lint.ts` is worse than none. A bare name
 * (`pipeline.ts`) counts when some file has that name; `src/…` must resolve from src/, any
 * other path from src/ or from the commenting file's folder.
 */
export function staleFileMentions(srcDir: string): FileMention[] {
  const files = sourceFiles(srcDir);
  const names = new Set(files.map((f) => posix.basename(f)));
  const known = new Set(files);
  const out: FileMention[] = [];
  for (const file of files) {
    const lines = readFileSync(join(srcDir, file), 'utf8').split('\n');
    lines.forEach((text, i) => {
      const comment = /^\s*(\*|\/\/|\/\*\*?)/.test(text) ? text : (/\/\/(.*)$/.exec(text)?.[1] ?? '');
      for (const m of comment.matchAll(/(?<![\w@/.-])((?:[\w.-]+\/)*[\w-]+\.ts)\b/g)) {
        const mention = m[1];
        const path = mention.replace(/^src\//, '');
        const ok = mention.startsWith('src/')
          ? known.has(path)
          : mention.includes('/')
            ? known.has(path) || known.has(posix.normalize(posix.join(dirname(file), path)))
            : names.has(mention);
        if (!ok) out.push({ file, line: i + 1, mention });
      }
    });
  }
  return out;
}
