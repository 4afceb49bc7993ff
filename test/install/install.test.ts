import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tmpdir } from '../helpers/tmp.js';

/**
 * Installing agentlog as the README says: `npm install -g .` at the repository root, and the tarball
 * `npm pack` makes, each into a temporary prefix, then the installed `agentlog` run as a user runs it.
 * Scripts are not run (dist/ is built by the test run's tsc; a user's `npm ci` builds it), and npm
 * takes dependencies from its cache where it can.
 */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The environment without what an outer `npm run`/`npm test` hands down (npm_config_*, npm_lifecycle_*). */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
}

function npm(args: string[], cwd: string): string {
  return execFileSync('npm', [...args, '--no-audit', '--no-fund', '--ignore-scripts'], { cwd, env: cleanEnv(), encoding: 'utf8', stdio: 'pipe' });
}

/** The installed command on a demo store: its version, a real write (demo) and a real read (ls, verify). */
function tryInstalled(prefix: string): void {
  const bin = path.join(prefix, 'bin', 'agentlog');
  const run = (args: string[], cwd: string) =>
    execFileSync(bin, args, { cwd, env: { ...cleanEnv(), AGENTLOG_AUTO_GC: 'wait' }, encoding: 'utf8', stdio: 'pipe' });
  expect(run(['--version'], prefix)).toBe('agentlog 0.1.0\n');
  const work = tmpdir();
  const store = run(['demo', 'tour'], work).trim();
  expect(store).toBe(fs.realpathSync(path.join(work, 'tour')));
  const ls = run(['ls'], store);
  expect(ls).toMatch(/^fix-date-test\tagentlog-demo\t/m);
  run(['verify'], store); // exit 0, or execFileSync throws with its stderr
  expect(run(['show', 'fix-date-test'], store)).toContain('formats dates in UTC');
}

describe('install', () => {
  it('npm install -g . at the repository root puts a working agentlog on the PATH', () => {
    const prefix = tmpdir();
    npm(['install', '-g', '--prefix', prefix, '--offline', ROOT], ROOT);
    expect(fs.readlinkSync(path.join(prefix, 'bin', 'agentlog'))).toMatch(/agentlog\/cli\/bin\/agentlog\.js$/);
    tryInstalled(prefix);
  });

  it('npm pack makes a tarball of the built CLI that installs the same way', () => {
    const out = tmpdir();
    const tgz = npm(['pack', '--pack-destination', out], ROOT).trim().split('\n').pop()!;
    expect(tgz).toBe('agentlog-0.1.0.tgz');
    const files = execFileSync('tar', ['tzf', path.join(out, tgz)], { encoding: 'utf8' })
      .trim()
      .split('\n');
    expect(files).toContain('package/cli/bin/agentlog.js');
    expect(files).toContain('package/dist/cli/main.js');
    expect(files).toContain('package/cli/demo/sample-session.jsonl');
    // The built CLI only: no sources, tests, extension or maps.
    expect(files.filter((f) => /^package\/(test|core|extension)\/|\.map$|\.ts$/.test(f))).toEqual([]);
    const prefix = tmpdir();
    npm(['install', '-g', '--prefix', prefix, '--prefer-offline', path.join(out, tgz)], out);
    expect(fs.lstatSync(path.join(prefix, 'lib', 'node_modules', 'agentlog')).isSymbolicLink()).toBe(false);
    tryInstalled(prefix);
  });
});
