import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { bareRepo, startGitHttpServer } from '../helpers/git-http-server.js';
import { closedPort } from '../helpers/port.js';
import { snapshot } from '../helpers/snapshot.js';
import { cli, ENV, events, gitAsync, HOME, machineWithSession, ok } from '../helpers/sync.js';
import { git, tmpdir } from '../helpers/tmp.js';
import { useGitHttpServer } from '../helpers/use-git-http-server.js';

const server = useGitHttpServer();

describe('sync rejects bad remotes and leaves the store untouched', () => {
  async function storeWithRemote(url: string) {
    const a = await machineWithSession('Untouched');
    await ok(a.dir, ['remote', 'add', 'origin', url]);
    return { ...a, gitDir: path.join(a.dir, '.agentlog', '.git') };
  }

  it('rejects an unreachable remote', async () => {
    const port = await closedPort();
    const a = await storeWithRemote(`http://127.0.0.1:${port}/sessions.git`);
    const before = snapshot(a.gitDir);
    for (const cmd of [['push'], ['pull']]) {
      const r = await cli(a.dir, cmd);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/cannot reach http:\/\/127\.0\.0\.1:\d+\/sessions\.git \(ECONNREFUSED\)/);
    }
    const c = tmpdir();
    const r = await cli(c, ['clone', `http://127.0.0.1:${port}/x.git`, 'here']);
    expect(r.code).toBe(1);
    expect(fs.existsSync(path.join(c, 'here'))).toBe(false);
    expect(snapshot(a.gitDir)).toBe(before);
  });

  it('rejects a URL that is not a git server', async () => {
    const web = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html>hello</html>');
    });
    await new Promise<void>((r) => web.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(web.address() as AddressInfo).port}/page`;
      const a = await storeWithRemote(url);
      const before = snapshot(a.gitDir);
      for (const cmd of [['push'], ['pull']]) {
        const r = await cli(a.dir, cmd);
        expect(r.code).toBe(1);
        expect(r.err).toContain(`${url} is not a git server`);
      }
      expect(snapshot(a.gitDir)).toBe(before);
      // A missing repository on a real git server is reported as missing, not as "not a git server".
      const missing = await cli(tmpdir(), ['clone', `${server.url}/no-such-repo.git`, 'x']);
      expect(missing.code).toBe(1);
      expect(missing.err).toMatch(/no repository at .*no-such-repo\.git .*HTTP 404.*check the URL/);
      expect(missing.err).not.toMatch(/not a git server/);
    } finally {
      await new Promise<void>((r) => web.close(() => r()));
    }
  });

  it('rejects a remote that is not an agentlog store (http and path), changing nothing', async () => {
    const url = server.bare('code.git');
    const work = tmpdir();
    git(work, ['init', '--quiet']);
    fs.writeFileSync(path.join(work, 'README.md'), '# some code\n');
    git(work, ['add', 'README.md']);
    git(work, ['commit', '--quiet', '-m', 'code, not a session']);
    await gitAsync(work, ['push', '--quiet', url, 'HEAD:refs/heads/main']);
    const bare = bareRepo(path.join(tmpdir(), 'code.git'));
    git(work, ['push', '--quiet', bare, 'HEAD:refs/heads/main']);
    for (const remote of [url, bare]) {
      const a = await storeWithRemote(remote);
      const before = snapshot(a.gitDir);
      for (const cmd of [['pull'], ['push']]) {
        const r = await cli(a.dir, cmd);
        expect(r.code, r.err).toBe(1);
        expect(r.err).toMatch(/is not an agentlog store: its branch main is not a timeline \(its tip commit [0-9a-f]{12} has no Agentlog-Event trailer/);
      }
      expect(snapshot(a.gitDir)).toBe(before);
      const c = tmpdir();
      const r = await cli(c, ['clone', remote, 'here']);
      expect(r.code).toBe(1);
      expect(r.err).toContain('is not an agentlog store');
      expect(fs.readdirSync(c)).toEqual([]);
    }
    // Nothing was pushed into the code repository.
    expect((await gitAsync(HOME, ['ls-remote', '--heads', url])).trim().split('\n')).toHaveLength(1);
  });

  it('rejects failed authentication without printing or storing the token; a right token or a credential helper works', async () => {
    const root = tmpdir('agentlog-git-auth-');
    const locked = await startGitHttpServer(root, { auth: { username: 'alice', password: 's3cret-token' } });
    try {
      const url = locked.bare('private.git');
      const a = await storeWithRemote(url);
      const before = snapshot(a.gitDir);
      const none = await cli(a.dir, ['push']);
      expect(none.code).toBe(1);
      expect(none.err).toContain(`authentication failed for ${url} (HTTP 401, no credentials given)`);
      const wrong = await cli(a.dir, ['push'], { env: { ...ENV, AGENTLOG_TOKEN: 'wrong-token-xyz', AGENTLOG_USERNAME: 'alice' } });
      expect(wrong.code).toBe(1);
      expect(wrong.err).toContain('the credentials given were refused');
      expect(wrong.err + wrong.out).not.toContain('wrong-token-xyz');
      expect(snapshot(a.gitDir)).toBe(before);
      const c = tmpdir();
      expect((await cli(c, ['clone', url, 'x'])).code).toBe(1);
      expect(fs.existsSync(path.join(c, 'x'))).toBe(false);

      const right = await cli(a.dir, ['push'], { env: { ...ENV, AGENTLOG_TOKEN: 's3cret-token', AGENTLOG_USERNAME: 'alice' } });
      expect(right.code, right.err).toBe(0);
      expect(right.out + right.err).not.toContain('s3cret-token');
      // git's credential helper, as configured for the git CLI.
      const config = path.join(tmpdir(), 'gitconfig');
      fs.writeFileSync(config, '[credential]\n\thelper = "!f() { echo username=alice; echo password=s3cret-token; }; f"\n');
      const helped = await cli(c, ['clone', url, 'y'], { env: { ...ENV, GIT_CONFIG_GLOBAL: config } });
      expect(helped.code, helped.err).toBe(0);
      expect(events(path.join(c, 'y'), a.name)).toEqual(events(path.join(a.dir, '.agentlog'), a.name));
      for (const dir of [path.join(a.dir, '.agentlog'), path.join(c, 'y')]) {
        expect(snapshot(path.join(dir, '.git'))).not.toContain('s3cret-token');
      }
      // A URL with a password is refused rather than stored.
      const pw = await cli(a.dir, ['remote', 'add', 'other', url.replace('http://', 'http://alice:s3cret-token@')]);
      expect(pw.code).toBe(1);
      expect(pw.err).not.toContain('s3cret-token');
    } finally {
      await locked.close();
    }
  });

  it('clones and pulls a public repository without credentials; pushing to it needs them', async () => {
    const root = tmpdir('agentlog-git-public-');
    const pub = await startGitHttpServer(root, { auth: { username: 'bob', password: 'pw-for-push' }, pushOnly: true });
    try {
      const url = pub.bare('public.git');
      const a = await machineWithSession('Public');
      await ok(a.dir, ['remote', 'add', 'origin', url]);
      const denied = await cli(a.dir, ['push']);
      expect(denied.code).toBe(1);
      expect(denied.err).toContain('authentication failed');
      await ok(a.dir, ['push'], { env: { ...ENV, AGENTLOG_TOKEN: 'pw-for-push', AGENTLOG_USERNAME: 'bob' } });
      const b = tmpdir();
      await ok(b, ['clone', url, '.agentlog']);
      expect(events(path.join(b, '.agentlog'), a.name)).toEqual(events(path.join(a.dir, '.agentlog'), a.name));
      await ok(b, ['pull']);
    } finally {
      await pub.close();
    }
  });

  it('rejects bad arguments: unknown remote, unknown timeline, clone into a non-empty folder, duplicate remote', async () => {
    const url = server.bare('args.git');
    const a = await storeWithRemote(url);
    const before = snapshot(a.gitDir);
    const unknownRemote = await cli(a.dir, ['pull', 'nowhere']);
    expect(unknownRemote.code).toBe(1);
    expect(unknownRemote.err).toContain('no remote named nowhere (remotes: origin)');
    const unknownName = await cli(a.dir, ['push', 'origin', 'no-such-timeline']);
    expect(unknownName.code).toBe(1);
    expect(unknownName.err).toContain('no timeline named no-such-timeline');
    const dup = await cli(a.dir, ['remote', 'add', 'origin', url]);
    expect(dup.code).toBe(1);
    expect(dup.err).toContain('a remote named origin already exists');
    expect(snapshot(a.gitDir)).toBe(before);
    const full = tmpdir();
    fs.writeFileSync(path.join(full, 'keep.txt'), 'mine');
    const r = await cli(full, ['clone', url, '.']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('already exists and is not an empty folder');
    expect(fs.readdirSync(full)).toEqual(['keep.txt']);
    expect((await ok(a.dir, ['remote', 'list'])).out).toBe(`origin\t${url}\n`);
    expect(git(path.join(a.dir, '.agentlog'), ['remote', '-v'])).toContain(`origin\t${url} (push)`);
  });
});
