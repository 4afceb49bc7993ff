/**
 * A gc reuses the deltas its input packs already hold (issue 20: "gc with deltas at git's cost"):
 * deltaPack.ts copies a stored delta whose base is in the merged pack as it is, and searches only
 * for the objects that are not deltas yet in packs no search wrote (what appends wrote since). A
 * second gc of a delta'd store therefore searches only for the new objects, a git-made pack's
 * deltas come through a gc unchanged (git's delta bytes, not ours), and a reused chain deeper than
 * the depth asked for is cut.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ObjectStore } from '../../core/git/objects.js';
import { type CompactStats, compactPacks } from '../../core/git/pack/compactPacks.js';
import { writePack } from '../../core/git/pack/writePack.js';
import { Store } from '../../core/store/store.js';
import { sameThroughGitAndStore, verifyPacks } from '../helpers/packCheck.js';
import { clock, git, tmpdir } from '../helpers/tmp.js';

/** A store of two sessions of `n` similar messages each (one pack per append). */
async function similarStore(n: number) {
  const dir = path.join(tmpdir(), 'store');
  const { store } = Store.init(dir, { now: clock(), autoGc: 'off' });
  const shared = Array.from({ length: 300 }, (_, i) => `word${i % 37}`).join(' ');
  for (const name of ['one', 'two']) {
    await store.create(name, { kind: 'session', title: name });
    for (let i = 0; i < n; i++) {
      const role = i % 2 ? 'assistant' : 'user';
      await store.append(name, {
        kind: 'message',
        role,
        content: [{ type: 'text', text: `${shared.slice(0, 200 + ((i * 37) % 1500))} turn ${i} of ${name}` }],
      });
    }
  }
  return { dir, gitDir: path.join(dir, '.git'), store };
}

/** Objects in the packs of `gitDir` that hold no delta (what appends wrote). */
function objectsInPacksWithoutDeltas(gitDir: string): number {
  const packDir = path.join(gitDir, 'objects', 'pack');
  let n = 0;
  for (const idx of fs.readdirSync(packDir).filter((f) => f.endsWith('.idx'))) {
    const out = execFileSync('git', ['verify-pack', '-v', path.join(packDir, idx)], { encoding: 'utf8' });
    const rows = out.split('\n').filter((l) => /^[0-9a-f]{40} (commit|tree|blob|tag) /.test(l));
    if (rows.every((l) => l.trim().split(/\s+/).length < 7)) n += rows.length;
  }
  return n;
}

