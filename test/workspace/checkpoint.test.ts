import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isAgentlogError, Store, verifyTimeline } from '../../core/index.js';
import { applyRestore, checkpoint, planRestore, snapshot, syncFolder, workspaceAt } from '../../core/workspace/index.js';
import { clock, git, tmpdir } from '../helpers/tmp.js';

// Checkpoints of a real folder into a real store, checked with the real git CLI: the snapshot is the
// tree `git add -A && git write-tree` makes of the same folder, fsck --strict accepts the store,
// `git checkout` lays the files out beside events/, and a restore gives back every byte, mode and link.

async function storeWithSession() {
  const dir = path.join(tmpdir(), 'store');
  const { store } = Store.init(dir, { now: clock() });
  await store.create('talk', { kind: 'session', title: 'a talk' });
  return { dir, store };
}

/** A folder with what a snapshot must handle: text, binary, an executable, symlinks, nested and ignored files, a `.git/`. */
function workspace(): string {
  const ws = path.join(tmpdir(), 'ws');
  const put = (rel: string, content: string | Buffer, mode?: number) => {
    fs.mkdirSync(path.dirname(path.join(ws, rel)), { recursive: true });
    fs.writeFileSync(path.join(ws, rel), content);
    if (mode !== undefined) fs.chmodSync(path.join(ws, rel), mode);
  };
  put('README.md', '# project\n');
  put('src/main.ts', 'export const x = 1;\n');
  put('src/deep/er/still.txt', 'deep\n');
  put('bin/run.sh', '#!/bin/sh\necho hi\n', 0o755);
  put('data.bin', Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256)));
  put('empty.txt', '');
  put('.gitignore', 'node_modules/\n*.log\n/build\n!keep.log\n');
  put('node_modules/dep/index.js', 'IGNORED-node-module\n');
  put('debug.log', 'IGNORED-log\n');
  put('keep.log', 'kept despite *.log\n');
  put('build/out.js', 'IGNORED-build\n');
  put('src/build/not-root.js', 'kept: /build is anchored at the root\n');
  put('src/.gitignore', 'secret*\n');
  put('src/secret.txt', 'IGNORED-nested\n');
  put('.git/HEAD', 'IGNORED-dotgit\n');
  put('src/sub/.git', 'gitdir: IGNORED-dotgit-file\n');
  put('src/sub/file.txt', 'in a folder with a .git file\n');
  fs.symlinkSync('src/main.ts', path.join(ws, 'link-to-main'));
  fs.symlinkSync('../nowhere/at/all', path.join(ws, 'src/dangling'));
  fs.mkdirSync(path.join(ws, 'empty-folder'));
  return ws;
}

/** Every file, mode and link target below `dir`, for comparing two folders byte for byte (ignored paths left out by `skip`). */
function listing(dir: string, skip: (rel: string) => boolean = () => false): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string) => {
    for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (skip(r)) continue;
      const abs = path.join(dir, r);
      const st = fs.lstatSync(abs);
      if (st.isSymbolicLink()) out[r] = `link -> ${fs.readlinkSync(abs)}`;
      else if (st.isDirectory()) walk(r);
      else out[r] = `${st.mode & 0o100 ? 'x' : '-'} ${fs.readFileSync(abs).toString('base64')}`;
    }
  };
  walk('');
  return out;
}

const IGNORED = (rel: string) => /^(node_modules|build|\.git|empty-folder)(\/|$)|^debug\.log$|^src\/secret\.txt$|^src\/sub\/\.git$/.test(rel);

/** The tree the git CLI makes of the folder, in a throwaway repository outside it. */
function gitWriteTree(ws: string): string {
  const gitDir = path.join(tmpdir(), 'oracle.git');
  git(tmpdir(), ['init', '-q', '--bare', gitDir]);
  const env = { ...process.env, GIT_DIR: gitDir, GIT_WORK_TREE: ws, GIT_CONFIG_NOSYSTEM: '1', HOME: tmpdir() };
  git(ws, ['config', 'core.bare', 'false'], { env });
  git(ws, ['add', '-A'], { env });
  return git(ws, ['write-tree'], { env }).trim();
}

