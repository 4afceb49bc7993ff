/**
 * Deltas in the packs a gc writes (issue 20, "storage near the compressed size"): core/git/pack/
 * delta.ts makes git deltas with a rolling-hash block index, deltaPack.ts chooses them in a sliding
 * window over objects sorted as git sorts them, compactPacks.ts writes them as offset deltas. Real
 * git must accept the packs (`verify-pack -v`, `fsck --strict`, `cat-file`), every object must read
 * back byte-identical through the store and through git, chains stay within their depth, and the
 * reader refuses hostile deltas.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ObjectStore } from '../../core/git/objects.js';
import { compactPacks } from '../../core/git/pack/compactPacks.js';
import { DeltaIndex } from '../../core/git/pack/delta.js';
import { applyDelta, encodeOfsBack, objectHeader, OFS_DELTA, packHeader, REF_DELTA, TYPE_CODE, zlibStored } from '../../core/git/pack/format.js';
import { buildIndex } from '../../core/git/pack/packIndex.js';
import { writePack } from '../../core/git/pack/writePack.js';
import { Store } from '../../core/store/store.js';
import { verifyTimeline } from '../../core/timeline/verify.js';
import { sameThroughGitAndStore, verifyPacks } from '../helpers/packCheck.js';
import { clock, git, tmpdir } from '../helpers/tmp.js';

/** A deterministic stream of bytes (xorshift), so every run builds the same inputs. */
function random(seed: number): () => number {
  let x = seed | 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

function text(rand: () => number, words: number): Buffer {
  const vocab = ['the', 'store', 'event', 'commit', 'tree', 'blob', 'delta', 'window', 'agent', 'session', 'tool', 'result', '{"type":"text"}', '\n'];
  return Buffer.from(Array.from({ length: words }, () => vocab[Math.floor(rand() * vocab.length)]).join(' '));
}

/** `target` made from `base` through the delta, or fails the test. */
function roundTrip(base: Buffer, target: Buffer, maxSize = target.length + 1024): Buffer {
  const delta = new DeltaIndex(base).delta(target, maxSize)!;
  expect(delta).toBeDefined();
  expect(applyDelta(base, delta, (why) => new Error(`the delta ${why}`)).equals(target)).toBe(true);
  return delta;
}

function packBytes(gitDir: string): number {
  const dir = path.join(gitDir, 'objects', 'pack');
  return fs
    .readdirSync(dir)
    .filter((n) => n.endsWith('.pack'))
    .reduce((s, n) => s + fs.statSync(path.join(dir, n)).size, 0);
}

/** A store with two sessions of `n` long, similar messages each, and a fork: one pack per append. */
async function similarStore(n: number) {
  const dir = path.join(tmpdir(), 'store');
  const { store } = Store.init(dir, { now: clock(), autoGc: 'off' });
  const rand = random(7);
  const shared = text(rand, 300).toString();
  for (const name of ['one', 'two']) {
    await store.create(name, { kind: 'session', title: name });
    for (let i = 0; i < n; i++) {
      const role = i % 2 ? 'assistant' : 'user';
      await store.append(name, { kind: 'message', role, content: [{ type: 'text', text: `${shared.slice(0, 200 + ((i * 37) % 1500))} ${text(rand, 20)}` }] });
    }
  }
  await store.branch('one-fork', store.tipOf('one')!, 'one');
  await store.append('one-fork', { kind: 'note', text: 'after the fork' });
  return { dir, store };
}

describe('delta encoding (delta.ts)', () => {
  it('round-trips edits of every kind: inserts, deletions, replacements, moves, at the ends and in the middle', () => {
    const rand = random(1);
    const base = text(rand, 4000);
    const cut = (b: Buffer, from: number, to: number) => Buffer.concat([b.subarray(0, from), b.subarray(to)]);
    const cases: Buffer[] = [
      base,
      Buffer.concat([base, Buffer.from(' and one more line')]),
      Buffer.concat([Buffer.from('a new start '), base]),
      cut(base, 1000, 1500),
      Buffer.concat([base.subarray(0, 3000), Buffer.from('REPLACED'), base.subarray(3008)]),
      Buffer.concat([base.subarray(base.length / 2), base.subarray(0, base.length / 2)]), // halves swapped
      base.subarray(0, 10),
      Buffer.alloc(0),
      text(random(99), 500), // nothing in common
    ];
    for (const target of cases.slice(0, -2)) roundTrip(base, target);
    expect(new DeltaIndex(base).delta(Buffer.alloc(0), 100)).toBeDefined(); // sizes only, 4 bytes
    expect(new DeltaIndex(Buffer.alloc(0)).delta(Buffer.alloc(0), 100)).toBeUndefined(); // 2 bytes: git refuses it
    roundTrip(base, cases.at(-1)!);
    // One changed byte in 20 KB costs a few copy ops, not the object.
    const edited = Buffer.from(base);
    edited[base.length >> 1] ^= 0xff;
    expect(roundTrip(base, edited).length).toBeLessThan(40);
  });

  it('round-trips random mutations of random bases (200 cases, sizes 0 to 70 KB)', () => {
    const rand = random(42);
    for (let c = 0; c < 200; c++) {
      const size = Math.floor(rand() ** 3 * 70_000);
      const base = Buffer.from(Array.from({ length: size }, () => Math.floor(rand() * (c % 2 ? 4 : 256))));
      let target = Buffer.from(base);
      for (let m = Math.floor(rand() * 8); m > 0; m--) {
        const at = Math.floor(rand() * (target.length + 1));
        const len = Math.floor(rand() * 300);
        const op = Math.floor(rand() * 3);
        const bytes = Buffer.from(Array.from({ length: len }, () => Math.floor(rand() * 256)));
        if (op === 0) target = Buffer.concat([target.subarray(0, at), bytes, target.subarray(at)]);
        else if (op === 1) target = Buffer.concat([target.subarray(0, at), target.subarray(at + len)]);
        else target = Buffer.concat([target.subarray(0, at), bytes, target.subarray(at + len)]);
      }
      if (base.length + target.length > 256) roundTrip(base, target, target.length + 1024);
    }
  });

  it('stays small and exact on repetitive input (a base of one repeated byte, copies longer than 64 KiB)', () => {
    const base = Buffer.alloc(1 << 20, 0x61);
    const target = Buffer.concat([base, Buffer.from('b'), base.subarray(0, 300_000)]);
    expect(roundTrip(base, target).length).toBeLessThan(64);
  });

  it('gives up past maxSize rather than making a long delta', () => {
    const base = text(random(3), 2000);
    const other = text(random(4), 2000);
    expect(new DeltaIndex(base).delta(other, 100)).toBeUndefined();
    expect(new DeltaIndex(base).delta(base, 100)!.length).toBeLessThan(20);
  });
});

describe('a gc writes deltas (compactPacks.ts, deltaPack.ts)', () => {
  it('merges a store into one pack with deltas that git accepts, every object the same through the store and git, smaller than before', async () => {
    const { dir, store } = await similarStore(120);
    const gitDir = path.join(dir, '.git');
    const before = packBytes(gitDir);
    const tips = Object.fromEntries(['one', 'two', 'one-fork'].map((t) => [t, store.tipOf(t)!]));
    const r = await store.gc();
    expect(r.after.packs).toBe(1);
    const v = verifyPacks(gitDir);
    expect(v.objects).toBeGreaterThan(4 * 240);
    // Trees of consecutive appends, and similar messages, are deltas (objects under 50 bytes never are, as in git).
    console.log(`pack deltas: ${v.deltas.size} of ${v.objects} objects, longest chain ${v.maxChain}; ${before} → ${packBytes(gitDir)} bytes`);
    expect(v.deltas.size).toBeGreaterThan(2 * 120);
    expect(v.maxChain).toBeLessThanOrEqual(50);
    expect(git(dir, ['fsck', '--strict', '--no-dangling', '--no-progress']).trim()).toBe('');
    expect(sameThroughGitAndStore(gitDir)).toBeGreaterThanOrEqual(v.objects); // and the loose objects init wrote
    const after = packBytes(gitDir);
    expect(after).toBeLessThan(before / 2);
    const reopened = Store.open(dir);
    for (const [name, tip] of Object.entries(tips)) {
      expect(reopened.tipOf(name)).toBe(tip);
      expect(verifyTimeline(reopened, name, tip).problem).toBeUndefined();
    }
    expect(reopened.readEvents(tips.one)).toHaveLength(121);
    expect(git(dir, ['log', '--oneline', 'one']).split('\n').filter(Boolean)).toHaveLength(121);
  }, 120_000);

  it('keeps every chain within the depth it is given', () => {
    // Blobs that each add a line to the one before: sorted largest first, each deltas against the last.
    const dir = tmpdir();
    git(dir, ['init', '-q', '--bare']);
    const packDir = path.join(dir, 'objects', 'pack');
    const rand = random(5);
    let content = text(rand, 50);
    const blobs: Buffer[] = [];
    for (let i = 0; i < 120; i++) {
      content = Buffer.concat([content, Buffer.from(`\nline ${i} `), text(rand, 5)]);
      blobs.push(content);
    }
    for (let i = 0; i < blobs.length; i += 40) {
      writePack(
        packDir,
        blobs.slice(i, i + 40).map((c) => ({ type: 'blob' as const, content: c, oid: ObjectStore.hash('blob', c) })),
      ).release();
    }
    expect(compactPacks(packDir, { maxPacks: 1, delta: { window: 10, depth: 4, windowBytes: 1 << 20, level: 6 } })).toBe(3);
    const v = verifyPacks(dir);
    expect(v.objects).toBe(120);
    expect(v.deltas.size).toBeGreaterThan(90);
    expect(v.maxChain).toBe(4);
    expect(sameThroughGitAndStore(dir)).toBe(120);
  });

  it('merges git’s own packs and its own delta packs again, and the store reads whole after each', async () => {
    const { dir, store } = await similarStore(30);
    git(dir, ['gc', '-q']); // git's pack, with its deltas
    for (let i = 0; i < 40; i++) await store.append('two', { kind: 'note', text: `more ${i} ${'words '.repeat(i)}` });
    expect((await store.gc()).after.packs).toBe(1);
    for (let i = 0; i < 40; i++) await store.append('one', { kind: 'note', text: `again ${i} ${'words '.repeat(i)}` });
    expect((await store.gc()).after.packs).toBe(1); // its own delta pack merged with 40 new ones
    const gitDir = path.join(dir, '.git');
    expect(git(dir, ['fsck', '--strict', '--no-dangling', '--no-progress']).trim()).toBe('');
    expect(sameThroughGitAndStore(gitDir)).toBeGreaterThanOrEqual(verifyPacks(gitDir).objects);
    const reopened = Store.open(dir);
    expect(reopened.readEvents(reopened.tipOf('one')!)).toHaveLength(71);
    expect(reopened.readEvents(reopened.tipOf('two')!)).toHaveLength(71);
    expect(verifyTimeline(reopened, 'two', reopened.tipOf('two')!).problem).toBeUndefined();
  }, 120_000);

  it('a long-lived writer’s own automatic round copies entries as stored (no delta search on its event loop); `gc` then finds the deltas', async () => {
    const { dir } = await similarStore(0);
    const store = Store.open(dir, { now: clock(1_770_000_000_000), autoGc: 'wait' });
    for (let i = 0; i < 60; i++) await store.append('one', { kind: 'note', text: `note ${i}: ${'the same words again, '.repeat(20)}` });
    const gitDir = path.join(dir, '.git');
    const merged = verifyPacks(gitDir);
    expect(fs.readdirSync(path.join(gitDir, 'objects', 'pack')).filter((n) => n.endsWith('.pack')).length).toBeLessThan(40);
    expect(merged.deltas.size).toBe(0);
    await store.gc();
    expect(verifyPacks(gitDir).deltas.size).toBeGreaterThan(60);
    expect(git(dir, ['fsck', '--strict', '--no-dangling', '--no-progress']).trim()).toBe('');
    expect(Store.open(dir).readEvents(store.tipOf('one')!)).toHaveLength(61);
  }, 120_000);

  it('rejects a pack holding an object whose bytes do not hash to its id: E_OBJECT, and no pack is deleted', () => {
    const dir = tmpdir();
    git(dir, ['init', '-q', '--bare']);
    const packDir = path.join(dir, 'objects', 'pack');
    const good = Buffer.from('a good blob, long enough to be tried as a delta base, long enough');
    writePack(packDir, [{ type: 'blob', content: good, oid: ObjectStore.hash('blob', good) }]).release();
    const liar = ObjectStore.hash('blob', Buffer.from('what the id says'));
    writePack(packDir, [{ type: 'blob', content: Buffer.from('what the bytes are'), oid: liar }]).release();
    const files = fs.readdirSync(packDir).sort();
    expect(() => compactPacks(packDir, 1)).toThrow(expect.objectContaining({ code: 'E_OBJECT', message: expect.stringContaining(liar) }));
    expect(fs.readdirSync(packDir).sort()).toEqual(files);
  });
});

describe('the reader refuses hostile deltas', () => {
  /** A bare repository with one pack of raw entries (`entry` gets each one's offset, for offset deltas). */
  function packOf(entries: Array<{ oid: string; entry: (offset: number) => Buffer }>): ObjectStore {
    const dir = tmpdir();
    git(dir, ['init', '-q', '--bare']);
    const parts: Buffer[] = [packHeader(entries.length)];
    const index: Array<{ oid: Buffer; crc: number; offset: number }> = [];
    let offset = 12;
    for (const e of entries) {
      const bytes = e.entry(offset);
      index.push({ oid: Buffer.from(e.oid, 'hex'), crc: crc32(bytes) >>> 0, offset });
      parts.push(bytes);
      offset += bytes.length;
    }
    const body = Buffer.concat(parts);
    const sum = createHash('sha1').update(body).digest();
    const base = path.join(dir, 'objects', 'pack', `pack-${sum.toString('hex')}`);
    fs.writeFileSync(`${base}.pack`, Buffer.concat([body, sum]));
    fs.writeFileSync(`${base}.idx`, buildIndex(index, sum));
    return new ObjectStore(dir);
  }
  const baseContent = Buffer.from('the base object, forty bytes or so long');
  const baseOid = ObjectStore.hash('blob', baseContent);
  const whole = () => Buffer.concat([objectHeader(TYPE_CODE.blob, baseContent.length), zlibStored(baseContent)]);
  const ofs = (back: (offset: number) => number, delta: Buffer) => (offset: number) =>
    Buffer.concat([objectHeader(OFS_DELTA, delta.length), encodeOfsBack(back(offset)), zlibStored(delta)]);
  const ref = (oid: string, delta: Buffer) => () => Buffer.concat([objectHeader(REF_DELTA, delta.length), Buffer.from(oid, 'hex'), zlibStored(delta)]);
  /** A delta: base size, result size, then ops. */
  const delta = (baseSize: number, size: number, ops: number[]) => Buffer.from([baseSize, size, ...ops]);
  const target = 'a'.repeat(40);

  const cases: Array<[string, Array<{ oid: string; entry: (offset: number) => Buffer }>, RegExp]> = [
    ['an offset delta whose base lies before the pack', [{ oid: target, entry: ofs((o) => o, delta(0, 1, [1, 0x41])) }], /outside the pack/],
    ['an offset delta whose base is itself', [{ oid: target, entry: ofs(() => 0, delta(0, 1, [1, 0x41])) }], /outside the pack/],
    [
      'a delta made for a base of another size',
      [
        { oid: baseOid, entry: whole },
        { oid: target, entry: ofs((o) => o - 12, delta(baseContent.length + 1, 4, [0x90, 4])) },
      ],
      /does not fit its base/,
    ],
    [
      'a delta copying past the end of its base',
      [
        { oid: baseOid, entry: whole },
        { oid: target, entry: ofs((o) => o - 12, delta(baseContent.length, 10, [0x91, 35, 10])) },
      ],
      /copies past the end/,
    ],
    [
      'a delta making less than the size it declares',
      [
        { oid: baseOid, entry: whole },
        { oid: target, entry: ofs((o) => o - 12, delta(baseContent.length, 20, [0x90, 4])) },
      ],
      /is short/,
    ],
    [
      'reference deltas in a cycle',
      [
        { oid: target, entry: ref('b'.repeat(40), delta(4, 4, [0x90, 4])) },
        { oid: 'b'.repeat(40), entry: ref(target, delta(4, 4, [0x90, 4])) },
      ],
      /comes back to it/,
    ],
  ];
  for (const [what, entries, why] of cases) {
    it(`rejects ${what}: E_OBJECT naming the object`, () => {
      const objects = packOf(entries);
      expect(() => objects.read(target)).toThrow(expect.objectContaining({ code: 'E_OBJECT', message: expect.stringMatching(why) }));
      expect(() => objects.read(target)).toThrow(new RegExp(target));
    });
  }
});
