/**
 * Runs the extension's tests inside a real VS Code (`npm run test:vscode`), with @vscode/test-electron.
 *
 * - On a desktop (AGENTLOG_VSCODE=desktop, or VSCODE_EXECUTABLE=/path/to/code): runTests starts that
 *   VS Code (downloading one when no path is given).
 * - Here (the default): VSCODE_EXECUTABLE is test/vscode/code-shim.cjs, which runs code-server in
 *   headless chromium (installed by test/vscode/setup.sh).
 *
 * The extension under test is the packaged .vsix, unpacked: what a user installs is what is tested.
 * test/vscode/scripted-lm (a language-model provider the suite scripts) is loaded beside it.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runTests } from '@vscode/test-electron';
import * as esbuild from 'esbuild';
import { fileURLToPath } from 'node:url';
import { makeConsentWorkspaces, makeWorkspace } from './workspace.js';

const __dirname = path.dirname(fileURLToPath(import.meta.url));

const root = path.resolve(__dirname, '../..');
const cache = process.env.AGENTLOG_VSCODE_CACHE ?? path.join(root, '.cache/vscode');

async function main() {
  const vsix = path.join(root, 'extension/agentlog-vscode.vsix');
  if (!fs.existsSync(vsix)) throw new Error(`${vsix} is missing: run npm run package first`);
  const ext = path.join(cache, 'extension-under-test');
  fs.rmSync(ext, { recursive: true, force: true });
  fs.mkdirSync(ext, { recursive: true });
  execFileSync('python3', ['-m', 'zipfile', '-e', vsix, ext]);
  const underTest = path.join(ext, 'extension');

  const suite = path.join(cache, 'suite');
  const bundle = (entry: string, outfile: string, define?: Record<string, string>) =>
    esbuild.build({
      entryPoints: [path.join(__dirname, entry)],
      outfile: path.join(suite, outfile),
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      external: ['vscode', 'mocha', 'cbor-extract'],
      logLevel: 'warning',
      define,
    });
  await bundle('suite/index.ts', 'index.js');
  // Source Control's question, in windows of their own: a first load of each folder, then a second.
  for (const load of ['first', 'again']) await bundle('suite/consent.ts', `consent-${load}.js`, { 'process.env.AGENTLOG_CONSENT_LOAD': JSON.stringify(load) });
  // CommonJS, whatever the repository's package.json says; mocha is resolved from its node_modules.
  fs.writeFileSync(path.join(suite, 'package.json'), '{ "type": "commonjs" }\n');
  fs.rmSync(path.join(suite, 'node_modules'), { force: true, recursive: true });
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(suite, 'node_modules'));

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'agentlog-vscode-'));
  const { workspace, store } = await makeWorkspace(tmp);
  const windows = (await makeConsentWorkspaces(tmp)).flatMap((folder) =>
    ['first', 'again'].map((load) => ({ folder, tests: path.join(suite, `consent-${load}.js`) })),
  );
  const desktop = process.env.AGENTLOG_VSCODE === 'desktop';
  const vscodeExecutablePath = process.env.VSCODE_EXECUTABLE ?? (desktop ? undefined : path.join(__dirname, 'code-shim.cjs'));
  const profile = path.join(tmp, 'profile');
  // Beside it, a test-only extension (plain JS, no build): a scripted language-model provider for vscode.lm.
  // A desktop VS Code takes a second --extensionDevelopmentPath; the web workbench keeps its payload in a
  // Map (one value per key: only the last development path loads), so for code-server it is installed in
  // the profile's extensions folder instead, which VS Code scans on first start (the shim does not pass
  // --disable-extensions on).
  const scriptedLm = path.join(__dirname, 'scripted-lm');
  const web = vscodeExecutablePath?.endsWith('code-shim.cjs') ?? false;
  if (web) {
    const { publisher, name, version } = JSON.parse(fs.readFileSync(path.join(scriptedLm, 'package.json'), 'utf8'));
    fs.cpSync(scriptedLm, path.join(profile, 'exts', `${publisher}.${name}-${version}`), { recursive: true });
  }
  const extensionDevelopmentPath = web ? underTest : [underTest, scriptedLm];
  try {
    await runTests({
      vscodeExecutablePath,
      extensionDevelopmentPath,
      extensionTestsPath: path.join(suite, 'index.js'),
      launchArgs: [workspace, `--user-data-dir=${path.join(profile, 'user')}`, `--extensions-dir=${path.join(profile, 'exts')}`, '--disable-extensions'],
      extensionTestsEnv: {
        // The shim opens these windows after the suite, in the same browser. Not on a desktop: no
        // harness there to click the notification with.
        AGENTLOG_VSCODE_WINDOWS: web ? JSON.stringify(windows) : '[]',
        // Only the tests whose title holds this (mocha's grep), e.g. while working on one suite.
        AGENTLOG_TEST_GREP: process.env.AGENTLOG_TEST_GREP ?? '',
        AGENTLOG_TEST_STORE: store,
        AGENTLOG_TEST_WORKSPACE: workspace,
        AGENTLOG_TEST_CLAUDE_FILE: path.join(root, 'test/fixtures/claude-code/tree.jsonl'),
        // A model call's retries without waiting (the panel reads it as the CLI does).
        AGENTLOG_RETRY_MS: '1',
      },
    });
    console.log('real VS Code tests: passed');
  } finally {
    if (!process.env.AGENTLOG_KEEP) fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error('real VS Code tests failed:', e instanceof Error ? e.message : e);
  process.exit(1);
});