describe('workspace checkpoints', () => {
  it('a checkpoint is the tree git add -A && git write-tree makes, fsck --strict accepts it, git checkout shows it, and restore gives back every byte, mode and link', async () => {
    const { dir, store } = await storeWithSession();
    const ws = workspace();
    const cp = await checkpoint(store, 'talk', ws, { label: 'first' });
    expect(cp.appended?.event).toMatchObject({ kind: 'checkpoint', tree: cp.tree, label: 'first' });
    // The same tree, entry for entry: .gitignore (nested, negated, anchored), .git left out, modes, links.
    expect(cp.tree).toBe(gitWriteTree(ws));
    const tip = store.tipOf('talk')!;
    expect(workspaceAt(store, tip)).toBe(cp.tree);
    expect(git(dir, ['rev-parse', `${tip}:workspace`]).trim()).toBe(cp.tree);
    expect(git(dir, ['ls-tree', `${tip}:workspace`, 'bin/run.sh', 'link-to-main'])).toMatch(/100755 blob \w+\tbin\/run.sh\n120000 blob \w+\tlink-to-main/);
    git(dir, ['fsck', '--strict', '--no-dangling']);

    // Later commits carry the newest snapshot; verify accepts every commit.
    await store.append('talk', { kind: 'note', text: 'after' });
    expect(workspaceAt(store, store.tipOf('talk')!)).toBe(cp.tree);
    expect(verifyTimeline(store, 'talk', store.tipOf('talk')!, { strictTrees: true }).problem).toBeUndefined();

    // git checkout of the checkpoint's commit lays the files out beside events/.
    git(dir, ['checkout', '-q', cp.appended!.commit]);
    expect(listing(path.join(dir, 'workspace'))).toEqual(listing(ws, IGNORED));
    expect(fs.existsSync(path.join(dir, 'events'))).toBe(true);

    // Restore into an empty folder: byte for byte, modes and symlinks (a dangling one too).
    const out = path.join(tmpdir(), 'restored');
    const r = applyRestore(store, planRestore(store, cp.tree, out));
    expect(r.added).toBe(cp.files);
    expect(listing(out)).toEqual(listing(ws, IGNORED));
    expect(fs.readlinkSync(path.join(out, 'src/dangling'))).toBe('../nowhere/at/all');
    const again = snapshot(store, out);
    again.release();
    expect(again.tree).toBe(cp.tree);
  });

  it('ignored files are never stored: their contents are in no object of the store', async () => {
    const { dir, store } = await storeWithSession();
    const ws = workspace();
    await checkpoint(store, 'talk', ws);
    const blobs = git(dir, ['cat-file', '--batch-all-objects', '--batch-check']).split('\n');
    for (const rel of ['node_modules/dep/index.js', 'debug.log', 'build/out.js', 'src/secret.txt', '.git/HEAD', 'src/sub/.git']) {
      const oid = git(ws, ['hash-object', '--no-filters', rel]).trim();
      expect(
        blobs.some((l) => l.startsWith(oid)),
        rel,
      ).toBe(false);
    }
    const kept = git(ws, ['hash-object', '--no-filters', 'keep.log']).trim();
    expect(blobs.some((l) => l.startsWith(kept))).toBe(true);
  });

  it('a 10,000-file workspace after a one-file change writes only the changed blob and the trees on its path', async () => {
    const { dir, store } = await storeWithSession();
    const ws = path.join(tmpdir(), 'big');
    for (let a = 0; a < 20; a++)
      for (let b = 0; b < 10; b++) {
        const d = path.join(ws, `d${a}`, `e${b}`);
        fs.mkdirSync(d, { recursive: true });
        for (let f = 0; f < 50; f++) fs.writeFileSync(path.join(d, `f${f}.txt`), `file ${a}/${b}/${f}\n`);
      }
    const first = await checkpoint(store, 'talk', ws);
    expect(first.files).toBe(10_000);
    const count = () => git(dir, ['cat-file', '--batch-all-objects', '--batch-check']).trim().split('\n').length;
    const before = count();
    fs.appendFileSync(path.join(ws, 'd7/e3/f11.txt'), 'changed\n');
    const second = await checkpoint(store, 'talk', ws);
    // One blob and three trees (d7/e3, d7, the root), then the append's own six objects:
    // the event's blob, its three folders under events/, the root tree and the commit.
    expect(second.written).toBe(4);
    expect(second.hashed).toBeLessThan(10);
    expect(count() - before).toBe(4 + 6);
    expect(git(dir, ['diff', '--name-only', first.appended!.commit, second.appended!.commit, '--', 'workspace']).trim()).toBe('workspace/d7/e3/f11.txt');
    // Nothing changed: no event, nothing written.
    const third = await checkpoint(store, 'talk', ws);
    expect(third.appended).toBeUndefined();
    expect(third.written).toBe(0);
    git(dir, ['fsck', '--strict', '--no-dangling']);
  });

  it('a blob the stat cache vouches for but the store lost (a gc pruned an unappended snapshot) is read again', async () => {
    const { dir, store } = await storeWithSession();
    const ws = path.join(tmpdir(), 'ws');
    fs.mkdirSync(path.join(ws, 'a'), { recursive: true });
    fs.writeFileSync(path.join(ws, 'a/one.txt'), 'one\n');
    fs.writeFileSync(path.join(ws, 'a/two.txt'), 'two\n');
    const snap = snapshot(store, ws); // never appended: nothing names it
    snap.release();
    git(dir, ['gc', '-q', '--prune=now']);
    const fresh = Store.open(dir);
    expect(fresh.hasObject(snap.tree)).toBe(false);
    fs.writeFileSync(path.join(ws, 'a/three.txt'), 'three\n');
    const cp = await checkpoint(fresh, 'talk', ws);
    expect(cp.tree).toBe(gitWriteTree(ws));
    git(dir, ['fsck', '--strict', '--no-dangling']);
  });

  it('a run finds its own folder changed since its newest checkpoint and records it; a folder this store never snapshotted is refused', async () => {
    const { store } = await storeWithSession();
    const name = 'talk';
    const ws = workspace();
    const cp = await checkpoint(store, name, ws);
    expect(cp.appended).toBeDefined();
    // Changed outside the agent (a person, or a process a killed run left behind): recorded, not refused.
    fs.writeFileSync(path.join(ws, 'later.txt'), 'written after the checkpoint\n');
    const synced = await syncFolder(store, name, ws);
    expect(synced.action).toBe('recorded');
    expect(store.readEvents(store.tipOf(name)!).at(-1)!.event).toMatchObject({ kind: 'checkpoint', label: 'changed outside the agent' });
    expect(git(store.dir, ['show', `${name}:workspace/later.txt`])).toBe('written after the checkpoint\n');
    // Another folder with other files (a clone's first run on another machine): refused, untouched.
    const other = tmpdir('agentlog-other-ws-');
    fs.writeFileSync(path.join(other, 'mine.txt'), 'not the agent’s\n');
    const err = await syncFolder(store, name, other).catch((e: unknown) => e);
    expect(isAgentlogError(err) && err.code).toBe('E_WORKSPACE');
    expect(fs.readdirSync(other)).toEqual(['mine.txt']);
  });

  it('a run reads its folder once at start: the checkpoint it records is the snapshot it compared (every file read by it, none by a second walk)', async () => {
    for (const changed of [false, true]) {
      const { store } = await storeWithSession();
      const ws = workspace();
      // Old mtimes: the stat cache trusts them, so a second snapshot of the folder would read no file.
      const past = new Date(Date.now() - 3600_000);
      const files = (fs.readdirSync(ws, { recursive: true }) as string[]).filter((f) => fs.lstatSync(path.join(ws, f)).isFile());
      for (const f of files) fs.utimesSync(path.join(ws, f), past, past);
      if (changed) {
        await checkpoint(store, 'talk', ws);
        fs.writeFileSync(path.join(ws, 'later.txt'), 'later\n');
        fs.utimesSync(path.join(ws, 'later.txt'), past, past);
      }
      const synced = await syncFolder(store, 'talk', ws);
      expect(synced.action).toBe('recorded');
      // First run: every kept file read by the one snapshot; after a change: only the changed one.
      expect(synced.checkpoint!.hashed).toBe(changed ? 1 : synced.checkpoint!.files);
    }
  });

  it('restore shows what would change and refuses to touch what the log never saw, unless forced; ignored files stay', async () => {
    const { store } = await storeWithSession();
    const ws = workspace();
    const a = await checkpoint(store, 'talk', ws, { label: 'a' });
    fs.writeFileSync(path.join(ws, 'README.md'), '# project, edited by the agent\n');
    fs.rmSync(path.join(ws, 'empty.txt'));
    fs.writeFileSync(path.join(ws, 'src/new.ts'), 'new\n');
    const b = await checkpoint(store, 'talk', ws, { label: 'b' });
    // Back to a: every change is one the log knows (the folder is b).
    const plan = planRestore(store, a.tree, ws, [b.tree, a.tree]);
    expect(plan.changes.map((c) => [c.path, !!c.before, !!c.after, c.unknown])).toEqual([
      ['README.md', true, true, false],
      ['empty.txt', false, true, false],
      ['src/new.ts', true, false, false],
    ]);
    expect(applyRestore(store, plan)).toEqual({ added: 1, modified: 1, deleted: 1 });
    expect(fs.readFileSync(path.join(ws, 'node_modules/dep/index.js'), 'utf8')).toBe('IGNORED-node-module\n');
    expect(snapshot(store, ws).tree).toBe(a.tree);

    // A change the log never saw: refused, named; the file is untouched.
    fs.writeFileSync(path.join(ws, 'README.md'), 'a person typed this\n');
    const risky = planRestore(store, b.tree, ws, [b.tree, a.tree]);
    expect(risky.changes.filter((c) => c.unknown).map((c) => c.path)).toEqual(['README.md']);
    let err: unknown;
    try {
      applyRestore(store, risky);
    } catch (e) {
      err = e;
    }
    expect(isAgentlogError(err) && err.code).toBe('E_WORKSPACE');
    expect((err as Error).message).toContain('README.md');
    expect(fs.readFileSync(path.join(ws, 'README.md'), 'utf8')).toBe('a person typed this\n');
    // An ignored file where the snapshot has a file: refused too.
    fs.writeFileSync(path.join(ws, 'README.md'), '# project, edited by the agent\n');
    fs.writeFileSync(path.join(ws, '.gitignore'), 'node_modules/\n*.log\n/build\n!keep.log\nsrc/new.ts\n');
    fs.writeFileSync(path.join(ws, 'src/new.ts'), 'ignored, and never seen\n');
    const blocked = planRestore(store, b.tree, ws, [b.tree, a.tree]);
    expect(blocked.changes.filter((c) => c.unknown).map((c) => c.path)).toEqual(['.gitignore', 'src/new.ts']);
    // --force overwrites.
    applyRestore(store, blocked, true);
    const restored = snapshot(store, ws);
    restored.release();
    expect(restored.tree).toBe(b.tree);
  });

  it('verify, and the check a pull makes (strictTrees), name a commit whose workspace/ no checkpoint accounts for (I16)', async () => {
    const { dir, store } = await storeWithSession();
    await store.append('talk', { kind: 'note', text: 'a note' });
    const tip = store.tipOf('talk')!;
    const blob = git(dir, ['hash-object', '-w', '--stdin'], { input: 'smuggled\n' }).trim();
    const files = git(dir, ['mktree'], { input: `100644 blob ${blob}\tx.txt\n` }).trim();
    const events = git(dir, ['rev-parse', `${tip}:events`]).trim();
    const root = git(dir, ['mktree'], { input: `040000 tree ${events}\tevents\n040000 tree ${files}\tworkspace\n` }).trim();
    const parent = git(dir, ['rev-parse', `${tip}^`]).trim();
    const message = git(dir, ['log', '-1', '--format=%B', tip]);
    const forged = git(dir, ['commit-tree', root, '-p', parent], { input: message }).trim();
    git(dir, ['update-ref', 'refs/heads/forged', forged]);
    const reopened = Store.open(dir);
    const lenient = verifyTimeline(reopened, 'forged', forged);
    expect(lenient.problem?.invariant).toBe('I16');
    expect(lenient.problem?.message).toContain(`holds the snapshot ${files} as workspace/, where its checkpoints say none`);
    expect(verifyTimeline(reopened, 'forged', forged, { strictTrees: true }).problem?.invariant).toBe('I16');
    // A workspace entry that is a file is no tree shape a pull adopts.
    const fileRoot = git(dir, ['mktree'], { input: `040000 tree ${events}\tevents\n100644 blob ${blob}\tworkspace\n` }).trim();
    const odd = git(dir, ['commit-tree', fileRoot, '-p', parent], { input: message }).trim();
    expect(verifyTimeline(reopened, 'forged', odd, { strictTrees: true }).problem?.message).toMatch(/"workspace" \(mode 100644\) in its root tree/);
  });

  it('rejects a snapshot tree with a hostile name or a checkpoint naming a tree the store lacks', async () => {
    const { dir, store } = await storeWithSession();
    const blob = git(dir, ['hash-object', '-w', '--stdin'], { input: 'x' }).trim();
    const bad = git(dir, ['mktree', '--missing'], { input: `100644 blob ${blob}\t..\n` }).trim();
    expect(() => planRestore(store, bad, path.join(tmpdir(), 'out'))).toThrow(/bad name/);
    let err: unknown;
    try {
      await store.append('talk', { kind: 'checkpoint', tree: 'ab'.repeat(20) });
    } catch (e) {
      err = e;
    }
    expect(isAgentlogError(err) && err.code).toBe('E_OBJECT');
    expect(store.readEvents(store.tipOf('talk')!)).toHaveLength(1);
    // A folder with more files than the limit is refused, naming the folder, and nothing is appended.
    const many = path.join(tmpdir(), 'many');
    fs.mkdirSync(many);
    for (let i = 0; i < 5; i++) fs.writeFileSync(path.join(many, `f${i}`), `${i}`);
    await expect(checkpoint(store, 'talk', many, { maxFiles: 4 })).rejects.toThrow(/holds more than 4 files/);
    expect(store.readEvents(store.tipOf('talk')!)).toHaveLength(1);
  });
});
