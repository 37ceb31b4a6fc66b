/**
 * Imported first by every bundled entry. The bundle is ESM, but libpg-query's emscripten loader
 * is CommonJS and finds its .wasm through `__dirname`, which ESM does not define. The build
 * copies the .wasm next to each bundle, so the bundle's own directory is the right answer.
 */
import { fileURLToPath } from 'node:url';
import { dirname } from 'node:path';

const g = globalThis as { __filename?: string; __dirname?: string };
g.__filename ??= fileURLToPath(import.meta.url);
g.__dirname ??= dirname(g.__filename);

// node-postgres decides whether it runs on Cloudflare by probing `navigator`, and, where Node
// has none (Node 20), by constructing a `Response`, which loads all of undici: ~20 ms of every
// cold start. Node 21+ defines `navigator` itself; giving Node 20 the same answer skips the probe.
const nav = globalThis as { navigator?: { userAgent: string } };
if (typeof nav.navigator === 'undefined') {
  Object.defineProperty(globalThis, 'navigator', {
    value: { userAgent: `Node.js/${process.versions.node.split('.')[0]}` },
    configurable: true,
    writable: true,
  });
}
