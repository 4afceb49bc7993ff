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
console.log(`built ${path.relative(process.cwd(), dist)}`);
