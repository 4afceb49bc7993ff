/**
 * The shape of the code, checked. cli/ and extension/ are thin adapters over core/:
 *
 * 1. cli/ and extension/ reach core/ only through core/index.ts, its public surface. A file that moves
 *    inside core/ then changes one `export … from` line there, never a command or a view.
 * 2. The webview runs in a browser: extension/webview/ imports nothing from core/ (core is Node-bound:
 *    codec/hash.ts uses node:crypto, codec/dagcbor.ts node:buffer, the store node:fs), and its bundle,
 *    built as extension/build.mjs builds it, holds no core/ module and no Node built-in. The webview takes
 *    only types from extension/shared/ (those modules use core for the host's side). Should the webview
 *    ever need a pure function of core, give core a browser-safe entry and allow exactly that one here.
 * 3. extension/shared/ and extension/webview/ do not import 'vscode': view models and the page are plain
 *    modules that vitest (and a browser) load without VS Code.
 * 5. core/ has no import cycles (type-only imports aside): each folder depends on the ones below it
 *    (ARCHITECTURE.md draws the arrows), and within a folder a file never needs one that needs it.
 * 4. Every TypeScript file of the repository is type-checked: it is a root file of exactly one of the
 *    projects that tsconfig.all.json lists (a file in none is never checked; in two, checked twice under
 *    options that may differ).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SOURCE = /\.(ts|mts|cts|js|mjs|cjs)$/;
/** Build output, installed packages and caches are not source. */
const SKIP = new Set(['node_modules', 'dist', '.git', '.cache', '.bench', 'test-results']);

/** Source files under `dir` (relative to the repository root, with forward slashes). */
function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const e of fs.readdirSync(path.join(ROOT, rel), { withFileTypes: true })) {
      const child = `${rel}/${e.name}`;
      if (e.isDirectory() && !SKIP.has(e.name)) walk(child);
      else if (e.isFile() && SOURCE.test(e.name) && !e.name.endsWith('.d.ts')) out.push(child.replace(/^\.\//, ''));
    }
  };
  walk(dir);
  return out.sort();
}

