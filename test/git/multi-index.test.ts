/**
 * Many packs (core/git/pack/multiIndex.ts, packSet.ts): a writer in one process leaves a pack per
 * append until a gc merges them, and each object read used to search every pack's .idx in turn
 * (3,000 packs: a 3,000-event timeline took 14 s of CPU to read). Small packs are now merged into one
 * table in memory, found with one binary search, and the table follows packs that come and go.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MultiIndex } from '../../core/git/pack/multiIndex.js';
import { buildIndex, PackIndex } from '../../core/git/pack/packIndex.js';
import { PackSet } from '../../core/git/pack/packSet.js';
import { Store } from '../../core/store/store.js';
import { verifyTimeline } from '../../core/timeline/verify.js';
import { sessionWith } from '../helpers/store.js';
import { clock, git } from '../helpers/tmp.js';

/** A pack index of `n` random ids at made-up offsets, named `name`. */
function fakeIndex(name: string, n: number): { index: PackIndex; oids: Buffer[]; offsets: number[] } {
  const oids = Array.from({ length: n }, () => randomBytes(20));
  const offsets = oids.map((_, i) => 12 + i * 100 + (i % 7));
  const bytes = buildIndex(
    oids.map((oid, i) => ({ oid, crc: 0, offset: offsets[i] })),
    Buffer.alloc(20),
  );
  return { index: new PackIndex(bytes, name), oids, offsets };
}

/** Every object of the repository (`git cat-file --batch-all-objects`), with its type. */
function allObjects(dir: string): Array<{ oid: string; type: string }> {
  return git(dir, ['cat-file', '--batch-all-objects', '--batch-check=%(objectname) %(objecttype)'])
    .trim()
    .split('\n')
    .map((l) => {
      const [oid, type] = l.split(' ');
      return { oid, type };
    });
}

const packDir = (dir: string) => path.join(dir, '.git', 'objects', 'pack');
const idxCount = (dir: string) => fs.readdirSync(packDir(dir)).filter((n) => n.endsWith('.idx')).length;

describe('MultiIndex', () => {
  it('finds every id of every pack merged in, at its offset, and none other; follows packs removed and added', () => {
    const packs = ['a', 'b', 'c', 'd'].map((name, i) => ({ name, ...fakeIndex(name, [0, 1, 300, 2000][i]) }));
    let multi = MultiIndex.empty<string>().with(packs.slice(0, 3).map((p) => ({ pack: p.name, index: p.index })));
    const expectAll = (present: typeof packs, absent: typeof packs) => {
      for (const p of present) for (const [i, oid] of p.oids.entries()) expect(multi.find(oid)).toEqual({ pack: p.name, offset: p.offsets[i] });
      for (const p of absent) for (const oid of p.oids) expect(multi.find(oid)).toBeUndefined();
      expect(multi.size).toBe(present.reduce((n, p) => n + p.oids.length, 0));
    };
    expectAll(packs.slice(0, 3), packs.slice(3));
    for (let i = 0; i < 200; i++) expect(multi.find(randomBytes(20))).toBeUndefined();
    // 'c' merged away, 'd' added: one pass.
    multi = multi.with([{ pack: 'd', index: packs[3].index }], (p) => p !== 'c');
    expectAll([packs[0], packs[1], packs[3]], [packs[2]]);
    expect(multi.packs).toEqual(['a', 'b', 'd']);
    // Two tables joined as one: every id of both, at its pack and offset.
    const recent = MultiIndex.empty<string>().with([{ pack: 'c', index: packs[2].index }]);
    multi = multi.joined(recent);
    expectAll(packs, []);
    // The same object in two packs (a gc's merged pack beside the ones it replaces): found in either.
    const twice = multi.with([{ pack: 'd2', index: packs[3].index }]);
    for (const oid of packs[3].oids) expect(['d', 'd2']).toContain(twice.find(oid)?.pack);
  });
});

describe('reading a store of many small packs', () => {
  it('reads each object with about one .idx search, not one per pack, and gives what git gives', async () => {
    const { dir } = await sessionWith(300);
    expect(idxCount(dir)).toBeGreaterThanOrEqual(300);
    // The packed ones (the store branch's two objects are loose).
    const objects = allObjects(dir).filter(({ oid }) => !fs.existsSync(path.join(dir, '.git', 'objects', oid.slice(0, 2), oid.slice(2))));
    const set = new PackSet(packDir(dir));
    for (const { oid, type } of objects) {
      const obj = set.read(oid);
      expect(obj?.type).toBe(type);
    }
    // Spot checks against git itself (its raw bytes, trees included).
    for (const { oid } of objects.filter((_, i) => i % 97 === 0)) expect(Buffer.from(set.read(oid)!.content).equals(rawObject(dir, oid))).toBe(true);
    console.log(`${objects.length} objects in ${idxCount(dir)} packs: ${set.idxSearches} single-pack .idx searches`);
    // Searching every pack in turn makes ~150 searches per object here; the merged table none.
    expect(set.idxSearches).toBeLessThan(objects.length);
  }, 120_000);

  it('keeps finding everything while packs come (another writer) and go (a gc merges them under a reader)', async () => {
    const { dir, store } = await sessionWith(80);
    const reader = Store.open(dir, { autoGc: 'off' });
    expect(reader.readEvents(reader.tipOf('talk')!)).toHaveLength(81);
    // Another writer adds packs after the reader merged its table…
    for (let i = 0; i < 20; i++) await store.append('talk', { kind: 'note', text: `later ${i}` });
    expect(reader.readEvents(reader.tipOf('talk')!)).toHaveLength(101);
    // …and a gc merges and deletes the packs the reader's table names.
    const before = idxCount(dir);
    const r = await Store.open(dir, { autoGc: 'off' }).gc();
    expect(r.merged).toBeGreaterThan(1);
    expect(idxCount(dir)).toBeLessThan(before);
    const tip = reader.tipOf('talk')!;
    const fresh = Store.open(dir, { now: clock(1_780_000_000_000), autoGc: 'off' });
    expect(reader.readEvents(tip).map((e) => e.cid.toString())).toEqual(fresh.readEvents(tip).map((e) => e.cid.toString()));
    for (const { oid } of allObjects(dir)) expect(reader.hasObject(oid)).toBe(true);
    expect(verifyTimeline(reader, 'talk', tip).problem).toBeUndefined();
  }, 120_000);
});

/** An object's content as git reads it. */
function rawObject(dir: string, oid: string): Buffer {
  const type = git(dir, ['cat-file', '-t', oid]).trim();
  return git(dir, ['cat-file', type, oid], { encoding: 'buffer' }) as unknown as Buffer;
}
