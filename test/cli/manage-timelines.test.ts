import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Store } from '../../core/index.js';
import { cli, cliOk, storeWithSession } from '../helpers/cli.js';
import { git } from '../helpers/tmp.js';

/** A store with fix-login (3 events) and its fork fix-login-retry (at @1, then one more event). */
async function withFork() {
  const { dir, name } = await storeWithSession({ messages: ['Login fails', 'Looking'] });
  await cliOk(dir, ['fork', `${name}@1`, '--name', 'fix-login-retry']);
  await cliOk(dir, ['append', 'fix-login-retry', '--role', 'assistant', '--text', 'Another way']);
  const store = path.join(dir, '.agentlog');
  const gitDir = path.join(store, '.git');
  const branches = () => git(store, ['for-each-ref', '--format=%(refname) %(objectname)', 'refs/heads/']);
  const forks = () => JSON.parse(fs.readFileSync(path.join(gitDir, 'agentlog', 'forks.json'), 'utf8'));
  return { dir, name, store, gitDir, branches, forks, tip: (b: string) => git(store, ['rev-parse', `refs/heads/${b}`]).trim() };
}

describe('rename, delete, undelete', () => {
  it('rename OLD NEW moves the branch, the fork records and HEAD; rename back undoes it', async () => {
    const s = await withFork();
    const tip = s.tip('fix-login');
    const before = s.branches();
    expect(s.forks()).toEqual({ 'fix-login-retry': 'fix-login' });
    git(s.store, ['symbolic-ref', 'HEAD', 'refs/heads/fix-login']);
    const r = await cliOk(s.dir, ['rename', 'fix-login', 'login-bug']);
    expect(r.out).toBe('login-bug\n');
    expect(r.err).toBe('renamed fix-login to login-bug; undo: agentlog rename login-bug fix-login\n');
    expect(s.tip('login-bug')).toBe(tip);
    expect(() => git(s.store, ['rev-parse', '--verify', '-q', 'refs/heads/fix-login'])).toThrow();
    expect(git(s.store, ['symbolic-ref', 'HEAD']).trim()).toBe('refs/heads/login-bug');
    expect(s.forks()).toEqual({ 'fix-login-retry': 'login-bug' });
    // git reads the new branch's reflog; the old name's records where it went.
    expect(git(s.store, ['reflog', 'show', '--format=%H %gs', 'refs/heads/login-bug']).trim()).toBe(`${tip} agentlog rename: renamed from fix-login`);
    expect(fs.readFileSync(path.join(s.gitDir, 'logs/refs/heads/fix-login'), 'utf8')).toMatch(
      new RegExp(`^${tip} 0{40} agentlog .*\tagentlog rename: renamed to login-bug\n$`),
    );
    // ls and show follow the new name; the fork is still listed under it.
    expect((await cliOk(s.dir, ['ls'])).out).toMatch(/^login-bug\t.*\n {2}└ fix-login-retry\t|^login-bug\t[^\n]*\nfix-login-retry\t/);
    expect((await cliOk(s.dir, ['log', 'login-bug'])).out.trim().split('\n')).toHaveLength(3);
    // undelete of a renamed name points at the rename that undoes it.
    const und = await cli(s.dir, ['undelete', 'fix-login']);
    expect(und.code).toBe(1);
    expect(und.err).toContain('fix-login was renamed to login-bug, not deleted; undo that with: agentlog rename login-bug fix-login');
    await cliOk(s.dir, ['rename', 'login-bug', 'fix-login', '--json']);
    expect(s.branches()).toBe(before);
    expect(s.forks()).toEqual({ 'fix-login-retry': 'fix-login' });
    expect(git(s.store, ['symbolic-ref', 'HEAD']).trim()).toBe('refs/heads/fix-login');
  });

  it('rejects a taken, invalid or missing name, changing nothing', async () => {
    const s = await withFork();
    const before = s.branches();
    const cases: Array<[string[], RegExp]> = [
      [['rename', 'fix-login', 'fix-login-retry'], /timeline fix-login-retry already exists/],
      [['rename', 'fix-login', 'bad..name'], /"bad\.\.name" is not a valid timeline name/],
      [['rename', 'fix-login', 'a@1'], /"@" is kept for REV syntax/],
      [['rename', 'fix-login', 'deadbeef'], /looks like a commit id/],
      [['rename', 'nope', 'other'], /no timeline nope here/],
      [['delete', 'nope'], /no timeline nope here/],
      [['delete', '../x'], /not a valid timeline name/],
      [['undelete', 'fix-login'], /timeline fix-login exists|no deleted timeline fix-login/],
    ];
    for (const [args, err] of cases) {
      const r = await cli(s.dir, args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.err, args.join(' ')).toMatch(err);
    }
    expect((await cli(s.dir, ['rename', 'fix-login'])).code).toBe(1);
    expect((await cli(s.dir, ['rename', 'a', 'b', 'c'])).code).toBe(2);
    expect(s.branches()).toBe(before);
    expect(s.forks()).toEqual({ 'fix-login-retry': 'fix-login' });
  });

  it('a rename that fails midway (the old branch locked) undoes every step: no half-renamed state', async () => {
    const s = await withFork();
    const before = s.branches();
    const forksBefore = fs.readFileSync(path.join(s.gitDir, 'agentlog', 'forks.json'), 'utf8');
    git(s.store, ['symbolic-ref', 'HEAD', 'refs/heads/fix-login-retry']);
    // git's own (empty) lock on the old branch: never broken, so the last step fails once the wait is over.
    fs.writeFileSync(path.join(s.gitDir, 'refs/heads/fix-login-retry.lock'), '');
    const store = Store.open(s.store, { lockWaitMs: 50 });
    await expect(store.renameTimeline('fix-login-retry', 'retry')).rejects.toThrow(/locked/);
    fs.rmSync(path.join(s.gitDir, 'refs/heads/fix-login-retry.lock'));
    expect(s.branches()).toBe(before);
    expect(fs.readFileSync(path.join(s.gitDir, 'agentlog', 'forks.json'), 'utf8')).toBe(forksBefore);
    expect(git(s.store, ['symbolic-ref', 'HEAD']).trim()).toBe('refs/heads/fix-login-retry');
    // Then it goes through.
    await store.renameTimeline('fix-login-retry', 'retry');
    expect(s.forks()).toEqual({ retry: 'fix-login' });
  });

  it('delete keeps the tip in the reflog (git gc keeps it); undelete and the printed git command both bring it back', async () => {
    const s = await withFork();
    const before = s.branches();
    const tip = s.tip('fix-login-retry');
    // The reflog line is dated by the clock: today's, as git gc compares it with today to expire it.
    const d = await cliOk(s.dir, ['delete', 'fix-login-retry'], { now: Date.now });
    expect(d.out).toBe('');
    expect(d.err).toContain(`deleted timeline fix-login-retry (was ${tip.slice(0, 10)})\nundo: agentlog undelete fix-login-retry`);
    expect(() => git(s.store, ['rev-parse', '--verify', '-q', 'refs/heads/fix-login-retry'])).toThrow();
    expect(s.forks()).toEqual({});
    const log = fs.readFileSync(path.join(s.gitDir, 'logs/refs/heads/fix-login-retry'), 'utf8');
    expect(log).toMatch(
      new RegExp(`^${tip} 0{40} agentlog <agentlog@localhost> \\d+ \\+0000\tagentlog delete: fix-login-retry \\(forked from fix-login\\)\n$`),
    );
    // git gc honours the reflog: the deleted tip stays.
    git(s.store, ['gc', '-q', '--prune=now']);
    expect(git(s.store, ['cat-file', '-t', tip]).trim()).toBe('commit');
    expect((await cliOk(s.dir, ['ls'])).out).not.toContain('fix-login-retry');

    const u = await cliOk(s.dir, ['undelete', 'fix-login-retry', '--json']);
    expect(JSON.parse(u.out)).toEqual({ name: 'fix-login-retry', commit: tip, forkedFrom: 'fix-login' });
    expect(s.branches()).toBe(before);
    expect(s.forks()).toEqual({ 'fix-login-retry': 'fix-login' });
    expect((await cliOk(s.dir, ['verify', 'fix-login-retry'])).code).toBe(0);
    expect((await cli(s.dir, ['undelete', 'fix-login-retry'])).err).toContain('timeline fix-login-retry exists; nothing to bring back');

    // The git command the message gives works too.
    const again = await cliOk(s.dir, ['delete', 'fix-login-retry', '--json']);
    expect(JSON.parse(again.out)).toEqual({ name: 'fix-login-retry', commit: tip, forkedFrom: 'fix-login' });
    const command = /or with git: (git -C .*)\)/.exec(again.err)?.[1];
    expect(command).toBe(`git -C '${fs.realpathSync(s.store)}' branch fix-login-retry ${tip}`);
    git(s.dir, ['-C', fs.realpathSync(s.store), 'branch', 'fix-login-retry', tip]);
    expect(s.branches()).toBe(before);
  });

  it('delete refuses the timeline a working tree has checked out, as git branch -d does', async () => {
    const s = await withFork();
    git(s.store, ['checkout', '-q', 'fix-login']);
    const r = await cli(s.dir, ['delete', 'fix-login']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('timeline fix-login is checked out in the store; check out something else first (git checkout --detach)');
    expect(s.tip('fix-login')).toMatch(/^[0-9a-f]{40}$/);
    git(s.store, ['checkout', '-q', '--detach']);
    await cliOk(s.dir, ['delete', 'fix-login']);
  });
});