describe('a gc reuses the deltas its packs hold (deltaPack.ts)', () => {
  it('a second gc copies the first one’s deltas as stored and searches only for the objects appended since', async () => {
    const { dir, gitDir, store } = await similarStore(30);
    const first = await store.gc();
    expect(first.after.packs).toBe(1);
    expect(first.deltas.reused).toBe(0); // appends' packs hold no deltas
    const made = verifyPacks(gitDir);
    expect(made.deltas.size).toBeGreaterThan(50);
    expect(first.deltas.searched).toBeGreaterThan(made.deltas.size);
    for (let i = 0; i < 40; i++) await store.append('two', { kind: 'note', text: `more ${i} ${'words '.repeat(i)}` });
    const appended = objectsInPacksWithoutDeltas(gitDir);
    const second = await store.gc();
    expect(second.after.packs).toBe(1); // the delta'd pack merged with the 40 new ones
    expect(second.deltas.reused).toBe(made.deltas.size);
    expect(second.deltas.searched).toBeGreaterThan(0);
    expect(second.deltas.searched).toBeLessThanOrEqual(appended);
    const after = verifyPacks(gitDir);
    for (const d of made.deltas) expect(after.deltas.has(d), d).toBe(true);
    expect(git(dir, ['fsck', '--strict', '--no-dangling', '--no-progress']).trim()).toBe('');
    expect(sameThroughGitAndStore(gitDir)).toBeGreaterThanOrEqual(after.objects);
    const reopened = Store.open(dir);
    expect(reopened.readEvents(reopened.tipOf('two')!)).toHaveLength(71);
  }, 120_000);

  it('reuses the deltas of a pack git made (`git gc`, then `agentlog gc`): git’s own delta bytes, each base before its delta', async () => {
    const { dir, gitDir, store } = await similarStore(30);
    git(dir, ['gc', '-q']);
    const gits = verifyPacks(gitDir);
    expect(gits.deltas.size).toBeGreaterThan(50);
    for (let i = 0; i < 40; i++) await store.append('one', { kind: 'note', text: `again ${i} ${'words '.repeat(i)}` });
    const result = await store.gc();
    expect(result.after.packs).toBe(1);
    expect(result.deltas.reused).toBe(gits.deltas.size);
    // The same delta (its size) against the same base: copied, not made again by our own search.
    const after = verifyPacks(gitDir);
    for (const d of gits.deltas) expect(after.deltas.has(d), d).toBe(true);
    expect(git(dir, ['fsck', '--strict', '--no-dangling', '--no-progress']).trim()).toBe('');
    expect(sameThroughGitAndStore(gitDir)).toBeGreaterThanOrEqual(after.objects);
    const reopened = Store.open(dir);
    expect(reopened.readEvents(reopened.tipOf('one')!)).toHaveLength(71);
  }, 120_000);

  it('cuts a reused chain deeper than the depth asked for: every chain within it, the rest still reused', () => {
    // Versions of a file, each changing one line of the one before: git chains them 50 deep when let to.
    const dir = tmpdir();
    git(dir, ['init', '-q', '--bare']);
    const packDir = path.join(dir, 'objects', 'pack');
    const lines = Array.from({ length: 100 }, (_, j) => `line ${j}: some words that stay the same in every version ${j * 31}`);
    const blobs: Buffer[] = [];
    for (let i = 0; i < 130; i++) {
      lines[(i * 7) % 100] = `line ${(i * 7) % 100} changed at version ${i}: ${i * 7919}`;
      blobs.push(Buffer.from(`${lines.join('\n')}\n`));
    }
    const packOf = (from: number, to: number) =>
      writePack(
        packDir,
        blobs.slice(from, to).map((c) => ({ type: 'blob' as const, content: c, oid: ObjectStore.hash('blob', c) })),
      ).release();
    packOf(0, 120);
    const ours = fs.readdirSync(packDir);
    // git's pack of the same blobs (none reachable, so pack-objects by id, not repack; searched although our pack holds them), then ours gone.
    const ids = blobs
      .slice(0, 120)
      .map((c) => `${ObjectStore.hash('blob', c)}\n`)
      .join('');
    git(dir, ['pack-objects', '-q', '--no-reuse-object', '--depth=100', '--window=20', path.join(packDir, 'pack')], { input: ids });
    for (const n of ours) fs.rmSync(path.join(packDir, n));
    const gits = verifyPacks(dir);
    expect(gits.maxChain).toBeGreaterThan(20);
    packOf(120, 130); // whole blobs, a pack more than half the size of git's: the two are merged
    const stats: CompactStats = { deltas: 0, reused: 0, searched: 0 };
    expect(compactPacks(packDir, { maxPacks: 1, delta: { window: 10, depth: 8, windowBytes: 1 << 20, level: 6 }, stats })).toBe(2);
    const v = verifyPacks(dir);
    expect(v.objects).toBe(130);
    expect(v.maxChain).toBeLessThanOrEqual(8);
    expect(stats.reused).toBeGreaterThan(gits.deltas.size / 2);
    expect(stats.reused).toBeLessThan(gits.deltas.size);
    expect(stats.searched).toBeLessThanOrEqual(10 + (gits.deltas.size - stats.reused));
    expect(git(dir, ['fsck', '--strict', '--no-dangling', '--no-progress']).trim()).toBe('');
    expect(sameThroughGitAndStore(dir)).toBe(130);
  });
});
