import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildPack } from '../../core/git/pack/buildPack.js';
import { indexPack } from '../../core/git/pack/indexPack.js';
import { parseTree } from '../../core/git/tree.js';
import { Store } from '../../core/store/store.js';
import { clone } from '../../core/sync/clone.js';
import { pull } from '../../core/sync/pull.js';
import { push } from '../../core/sync/push.js';
import { addRemote } from '../../core/sync/remotes.js';
import { ENV, events, gitAsync, HOME, machineWithSession, ok } from '../helpers/sync.js';
import { clock, git, tmpdir } from '../helpers/tmp.js';
import { useGitHttpServer } from '../helpers/use-git-http-server.js';

const server = useGitHttpServer();

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
    const showA = (await ok(a.dir, ['show', a.name, '--records', '--json'])).out;
    const showB = (await ok(b, ['show', a.name, '--records', '--json'])).out;
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
    // One summary line; piped, a line for what changed only (-v: every timeline).
    const aPull = await ok(a.dir, ['pull']);
    expect(aPull.out).toMatch(new RegExp(`^${fork}\\tnew\\t`, 'm'));
    expect(aPull.out).not.toContain('up-to-date');
    expect(aPull.err).toBe('pull origin: 1 new, 1 up to date\n');
    expect((await ok(a.dir, ['pull', '-v'])).out).toMatch(new RegExp(`^${a.name}\\tup-to-date\\t`, 'm'));

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
    expect((await ok(a.dir, ['show', fork, '--records', '--json'])).out).toBe((await ok(b, ['show', fork, '--records', '--json'])).out);
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
    expect((await ok(c, ['show', a.name, '--records', '--json'])).out).toBe((await ok(a.dir, ['show', a.name, '--records', '--json'])).out);
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
    // One pack; the refs come from protocol v2's ls-refs, limited to refs/heads/ (issue 20).
    const pulled = server.requests.slice(pulledFrom).filter((r) => r.method === 'POST');
    expect(pulled.filter((r) => r.protocol !== 'version=2').map((r) => r.path)).toEqual(['/long.git/git-upload-pack']);
    expect(pulled.filter((r) => r.protocol === 'version=2').map((r) => r.path)).toEqual(['/long.git/git-upload-pack', '/long.git/git-upload-pack']);
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