/** A tsconfig's root files (its include/exclude/files, with what it extends), relative to the repository root. */
function projectFiles(config: string): string[] {
  const parsed = ts.getParsedCommandLineOfConfigFile(
    path.join(ROOT, config),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(`${config}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
      },
    },
  );
  if (!parsed) throw new Error(`${config}: cannot be read`);
  return parsed.fileNames.map((f) => path.relative(ROOT, f).split(path.sep).join('/'));
}

interface Import {
  /** file:line of the specifier. */
  where: string;
  specifier: string;
  /** The specifier resolved against the file, relative to the repository root ('' for a package). */
  target: string;
}

/** import … from, export … from, import '…', import('…') and require('…'), each with its line. */
const IMPORT = /\b(?:import|export)\s+(?:type\s+)?(?:[\w*\s{},$]*?\s*from\s*)?(['"])([^'"\n]+)\1|\b(?:import|require)\s*\(\s*(['"])([^'"\n]+)\3\s*\)/g;

function importsOf(file: string): Import[] {
  const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
  const out: Import[] = [];
  for (const m of text.matchAll(IMPORT)) {
    const specifier = m[2] ?? m[4];
    const at = m.index + m[0].lastIndexOf(specifier);
    const line = text.slice(0, at).split('\n').length;
    const target = specifier.startsWith('.')
      ? path
          .relative(ROOT, path.resolve(ROOT, path.dirname(file), specifier))
          .split(path.sep)
          .join('/')
      : '';
    out.push({ where: `${file}:${line}`, specifier, target });
  }
  return out;
}

const shellFiles = [...sourceFiles('cli'), ...sourceFiles('extension')];

describe('architecture', () => {
  it('finds the imports it checks', () => {
    // Guards the scan itself: a pattern that matched nothing would pass every rule below.
    expect(shellFiles).toContain('cli/main.ts');
    expect(shellFiles).toContain('extension/build.mjs');
    const cliMain = importsOf('cli/main.ts').map((i) => i.target);
    expect(cliMain).toContain('core/index.js');
  });

  it('cli/ and extension/ import core/ only through core/index.js', () => {
    const bad = shellFiles.flatMap(importsOf).filter((i) => (i.target === 'core' || i.target.startsWith('core/')) && i.target !== 'core/index.js');
    expect(bad.map((i) => `${i.where}: imports ${i.specifier}; import from core/index.js instead (add the export there)`)).toEqual([]);
  });

  it('extension/webview/ imports nothing from core/', () => {
    const bad = sourceFiles('extension/webview')
      .flatMap(importsOf)
      .filter((i) => i.target === 'core' || i.target.startsWith('core/'));
    expect(bad.map((i) => `${i.where}: imports ${i.specifier}, which is Node-bound; the webview runs in a browser`)).toEqual([]);
  });

  it("extension/shared/ and extension/webview/ do not import 'vscode'", () => {
    const bad = [...sourceFiles('extension/shared'), ...sourceFiles('extension/webview')].flatMap(importsOf).filter((i) => i.specifier === 'vscode');
    expect(bad.map((i) => `${i.where}: imports vscode; keep VS Code in extension/src/`)).toEqual([]);
  });

  it('the webview bundle holds no core/ module and no Node built-in', async () => {
    // As extension/build.mjs bundles it for production (minified: comments that quote require() are gone).
    // A Node built-in does not even resolve for the browser platform: the build throws, naming the importer.
    const result = await esbuild
      .build({
        entryPoints: [path.join(ROOT, 'extension/webview/main.ts')],
        bundle: true,
        platform: 'browser',
        format: 'iife',
        target: 'es2022',
        minify: true,
        write: false,
        metafile: true,
        logLevel: 'silent',
      })
      .catch((e: esbuild.BuildFailure) => {
        const first = e.errors.slice(0, 5).map((m) => `${m.location?.file}:${m.location?.line}: ${m.text}`);
        throw new Error(
          `the webview bundle does not build for the browser: it reaches Node-only code (a value import from extension/shared/ brings core/ in; take types only):\n${first.join('\n')}`,
        );
      });
    const inputs = Object.keys(result.metafile.inputs).map((f) => path.relative(ROOT, path.resolve(process.cwd(), f)).split(path.sep).join('/'));
    expect(inputs).toContain('extension/webview/main.ts');
    expect(inputs.filter((f) => f.startsWith('core/') || f.startsWith('node:'))).toEqual([]);
    const code = result.outputFiles[0].text;
    const nodeOnly = [...code.matchAll(/\brequire\(\s*["'][^"']*["']|["']node:[^"']*["']/g)].map(
      (m) => `…${code.slice(Math.max(0, m.index - 60), m.index + m[0].length)}`,
    );
    expect(nodeOnly).toEqual([]);
  });

  it('core/ has no import cycles (type-only imports aside)', () => {
    const files = sourceFiles('core').filter((f) => f.endsWith('.ts'));
    const VALUE_IMPORT = /^(?:import|export)\s+(?!type\b)[^;]*?\bfrom\s+'(\.[^']+)'/gm;
    const deps = new Map<string, string[]>();
    for (const f of files) {
      const text = fs.readFileSync(path.join(ROOT, f), 'utf8');
      const targets = [...text.matchAll(VALUE_IMPORT)].map((m) =>
        path
          .relative(ROOT, path.resolve(ROOT, path.dirname(f), m[1].replace(/\.js$/, '.ts')))
          .split(path.sep)
          .join('/'),
      );
      deps.set(f, targets);
    }
    expect(deps.get('core/store/store.ts')?.length).toBeGreaterThan(3); // the scan reads imports
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const visit = (f: string, trail: string[]): void => {
      if (state.get(f) === 'done') return;
      if (state.get(f) === 'open') {
        cycles.push([...trail.slice(trail.indexOf(f)), f].join(' -> '));
        return;
      }
      state.set(f, 'open');
      for (const d of deps.get(f) ?? []) visit(d, [...trail, f]);
      state.set(f, 'done');
    };
    for (const f of files) visit(f, []);
    expect(cycles).toEqual([]);
  });

  it('every TypeScript file is a root of exactly one project of tsconfig.all.json', () => {
    const all = ts.readConfigFile(path.join(ROOT, 'tsconfig.all.json'), ts.sys.readFile);
    if (all.error) throw new Error(ts.flattenDiagnosticMessageText(all.error.messageText, '\n'));
    const projects = (all.config.references as Array<{ path: string }>).map((r) => path.normalize(r.path).split(path.sep).join('/'));
    expect(projects).toContain('tsconfig.json');
    const owners = new Map<string, string[]>();
    for (const p of projects) for (const f of projectFiles(p)) owners.set(f, [...(owners.get(f) ?? []), p]);
    const typescript = sourceFiles('.').filter((f) => /\.[mc]?ts$/.test(f));
    expect(typescript).toContain('vitest.config.ts');
    const wrong = typescript
      .filter((f) => owners.get(f)?.length !== 1)
      .map((f) => `${f}: ${owners.get(f)?.join(', ') ?? 'in no project, so never type-checked'}`);
    expect(wrong).toEqual([]);
  });
});
