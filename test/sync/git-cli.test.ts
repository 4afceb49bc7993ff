import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Store } from '../../core/store/store.js';
import { bareRepo } from '../helpers/git-http-server.js';
import { events, machineWithSession, ok } from '../helpers/sync.js';
import { git, tmpdir } from '../helpers/tmp.js';

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
    // A pull writes its refs into packed-refs (refs.ts compareAndSwapMany): this one is made loose too, as git leaves a ref it moved.
    const threeTip = git(store, ['rev-parse', `refs/remotes/origin/${three}`]).trim();
    fs.writeFileSync(path.join(store, '.git', 'refs', 'remotes', 'origin', three), `${threeTip}\n`);
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
    expect(quiet.err).toBe('push origin: 1 pushed\n'); // the summary line, no progress
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
