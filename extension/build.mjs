// Bundles the extension: the host and its workers (verify; coreWorker: scan, stats, search, push, redact) (CommonJS for Node, 'vscode' external, core/ inlined) and the
// webview page (an IIFE for the browser), plus its stylesheet, into extension/dist/.
import * as esbuild from 'esbuild';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const dist = path.join(here, 'dist');
const production = !process.argv.includes('--dev');

fs.rmSync(dist, { recursive: true, force: true });
await Promise.all([
  esbuild.build({
    entryPoints: {
      extension: path.join(here, 'src/extension.ts'),
      verifyWorker: path.join(here, 'src/verifyWorker.ts'),
      coreWorker: path.join(here, 'src/coreWorker.ts'),
    },
    outdir: dist,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode', 'cbor-extract'],
    // core/search/indexDb.ts reads import.meta.url only where there is no `require`: never in this bundle.
    define: { 'import.meta.url': '""' },
    sourcemap: !production,
    minify: production,
    logLevel: 'warning',
  }),
  esbuild.build({
    entryPoints: [path.join(here, 'webview/main.ts')],
    outfile: path.join(dist, 'webview/main.js'),
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    sourcemap: !production,
    minify: production,
    logLevel: 'warning',
  }),
]);
fs.copyFileSync(path.join(here, 'media/panel.css'), path.join(dist, 'webview/panel.css'));
// The search index's SQLite (core/search/indexDb.ts), bundled into the workers, loads its WebAssembly from beside them.
fs.copyFileSync(path.join(here, '../node_modules/node-sqlite3-wasm/dist/node-sqlite3-wasm.wasm'), path.join(dist, 'node-sqlite3-wasm.wasm'));
console.log(`built ${path.relative(process.cwd(), dist)}`);
