import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTree } from '../core/git/tree.js';
import { Store } from '../core/store/store.js';
import { buildPack } from '../core/git/pack/buildPack.js';
import { addRemote } from '../core/sync/remotes.js';
import { badRefName } from '../core/git/refName.js';
import { clone, defaultCloneDir } from '../core/sync/clone.js';
import { sweepQuarantines } from '../core/sync/fetch.js';
import { pull } from '../core/sync/pull.js';
import { push } from '../core/sync/push.js';
import { normalizeUrl } from '../core/sync/remotes.js';
import { indexPack } from '../core/git/pack/indexPack.js';
import { cli as runCli, cliOk, storeWithSession, type CliOptions } from './helpers/cli.js';
import { bareRepo, startGitHttpServer, type GitHttpServer } from './helpers/git-http-server.js';
import { closedPort } from './helpers/port.js';
import { snapshot } from './helpers/snapshot.js';
import { clock, git, tmpdir } from './helpers/tmp.js';

const execFileAsync = promisify(execFile);
const HOME = tmpdir('agentlog-sync-home-');
/** No user or system git config (no credential helper) leaks into the tests. */
const ENV: NodeJS.ProcessEnv = { ...process.env, HOME, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: path.join(HOME, 'gitconfig'), AGENTLOG_TOKEN: '' };
const GIT_ENV = { ...ENV, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' };

/** The git CLI without blocking the event loop (the HTTP server runs in this process). */
async function gitAsync(cwd: string, args: string[]): Promise<string> {
  return (await execFileAsync('git', args, { cwd, env: GIT_ENV, maxBuffer: 1 << 28 })).stdout;
}

/** The CLI in-process (test/helpers/cli.ts), in ENV unless told otherwise. */
const cli = (cwd: string, args: string[], opts: CliOptions = {}) => runCli(cwd, args, { env: ENV, ...opts });
/** The same, expecting exit code 0. */
const ok = (cwd: string, args: string[], opts: CliOptions = {}) => cliOk(cwd, args, { env: ENV, ...opts });

/** A machine with a store (.agentlog) holding one session with a few messages; returns the timeline. */
const machineWithSession = (title = 'Fix login', messages = ['Login fails with 500', 'Looking at the handler']) =>
  storeWithSession({ title, messages, env: ENV });

function events(dir: string, rev: string): string[] {
  const store = Store.open(dir);
  return store.readEvents(store.tipOf(rev)!).map((e) => e.cid.toString());
}

let server: GitHttpServer;
beforeAll(async () => {
  server = await startGitHttpServer(tmpdir('agentlog-git-http-'));
});
afterAll(async () => {
  await server?.close();
});

describe('sync over smart HTTP (git http-backend)', () => {
  it('two machines: clone reads byte for byte, both extend offline, the later push keeps its version as a fork, both converge', async () => {
    const url = server.bare('two-machines.git');
    const a = await machineWithSession();
    await ok(a.dir, ['remote', 'add', 'origin', url]);
    const pushed = await ok(a.dir, ['push']);
    expect(pushed.out).toMatch(new RegExp(`^${a.name}\\tpushed\\t`, 'm'));

    const b = tmpdir();
    const cloned = await ok(b, ['clone', url, '.agentlog']);
    expect(cloned.out).toMatch(new RegExp(`^${a.name}\\tnew\\t`, 'm'));
    const showA = (await ok(a.dir, ['show', a.name, '--json'])).out;
    const showB = (await ok(b, ['show', a.name, '--json'])).out;
    expect(showB).toBe(showA);
    expect(JSON.parse(showA)).toHaveLength(3);

    // Both extend the session offline.
    const cidA = (await ok(a.dir, ['append', a.name, '--role', 'user', '--text', 'written on A'])).out.trim();
    const cidB = (await ok(b, ['append', a.name, '--role', 'user', '--text', 'written on B'])).out.trim();
    expect(cidA).not.toBe(cidB);

    expect((await ok(a.dir, ['push'])).out).toMatch(new RegExp(`^${a.name}\\tpushed\\t`, 'm'));
    const fork = `${a.name}-${cidB.slice(-8)}`; // named after B's first event after the shared part
    const bPush = await ok(b, ['push', '--json']);
    const report = JSON.parse(bPush.out);
    expect(report.timelines).toEqual([
      expect.objectContaining({ name: a.name, status: 'forked', fork }),
      expect.objectContaining({ name: fork, status: 'pushed' }),
    ]);
    const aPull = await ok(a.dir, ['pull']);
    expect(aPull.out).toMatch(new RegExp(`^${a.name}\\tup-to-date\\t`, 'm'));
    expect(aPull.out).toMatch(new RegExp(`^${fork}\\tnew\\t`, 'm'));

    // Both stores hold both timelines, identical, with every event.
    const storeA = Store.open(path.join(a.dir, '.agentlog'));
    const storeB = Store.open(path.join(b, '.agentlog'));
    expect([...storeA.timelines()]).toEqual([...storeB.timelines()]);
    expect([...storeA.timelines().keys()]).toEqual([a.name, fork]);
    for (const dir of [path.join(a.dir, '.agentlog'), path.join(b, '.agentlog')]) {
      expect(events(dir, a.name)).toContain(cidA);
      expect(events(dir, fork)).toContain(cidB);
      expect(events(dir, a.name).slice(0, 3)).toEqual(events(dir, fork).slice(0, 3));
    }
    expect((await ok(a.dir, ['show', fork, '--json'])).out).toBe((await ok(b, ['show', fork, '--json'])).out);
    for (const dir of [a.dir, b]) expect((await ok(dir, ['verify'])).err).toContain('all 2 timeline(s) verified');
    // The remote is a sound git repository holding both, readable by the git CLI.
    await gitAsync(server.root, ['--git-dir', 'two-machines.git', 'fsck', '--strict', '--no-dangling']);
    const lsRemote = await gitAsync(HOME, ['ls-remote', '--heads', url]);
    expect(lsRemote).toContain(`refs/heads/${fork}`);
    // A second round changes nothing.
    expect(
      (await ok(b, ['pull'])).out
        .split('\n')
        .filter(Boolean)
        .every((l) => l.split('\t')[1] === 'up-to-date'),
    ).toBe(true);
    expect(
      (await ok(a.dir, ['push'])).out
        .split('\n')
        .filter(Boolean)
        .every((l) => l.split('\t')[1] === 'up-to-date'),
    ).toBe(true);
    // The fork is recorded as a fork of the timeline it left.
    expect(JSON.parse((await ok(b, ['ls', '--json'])).out)[0].timelines[0].forks[0]).toMatchObject({ name: fork, forkOf: a.name });
  });

  it('pull fast-forwards a shorter timeline, leaves a longer one (ahead), adds new ones; refs/remotes remember the remote', async () => {
    const url = server.bare('ff.git');
    const a = await machineWithSession('Alpha');
    await ok(a.dir, ['remote', 'add', 'origin', url]);
    await ok(a.dir, ['push']);
    const b = tmpdir();
    await ok(b, ['clone', url, '.agentlog']);
    await ok(a.dir, ['append', a.name, '--role', 'user', '--text', 'more from A']);
    const other = (await ok(a.dir, ['new', '--title', 'Beta'])).out.trim().split('\n').pop()!;
    await ok(a.dir, ['push', 'origin', a.name, other]);
    const pulled = await ok(b, ['pull', '--json']);
    expect(JSON.parse(pulled.out).timelines).toEqual([
      expect.objectContaining({ name: a.name, status: 'fast-forwarded' }),
      expect.objectContaining({ name: other, status: 'new' }),
    ]);
    await ok(b, ['append', a.name, '--role', 'user', '--text', 'B goes on']);
    expect((await ok(b, ['pull'])).out).toMatch(new RegExp(`^${a.name}\\tahead\\t`, 'm'));
    const storeB = Store.open(path.join(b, '.agentlog'));
    expect(storeB.readRef(`refs/remotes/origin/${a.name}`)).toBe(Store.open(path.join(a.dir, '.agentlog')).tipOf(a.name));
    // refs/heads holds timelines only
    expect([...storeB.timelines().keys()].sort()).toEqual([a.name, other].sort());
    expect(git(path.join(b, '.agentlog'), ['config', 'remote.origin.fetch']).trim()).toBe('+refs/heads/*:refs/remotes/origin/*');
  });

  it('the git CLI clones what agentlog pushed, and agentlog clones what the git CLI pushed', async () => {
    const url = server.bare('with-git.git');
    const a = await machineWithSession('Shared with git');
    await ok(a.dir, ['remote', 'add', 'origin', url]);
    await ok(a.dir, ['push']);
    const viaGit = path.join(tmpdir(), 'bare.git');
    await gitAsync(HOME, ['clone', '--bare', '--quiet', url, viaGit]);
    expect(events(viaGit, a.name)).toEqual(events(path.join(a.dir, '.agentlog'), a.name));

    // The git CLI pushes a store to a new repository; agentlog clones it.
    const url2 = server.bare('pushed-by-git.git');
    await ok(a.dir, ['append', a.name, '--role', 'user', '--text', 'one more']);
    await gitAsync(path.join(a.dir, '.agentlog'), ['push', '--quiet', url2, 'refs/heads/*:refs/heads/*']);
    const c = tmpdir();
    await ok(c, ['clone', url2, '.agentlog']);
    expect((await ok(c, ['show', a.name, '--json'])).out).toBe((await ok(a.dir, ['show', a.name, '--json'])).out);
    expect((await ok(c, ['verify'])).code).toBe(0);
  });

  it('a fetched pack gets the same .idx as git index-pack writes, and a built pack passes git index-pack', async () => {
    const url = server.bare('idx.git');
    const a = await machineWithSession(
      'Index me',
      Array.from({ length: 300 }, (_, i) => `message ${i}`),
    );
    await ok(a.dir, ['remote', 'add', 'origin', url]);
    await ok(a.dir, ['push']);
    const b = tmpdir();
    await ok(b, ['clone', url, '.agentlog']);
    const packDir = path.join(b, '.agentlog', '.git', 'objects', 'pack');
    const packs = fs.readdirSync(packDir).filter((n) => n.endsWith('.pack'));
    expect(packs).toHaveLength(1);
    const theirs = path.join(tmpdir(), 'git.idx');
    await gitAsync(HOME, ['index-pack', '-o', theirs, path.join(packDir, packs[0])]);
    expect(fs.readFileSync(path.join(packDir, packs[0].replace(/\.pack$/, '.idx'))).equals(fs.readFileSync(theirs))).toBe(true);

    // Our own pack (what push sends) is well-formed for git, deltas and all, and indexes the same.
    const store = Store.open(path.join(a.dir, '.agentlog'));
    const built = await buildPack((oid) => store.readGitObject(oid), [store.tipOf(a.name)!], []);
    expect(built.deltas).toBeGreaterThan(200);
    const dir = tmpdir();
    const mine = indexPack(built.pack, dir);
    expect(mine.objects).toBe(built.objects);
    const gitIdx = path.join(dir, 'git.idx');
    await gitAsync(HOME, ['index-pack', '--strict', '-o', gitIdx, path.join(dir, `${mine.name}.pack`)]);
    expect(fs.readFileSync(path.join(dir, `${mine.name}.idx`)).equals(fs.readFileSync(gitIdx))).toBe(true);
  });

  it('a push and a pull of a long timeline each send one pack, with the trees deltified', async () => {
    const url = server.bare('long.git');
    const { store } = Store.init(path.join(tmpdir(), 'a'), { now: clock() });
    await store.create('long', { kind: 'session', title: 'long' });
    const appends = [];
    for (let i = 1; i < 1200; i++)
      appends.push(store.append('long', { kind: 'message', role: i % 2 ? 'user' : 'assistant', content: [{ type: 'text', text: `message ${i}` }] }));
    await Promise.all(appends); // handed over together: written in batches, still one commit per event
    addRemote(store.gitDir, 'origin', url);
    const from = server.requests.length;
    const report = await push(store, 'origin', [], { env: ENV });
    const posts = () =>
      server.requests
        .slice(from)
        .filter((r) => r.method === 'POST')
        .map((r) => r.path);
    expect(posts()).toEqual(['/long.git/git-receive-pack']);
    expect(report.sent!.objects).toBe(1200 * 6); // per event: commit, root tree, events/ tree, middle tree, leaf tree, blob
    // Undeltified, the trees each append rewrites (each lists every entry of its folder so far) weigh more than the whole pack.
    const treeOf = (oid: string) => parseTree(store.readObject(oid, 'tree').content, oid);
    const treeBytes = (commit: string): number => {
      let bytes = 0;
      let tree = treeOf(store.readCommit(commit).tree).find((e) => e.name === 'events')!.oid;
      for (let level = 0; level < 3; level++) {
        const entries = treeOf(tree);
        bytes += store.readObject(tree, 'tree').content.length;
        tree = entries.at(-1)!.oid;
      }
      return bytes;
    };
    let allTreeBytes = 0;
    for (const c of store.history(store.tipOf('long')!)) allTreeBytes += treeBytes(c.oid);
    expect(report.sent!.bytes).toBeLessThan(allTreeBytes);
    const pulledFrom = server.requests.length;
    const { store: b } = await clone(url, path.join(tmpdir(), 'b'), { env: ENV });
    expect(
      server.requests
        .slice(pulledFrom)
        .filter((r) => r.method === 'POST')
        .map((r) => r.path),
    ).toEqual(['/long.git/git-upload-pack']);
    expect(b.readEvents(b.tipOf('long')!).map((e) => e.cid.toString())).toEqual(store.readEvents(store.tipOf('long')!).map((e) => e.cid.toString()));
    // Ten more events: a thin pack, whose new leaf tree is a delta against the leaf the remote holds.
    for (let i = 0; i < 10; i++) await store.append('long', { kind: 'note', text: `more ${i}` });
    const more = await push(store, 'origin', [], { env: ENV });
    expect(more.sent!.objects).toBe(10 * 6);
    let newTreeBytes = 0;
    for (const c of [...store.history(store.tipOf('long')!)].slice(0, 10)) newTreeBytes += treeBytes(c.oid);
    expect(more.sent!.bytes).toBeLessThan(newTreeBytes); // the new trees alone, sent whole, would not fit
    await pull(b, 'origin', { env: ENV });
    expect(b.tipOf('long')).toBe(store.tipOf('long'));
    await gitAsync(server.root, ['--git-dir', 'long.git', 'fsck', '--strict', '--no-dangling']);
  });

  it('two machines pushing diverged timelines at the same moment both end with both versions', async () => {
    const url = server.bare('race.git');
    const { store: a } = Store.init(path.join(tmpdir(), 'a'), { now: clock() });
    await a.create('s', { kind: 'session', title: 'race' });
    addRemote(a.gitDir, 'origin', url);
    await push(a, 'origin', [], { env: ENV });
    const { store: b } = await clone(url, path.join(tmpdir(), 'b'), { env: ENV, store: { now: clock(1_760_000_000_000) } });
    const onA = await a.append('s', { kind: 'note', text: 'A' });
    const onB = await b.append('s', { kind: 'note', text: 'B' });
    const [ra, rb] = await Promise.all([push(a, 'origin', [], { env: ENV }), push(b, 'origin', [], { env: ENV })]);
    const statuses = [ra, rb].map((r) => r.timelines.find((t) => t.name === 's')!.status).sort();
    expect(statuses).toEqual(['forked', 'pushed']);
    await pull(a, 'origin', { env: ENV });
    await pull(b, 'origin', { env: ENV });
    expect([...a.timelines()]).toEqual([...b.timelines()]);
    expect(a.timelines().size).toBe(2);
    const all = [...a.timelines().values()].flatMap((tip) => a.readEvents(tip).map((e) => e.cid.toString()));
    expect(all).toContain(onA.cid.toString());
    expect(all).toContain(onB.cid.toString());
    const loser = statuses[0] === 'forked' && ra.timelines[0].status === 'forked' ? onA : onB;
    expect([...a.timelines().keys()]).toContain(`s-${loser.cid.toString().slice(-8)}`);
  });

  it('clones an empty remote into an empty store that can push to it', async () => {
    const url = server.bare('empty.git');
    const b = tmpdir();
    const r = await ok(b, ['clone', url, '.agentlog']);
    expect(r.out).toBe('');
    expect(Store.open(path.join(b, '.agentlog')).timelines().size).toBe(0);
    const name = (await ok(b, ['new', '--title', 'First'])).out.trim().split('\n').pop()!;
    expect((await ok(b, ['push'])).out).toMatch(new RegExp(`^${name}\\tpushed\\t`, 'm'));
  });

  it('progress goes to stderr on a terminal only; --json is quiet', async () => {
    const url = server.bare('progress.git');
    const a = await machineWithSession('Progress');
    await ok(a.dir, ['remote', 'add', 'origin', url]);
    const tty = await ok(a.dir, ['push'], { tty: true });
    expect(tty.err).toMatch(/packing: \d+/);
    await ok(a.dir, ['append', a.name, '--role', 'user', '--text', 'x']);
    const piped = await ok(a.dir, ['push', '--json']);
    expect(piped.err).toBe('');
    expect(JSON.parse(piped.out).timelines[0].status).toBe('pushed');
    const cloned = await ok(tmpdir(), ['clone', url, 'b'], { tty: true });
    expect(cloned.err).toMatch(/receiving: \d+ KiB/);
    expect(cloned.err).toContain('indexing: objects received');
  });
});

describe('sync through the git CLI (folder remotes)', () => {
  it('push, clone, diverge and converge with a bare repository given as a path', async () => {
    const bare = bareRepo(path.join(tmpdir(), 'sessions.git'));
    const a = await machineWithSession('Path remote');
    await ok(a.dir, ['remote', 'add', 'origin', bare]);
    await ok(a.dir, ['push']);
    const b = tmpdir();
    await ok(b, ['clone', bare, '.agentlog']);
    expect((await ok(b, ['show', a.name, '--json'])).out).toBe((await ok(a.dir, ['show', a.name, '--json'])).out);
    await ok(a.dir, ['append', a.name, '--role', 'user', '--text', 'from A']);
    const cidB = (await ok(b, ['append', a.name, '--role', 'user', '--text', 'from B'])).out.trim();
    await ok(a.dir, ['push']);
    const bPush = await ok(b, ['push']);
    const fork = `${a.name}-${cidB.slice(-8)}`;
    expect(bPush.out).toMatch(new RegExp(`^${a.name}\\tforked\\t${fork}\\t`, 'm'));
    await ok(a.dir, ['pull']);
    const sa = Store.open(path.join(a.dir, '.agentlog'));
    const sb = Store.open(path.join(b, '.agentlog'));
    expect([...sa.timelines()]).toEqual([...sb.timelines()]);
    expect(git(bare, ['for-each-ref', '--format=%(refname)']).trim().split('\n').sort()).toEqual([`refs/heads/${a.name}`, `refs/heads/${fork}`].sort());
    for (const dir of [a.dir, b]) expect((await ok(dir, ['verify'])).code).toBe(0);
    git(bare, ['fsck', '--strict', '--no-dangling']);
  });

  it('pull drops the remote-tracking ref of a timeline the remote no longer has, packed or loose; the local timeline stays', async () => {
    const bare = bareRepo(path.join(tmpdir(), 'prune.git'));
    const a = await machineWithSession('Prune one');
    const two = (await ok(a.dir, ['new', '--title', 'Prune two'])).out.trim().split('\n').pop()!;
    await ok(a.dir, ['remote', 'add', 'origin', bare]);
    await ok(a.dir, ['push']);
    const b = tmpdir();
    await ok(b, ['clone', bare, '.agentlog']);
    const store = path.join(b, '.agentlog');
    const tracking = () => git(store, ['for-each-ref', '--format=%(refname)', 'refs/remotes/']).trim().split('\n').filter(Boolean);
    git(store, ['pack-refs', '--all']); // the tracking refs now live in packed-refs
    git(bare, ['update-ref', '-d', `refs/heads/${two}`]);
    await ok(b, ['pull']);
    expect(tracking()).toEqual([`refs/remotes/origin/${a.name}`]);
    const packed = fs.readFileSync(path.join(store, '.git', 'packed-refs'), 'utf8');
    expect(packed).not.toContain(`refs/remotes/origin/${two}`);
    expect(packed).toContain(`refs/heads/${two}`);
    expect(Store.open(store).tipOf(two)).toBeDefined();
    // A loose one.
    const three = (await ok(a.dir, ['new', '--title', 'Prune three'])).out.trim().split('\n').pop()!;
    await ok(a.dir, ['push', 'origin', three]);
    await ok(b, ['pull']);
    expect(fs.existsSync(path.join(store, '.git', 'refs', 'remotes', 'origin', three))).toBe(true);
    git(bare, ['update-ref', '-d', `refs/heads/${three}`]);
    await ok(b, ['pull']);
    expect(tracking()).toEqual([`refs/remotes/origin/${a.name}`]);
    expect(Store.open(store).tipOf(three)).toBeDefined();
    expect(git(store, ['fsck', '--strict', '--no-dangling']).trim()).toBe('');
  });

  it('shows the object counts git reports as progress, on a terminal only', async () => {
    const bare = bareRepo(path.join(tmpdir(), 'progress.git'));
    const a = await machineWithSession('Path progress');
    await ok(a.dir, ['remote', 'add', 'origin', bare]);
    const pushed = await ok(a.dir, ['push'], { tty: true });
    expect(pushed.err).toMatch(/pushing: (\d+)\/\1 objects/);
    const cloned = await ok(tmpdir(), ['clone', bare, 'b'], { tty: true });
    expect(cloned.err).toMatch(/fetching: (\d+)\/\1 objects/);
    await ok(a.dir, ['append', a.name, '--role', 'user', '--text', 'more']);
    const quiet = await ok(a.dir, ['push']);
    expect(quiet.err).toBe('');
  });

  it('plain git push to a bare repository and git clone of it give a store agentlog reads the same', async () => {
    const a = await machineWithSession('Plain git');
    const fork = (await ok(a.dir, ['fork', `${a.name}@1`])).out.trim();
    await ok(a.dir, ['append', fork, '--role', 'user', '--text', 'on the fork']);
    const bare = bareRepo(path.join(tmpdir(), 'plain.git'));
    git(path.join(a.dir, '.agentlog'), ['push', '--quiet', bare, 'refs/heads/*:refs/heads/*']);
    const cloned = path.join(tmpdir(), 'clone');
    git(os.tmpdir(), ['clone', '--quiet', '--bare', bare, cloned]);
    for (const name of [a.name, fork]) expect(events(cloned, name)).toEqual(events(path.join(a.dir, '.agentlog'), name));
    expect((await ok(a.dir, ['verify', '--store', cloned])).code).toBe(0);
  });
});

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
      // A missing repository on a real git server says the same.
      const missing = await cli(tmpdir(), ['clone', `${server.url}/no-such-repo.git`, 'x']);
      expect(missing.code).toBe(1);
      expect(missing.err).toMatch(/is not a git server \(.*HTTP 404/);
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

describe('sync names', () => {
  it.each([
    ['main', false],
    ['fix-login-2bseun7a', false],
    ['team/alice/s1', false],
    ['a@b', false],
    ['../../config', true],
    ['x/../y', true],
    ['/abs', true],
    ['a//b', true],
    ['.hidden', true],
    ['x.lock', true],
    ['sp ace', true],
    ['a@{1}', true],
    ['', true],
  ])('remote branch name %j is refused: %s', (name, refused) => {
    expect(badRefName(name)).toBe(refused);
  });

  it('--help of every sync command says which URLs need the git CLI and where credentials come from', async () => {
    for (const c of ['remote', 'push', 'pull', 'clone']) {
      const r = await ok(tmpdir(), [c, '--help']);
      expect(r.out).toContain('http:// and https:// remotes are spoken to directly');
      expect(r.out).toContain('go\nthrough the git CLI');
      expect(r.out).toContain('AGENTLOG_TOKEN');
    }
  });

  it('stores local paths absolute and leaves URLs as given; clone folders come from the URL', () => {
    expect(normalizeUrl('../remote.git', '/home/me/work')).toBe('/home/me/remote.git');
    expect(normalizeUrl('https://host/me/s.git', '/x')).toBe('https://host/me/s.git');
    expect(normalizeUrl('git@host:me/s.git', '/x')).toBe('git@host:me/s.git');
    expect(normalizeUrl('ssh://host/me/s.git', '/x')).toBe('ssh://host/me/s.git');
    expect(() => normalizeUrl('https://me:tok@host/s.git', '/x')).toThrow(/never stores one/);
    // never an option for the git CLI
    expect(() => normalizeUrl('--upload-pack=touch x;false :y', '/x')).toThrow(/starts with "-"/);
    expect(normalizeUrl('./-odd', '/x')).toBe('/x/-odd');
    expect(defaultCloneDir('https://host/me/sessions.git')).toBe('sessions');
    expect(defaultCloneDir('/srv/git/sessions.git/')).toBe('sessions');
    expect(defaultCloneDir('git@host:me/work')).toBe('work');
  });
});

describe('quarantine folders', () => {
  it('a fetch sweeps the quarantines killed fetches left behind, and leaves recent ones', () => {
    const tmp = path.join(tmpdir(), 'agentlog-tmp');
    const old = path.join(tmp, 'fetch-1-1-1');
    const recent = path.join(tmp, 'fetch-2-2-2');
    for (const d of [old, recent]) fs.mkdirSync(path.join(d, 'objects', 'pack'), { recursive: true });
    const hoursAgo = new Date(Date.now() - 2 * 3_600_000);
    fs.utimesSync(old, hoursAgo, hoursAgo);
    sweepQuarantines(tmp);
    expect(fs.existsSync(old)).toBe(false);
    expect(fs.existsSync(recent)).toBe(true);
  });
});
