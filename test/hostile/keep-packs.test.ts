import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ObjectStore } from '../../core/git/objects.js';
import { compactPacks } from '../../core/git/pack/compactPacks.js';
import { writePack } from '../../core/git/pack/writePack.js';
import { Store } from '../../core/store/store.js';
import { clock, git, tmpdir } from '../helpers/tmp.js';

// Issue 17, point 4 (the .keep half) and point 2 (a pack of the same name is not trusted): a pack is
// kept from its creation until the ref naming it has moved, so a user's `git repack -a -d` cannot
// delete a fresh append's pack; the store's own compaction never merges or deletes a kept pack.

function blobs(tag: string, n: number) {
  return Array.from({ length: n }, (_, i) => {
    const content = Buffer.from(`${tag} ${i}\n`);
    return { type: 'blob' as const, content, oid: ObjectStore.hash('blob', content) };
  });
}

/** writePack's base path, its .keep let go (before issue 17 it returned the path alone: so this test fails there on its assertions). */
function written(p: ReturnType<typeof writePack> | string): string {
  if (typeof p === 'string') return p;
  p.release();
  return p.name;
}

function packNames(dir: string): string[] {
  return fs
    .readdirSync(dir)
    .filter((n) => n.endsWith('.idx'))
    .map((n) => n.slice(0, -4))
    .sort();
}

describe('kept packs (issue 17: 4, 2)', () => {
  it('200 appends while `git repack -a -d` runs in a loop alongside: every acknowledged event is kept, fsck clean, no .keep left', async () => {
    const dir = path.join(tmpdir('agentlog-keep-'), 'store');
    const { store } = Store.init(dir, { now: clock() });
    const cids = [(await store.create('talk', { kind: 'session' })).cid.toString()];
    const stop = path.join(dir, '..', 'stop');
    // Bounded: at most 300 repacks, and it stops as soon as the appends are done.
    const repacks = spawn('bash', ['-c', `for i in $(seq 1 300); do [ -f "$1" ] && break; git repack -a -d -q 2>/dev/null; done`, 'bash', stop], {
      cwd: dir,
      stdio: 'ignore',
      env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', HOME: os.tmpdir() },
    });
    const finished = new Promise((r) => repacks.on('close', r));
    try {
      for (let i = 0; i < 200; i++) {
        const a = await store.append('talk', { kind: 'message', role: 'user', content: [{ type: 'text', text: `event ${i}` }] });
        cids.push(a.cid.toString());
      }
    } finally {
      fs.writeFileSync(stop, '');
      await finished;
    }
    git(dir, ['fsck', '--strict', '--no-progress']);
    const fresh = Store.open(dir);
    expect(fresh.readEvents(fresh.tipOf('talk')!).map((e) => e.cid.toString())).toEqual(cids);
    expect(fs.readdirSync(path.join(dir, '.git', 'objects', 'pack')).filter((n) => n.endsWith('.keep'))).toEqual([]);
  });

  it("a `git repack -a -d` that lands between an append's pack and its ref leaves the pack (kept until the ref moved)", () => {
    const dir = path.join(tmpdir('agentlog-keep-'), 'repo');
    git(path.dirname(dir), ['init', '-q', dir]);
    const objects = new ObjectStore(path.join(dir, '.git'));
    const blob = Buffer.from('an acknowledged event\n');
    const blobId = ObjectStore.hash('blob', blob);
    const tree = Buffer.concat([Buffer.from('100644 event\0', 'latin1'), Buffer.from(blobId, 'hex')]);
    const treeId = ObjectStore.hash('tree', tree);
    const commit = Buffer.from(`tree ${treeId}\nauthor a <a@a> 0 +0000\ncommitter a <a@a> 0 +0000\n\nevent\n`);
    const commitId = ObjectStore.hash('commit', commit);
    // The window of every append: its pack is written, its ref has not moved yet.
    const release = objects.writeBatch([
      { type: 'blob', content: blob, oid: blobId },
      { type: 'tree', content: tree, oid: treeId },
      { type: 'commit', content: commit, oid: commitId },
    ]) as unknown as (() => void) | undefined;
    git(dir, ['repack', '-a', '-d', '-q']);
    git(dir, ['update-ref', 'refs/heads/talk', commitId]);
    release?.();
    git(dir, ['fsck', '--strict', '--no-progress']);
    expect(git(dir, ['cat-file', 'blob', `talk:event`])).toBe('an acknowledged event\n');
    expect(fs.readdirSync(path.join(dir, '.git', 'objects', 'pack')).filter((n) => n.endsWith('.keep'))).toEqual([]);
  });

  it("a user's kept pack survives compaction untouched (not merged, not deleted), and the sweep leaves its .keep", () => {
    const packDir = path.join(tmpdir('agentlog-keep-'), 'pack');
    const bases = Array.from({ length: 40 }, (_, i) => written(writePack(packDir, blobs(`pack ${i}`, 3))));
    const kept = bases[0]; // the smallest packs are the ones merged first; all are the same size here
    fs.writeFileSync(`${kept}.keep`, 'mine\n');
    const before = { pack: fs.readFileSync(`${kept}.pack`), idx: fs.readFileSync(`${kept}.idx`) };
    expect(compactPacks(packDir, 32)).toBeGreaterThan(1);
    const after = packNames(packDir);
    expect(after.length).toBeLessThan(40);
    expect(after).toContain(path.basename(kept));
    expect(fs.readFileSync(`${kept}.pack`)).toEqual(before.pack);
    expect(fs.readFileSync(`${kept}.idx`)).toEqual(before.idx);
    expect(fs.readFileSync(`${kept}.keep`, 'utf8')).toBe('mine\n');
    // Its objects are in it alone: nothing merged them elsewhere.
    for (const n of after.filter((n) => n !== path.basename(kept))) {
      const list = spawnSync('git', ['show-index'], { input: fs.readFileSync(path.join(packDir, `${n}.idx`)), encoding: 'utf8' }).stdout;
      for (const b of blobs('pack 0', 3)) expect(list).not.toContain(b.oid);
    }
  });

  it('writePack does not trust a pack of the same name and size that does not check: it is written again', () => {
    const root = tmpdir('agentlog-keep-');
    const packDir = path.join(root, 'objects', 'pack');
    const entries = blobs('same', 4);
    const first = { name: written(writePack(packDir, entries)) };
    // A pack torn by a power cut: same name, same size, its bytes lost; its .idx never made it.
    const bytes = fs.readFileSync(`${first.name}.pack`);
    bytes.fill(0, 12, bytes.length - 20);
    fs.chmodSync(`${first.name}.pack`, 0o644);
    fs.writeFileSync(`${first.name}.pack`, bytes);
    fs.rmSync(`${first.name}.idx`);
    const again = { name: written(writePack(packDir, entries)) };
    expect(again.name).toBe(first.name);
    const store = new ObjectStore(root);
    for (const e of entries) expect(Buffer.from(store.read(e.oid).content)).toEqual(e.content);
  });
});
