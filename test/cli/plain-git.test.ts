import { execFile, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { textconvCommand } from '../../cli/diffDriver.js';
import { registerDiffDriver } from '../../core/index.js';
import { cli, cliOk, storeWithSession } from '../helpers/cli.js';
import { startGitHttpServer, type GitHttpServer } from '../helpers/git-http-server.js';
import { git, tmpdir } from '../helpers/tmp.js';

// Plain git understands the store (issue 19, point 3): a `git clone` of a store is a working store,
// and git prints events as text. The real git CLI, and the real git smart-HTTP server serving a
// store made by `agentlog init`.

let server: GitHttpServer;
beforeAll(async () => {
  server = await startGitHttpServer(tmpdir('agentlog-plain-git-'));
});
afterAll(async () => {
  await server?.close();
});

/** A store with two sessions, made in a folder the HTTP server serves; its URL. */
async function servedStore(): Promise<{ url: string; dir: string }> {
  const dir = path.join(server.root, `store-${fs.readdirSync(server.root).length}`);
  fs.mkdirSync(dir);
  await cliOk(dir, ['init', '.']);
  await cliOk(dir, ['new', '--title', 'Fix login']);
  await cliOk(dir, ['append', 'fix-login', '--role', 'user', '--text', 'why does login fail?']);
  await cliOk(dir, ['new', '--title', 'Second session']);
  await cliOk(dir, ['append', 'second-session', '--role', 'user', '--text', 'another question']);
  return { url: `${server.url}/${path.basename(dir)}/.git`, dir };
}

describe('plain git and the store', () => {
  it('git clone of a store: found as a store, every timeline listed, an append makes the local branch', async () => {
    const { url, dir } = await servedStore();
    const home = tmpdir();
    // git clone writes its progress and warnings on stderr
    const cloned = await gitAsync(home, ['clone', url, 'x']);
    expect(cloned.code).toBe(0);
    expect(cloned.err).toContain("Cloning into 'x'");
    // The store's HEAD names its own branch (an empty tree): no "remote HEAD refers to nonexistent ref".
    expect(cloned.err).not.toContain('warning');
    const x = path.join(home, 'x');
    expect(git(x, ['symbolic-ref', 'HEAD']).trim()).toBe('refs/heads/agentlog@store');
    expect(git(x, ['status', '--porcelain'])).toBe('');
    expect(fs.readdirSync(x)).toEqual(['.git']);
    expect(git(dir, ['status', '--porcelain'])).toBe(''); // and the store itself is clean for git

    const ls = await cliOk(x, ['ls']);
    expect(ls.err).toContain('is a git clone of a store: marked it as one');
    expect(ls.out).toContain('fix-login');
    expect(ls.out).toContain('second-session');
    expect(ls.out).not.toContain('agentlog@store'); // the store's own branch is no timeline
    expect((await cliOk(x, ['ls'])).err).toBe(''); // marked: found at once from now on
    // git checked out the store's branch: read commands do not take it for a timeline
    expect((await cliOk(x, ['show'])).err).toContain('the timeline appended to last');
    // the remote-only timeline reads by name, and by a prefix of it
    expect((await cliOk(x, ['show', 'second'])).out).toContain('another question');

    expect(git(x, ['branch', '--list', 'second-session']).trim()).toBe('');
    await cliOk(x, ['append', 'second-session', '--role', 'assistant', '--text', 'an answer']);
    expect(git(x, ['rev-parse', 'second-session^']).trim()).toBe(git(x, ['rev-parse', 'origin/second-session']).trim());
    expect((await cliOk(x, ['verify'])).err).toContain('all 1 timeline(s) verified');
    // and plain git pushes it back
    expect((await gitAsync(x, ['push', '-q', 'origin', 'second-session'])).code).toBe(0);
    expect(git(dir, ['rev-parse', 'second-session']).trim()).toBe(git(x, ['rev-parse', 'second-session']).trim());
    // and the other one
    await cliOk(x, ['append', 'fix-login', '--role', 'assistant', '--text', 'answered']);
    const pushed = await gitAsync(x, ['push', '-q', 'origin', 'fix-login']);
    expect(pushed.code, pushed.err).toBe(0);
    expect(git(dir, ['rev-parse', 'fix-login']).trim()).toBe(git(x, ['rev-parse', 'fix-login']).trim());
    expect((await cliOk(dir, ['verify'])).err).toContain('all 2 timeline(s) verified');
  });

  it('git log -p, git show and git diff print events as DAG-JSON through the diff driver init registers', async () => {
    const { dir, name } = await storeWithSession({ messages: ['why does login fail?', 'the token expired'] });
    const store = path.join(dir, '.agentlog');
    expect(git(store, ['config', 'diff.agentlog.textconv'])).toContain('agentlog textconv');
    expect(fs.readFileSync(path.join(store, '.git', 'info', 'attributes'), 'utf8')).toContain('*.cbor diff=agentlog');
    // no agentlog on the PATH: the driver runs this CLI by its path
    const logP = git(store, ['log', '-p', '-n', '1', name], { env: { ...process.env, PATH: '/usr/bin:/bin', GIT_CONFIG_NOSYSTEM: '1', HOME: os.tmpdir() } });
    expect(logP).not.toContain('Binary files');
    expect(logP).toContain('+      "text": "the token expired",');
    expect(logP).toMatch(/\n\+ {2}"cid": \{"\/": "bafyrei[a-z2-7]+"\},\n/);
    const show = git(store, ['show', `${name}~1`]);
    expect(show).toContain('"text": "why does login fail?"');
    const diff = git(store, ['diff', `${name}~2`, name]);
    expect(diff).toContain('+  "role": "assistant",');
    expect(diff).not.toContain('Binary files');
    // The CLI moved away from where init found it: the driver runs `agentlog` from the PATH.
    registerDiffDriver(path.join(store, '.git'), textconvCommand(path.join(tmpdir(), 'gone', 'agentlog.js')));
    const bin = tmpdir();
    const real = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../cli/bin/agentlog.js');
    fs.writeFileSync(path.join(bin, 'agentlog'), `#!/bin/sh\nexec '${process.execPath}' '${real}' "$@"\n`, { mode: 0o755 });
    const moved = git(store, ['show', name], { env: { ...process.env, PATH: `${bin}:/usr/bin:/bin`, GIT_CONFIG_NOSYSTEM: '1', HOME: os.tmpdir() } });
    expect(moved).toContain('+      "text": "the token expired",');
    // init again puts this CLI back, and changes nothing else: one section, one attributes line
    await cliOk(dir, ['init']);
    expect(fs.readFileSync(path.join(store, '.git', 'config'), 'utf8').match(/\[diff "agentlog"\]/g)).toHaveLength(1);
    expect(fs.readFileSync(path.join(store, '.git', 'info', 'attributes'), 'utf8').match(/diff=agentlog/g)).toHaveLength(1);
  });

  it('agentlog textconv prints an event file, and says in one line what a file that is not one is', async () => {
    const { dir, name } = await storeWithSession({ messages: ['hello'] });
    const store = path.join(dir, '.agentlog');
    const file = path.join(tmpdir(), 'e.cbor');
    fs.writeFileSync(file, execFileSync('git', ['cat-file', 'blob', `${name}:events/000000/00/000000001.cbor`], { cwd: store }));
    const r = await cliOk(dir, ['textconv', file]);
    expect(JSON.parse(r.out).content[0].text).toBe('hello');
    fs.writeFileSync(file, 'not cbor');
    const bad = await cli(dir, ['textconv', file]);
    expect(bad.code).toBe(0);
    expect(bad.out).toMatch(/^\(not an agentlog event, 8 bytes: .+\)\n$/);
  });

  it('agentlog clone and demo register the diff driver too', async () => {
    const { url } = await servedStore();
    const home = tmpdir();
    await cliOk(home, ['clone', url, 'c']);
    expect(git(path.join(home, 'c'), ['config', 'diff.agentlog.textconv'])).toContain('agentlog textconv');
    await cliOk(home, ['demo', 'd']);
    expect(git(path.join(home, 'd'), ['config', 'diff.agentlog.textconv'])).toContain('agentlog textconv');
  });
});

/**
 * The git CLI run without blocking: the HTTP server answers from this same process, so a git that
 * talks to it must not be run synchronously. Its exit code, stdout and stderr.
 */
function gitAsync(cwd: string, args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile('git', args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', HOME: os.tmpdir() } }, (error, out, err) =>
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, out, err }),
    );
  });
}
