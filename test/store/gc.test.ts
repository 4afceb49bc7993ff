/**
 * gc (issue 20, "no stalls on the write path"): appends never merge packs, whatever the pack count;
 * `Store.gc` merges them afterwards, bounded per automatic round, one gc at a time (its lock), and
 * the store reads back whole after it.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ownerRecord } from '../../core/git/lock.js';
import { compactPacks, planCompaction } from '../../core/git/pack/compactPacks.js';
import { AUTO_GC } from '../../core/store/gc.js';
import { Store } from '../../core/store/store.js';
import { verifyTimeline } from '../../core/timeline/verify.js';
import { sessionWith } from '../helpers/store.js';
import { clock, git } from '../helpers/tmp.js';

function packs(dir: string): string[] {
  return fs.readdirSync(path.join(dir, '.git/objects/pack')).filter((n) => n.endsWith('.pack'));
}

describe('gc', () => {
  it('an append never merges packs, even with a compaction long due: each of 200 appends adds exactly its own pack', async () => {
    const { dir } = await sessionWith(2 * AUTO_GC.maxPacks);
    const now = clock(1_770_000_000_000);
    let count = packs(dir).length;
    expect(count).toBeGreaterThan(AUTO_GC.maxPacks);
    let merges = 0;
    for (let i = 0; i < 200; i++) {
      // A new Store each time, as each `agentlog append` is a new process.
      const store = Store.open(dir, { now });
      expect(store.gcDue()).toBe(false); // nothing written by this Store yet: nothing for it to tidy
      await store.append('talk', { kind: 'note', text: `append ${i}` });
      expect(store.gcDue()).toBe(true);
      const after = packs(dir).length;
      if (after !== count + 1) merges++;
      count = after;
    }
    expect(merges).toBe(0);
    expect(count).toBe(2 * AUTO_GC.maxPacks + 1 + 200);
    const store = Store.open(dir);
    const tip = store.tipOf('talk')!;
    const r = await store.gc({ auto: true });
    expect(r.ran).toBe(true);
    expect(r.before.packs).toBe(count);
    expect(r.after.packs).toBeLessThanOrEqual(AUTO_GC.maxPacks);
    expect(packs(dir).length).toBe(r.after.packs);
    expect(store.tipOf('talk')).toBe(tip);
    expect(store.readEvents(tip)).toHaveLength(2 * AUTO_GC.maxPacks + 201);
    expect(verifyTimeline(store, 'talk', tip).problem).toBeUndefined();
    expect(git(dir, ['fsck', '--strict', '--no-dangling', '--no-progress']).trim()).toBe('');
  }, 120_000);

  it('an automatic round is bounded by its byte budget; a full gc merges until one pack is left', async () => {
    const { dir, store } = await sessionWith(60);
    const packDir = path.join(dir, '.git/objects/pack');
    const sizes = packs(dir).map((n) => fs.statSync(path.join(packDir, n)).size);
    // A budget of the three smallest packs: exactly those three are merged.
    const [a, b, c] = [...sizes].sort((x, y) => x - y);
    expect(planCompaction(packDir, { maxPacks: 1, maxBytes: a + b + c })).toHaveLength(3);
    expect(compactPacks(packDir, { maxPacks: 1, maxBytes: a + b + c })).toBe(3);
    expect(packs(dir)).toHaveLength(sizes.length - 2);
    expect(planCompaction(packDir, { maxPacks: 1, maxBytes: a })).toEqual([]); // no two fit
    expect(await store.gc({ auto: true })).toMatchObject({ ran: true, rounds: 1 });
    const auto = await store.gc({ auto: true });
    expect(auto.ran).toBe(false); // not due any more
    const full = await store.gc();
    expect(full.ran).toBe(true);
    expect(full.after.packs).toBe(1);
    expect(full.after.bytes).toBeLessThanOrEqual(sizes.reduce((a, b) => a + b, 0));
    expect(git(dir, ['fsck', '--strict', '--no-dangling', '--no-progress']).trim()).toBe('');
    expect(Store.open(dir).readEvents(store.tipOf('talk')!)).toHaveLength(61);
  });

  it('one gc at a time: an automatic gc leaves when a live gc holds the lock; a dead gc’s lock is broken', async () => {
    const { dir, store } = await sessionWith(40);
    const lock = path.join(dir, '.git/agentlog/gc.lock');
    fs.mkdirSync(path.dirname(lock), { recursive: true });
    fs.writeFileSync(lock, ownerRecord()); // this very process: alive
    const busy = await Store.open(dir).gc({ auto: true });
    expect(busy).toMatchObject({ ran: false, busy: true });
    expect(packs(dir).length).toBe(41);
    await expect(Store.open(dir).gc({ lockWaitMs: 50 })).rejects.toMatchObject({ code: 'E_LOCK' });
    // A gc killed while it ran: its pid is gone.
    fs.writeFileSync(lock, ownerRecord({ pid: 2 ** 22 + 17, host: os.hostname(), boot: '', start: '' }));
    const r = await store.gc({ auto: true });
    expect(r.ran).toBe(true);
    expect(packs(dir).length).toBeLessThanOrEqual(AUTO_GC.maxPacks);
    expect(fs.existsSync(lock)).toBe(false);
  });
});

describe('the automatic gc of a long-lived writer (StoreOptions.autoGc)', () => {
  /** One Store appending `n` notes, as an extension host or a library's process does; the pack count after each append. */
  async function longLived(autoGc: 'background' | 'wait' | 'off', n: number) {
    const { dir } = await sessionWith(0);
    const store = Store.open(dir, { now: clock(1_770_000_000_000), autoGc });
    const counts: number[] = [];
    for (let i = 0; i < n; i++) {
      await store.append('talk', { kind: 'note', text: `note ${i}` });
      counts.push(packs(dir).length);
    }
    return { dir, store, counts };
  }

  function readsWhole(dir: string, events: number) {
    const store = Store.open(dir);
    const tip = store.tipOf('talk')!;
    expect(store.readEvents(tip)).toHaveLength(events);
    expect(verifyTimeline(store, 'talk', tip).problem).toBeUndefined();
    expect(git(dir, ['fsck', '--strict', '--no-dangling', '--no-progress']).trim()).toBe('');
    expect(git(dir, ['count-objects', '-v'])).toMatch(/garbage: 0/);
  }

  it('off: every append keeps its own pack (the CLI runs its gc after the command instead)', async () => {
    const { dir, counts } = await longLived('off', 100);
    expect(counts.at(-1)).toBe(101);
    readsWhole(dir, 101);
  }, 60_000);

  it('wait: the Store merges its own packs once they are due, so 200 appends never leave more than a few past the bound', async () => {
    const { dir, counts } = await longLived('wait', 200);
    // due past maxPacks; asked every 8 packs written: at most 8 more before a round brings it down
    expect(Math.max(...counts)).toBeLessThanOrEqual(AUTO_GC.maxPacks + 8);
    expect(counts.some((c, i) => i > 0 && c < counts[i - 1])).toBe(true);
    readsWhole(dir, 201);
  }, 60_000);

  it('background: the round runs after the append that found it due, not inside it, and brings the count down', async () => {
    const { dir, store, counts } = await longLived('background', 60);
    // The append that found a gc due resolved before the merge (which would have brought the count under the bound)…
    const due = counts.findIndex((c) => c > AUTO_GC.maxPacks);
    expect(due).toBeGreaterThan(0);
    expect(counts.slice(0, due + 1)).toEqual(counts.slice(0, due + 1).map((_, i) => i + 2));
    // …and the round, started on a timer after it, merges beside the appends that follow.
    for (let i = 0; i < 600 && packs(dir).length > AUTO_GC.maxPacks; i++) await new Promise((r) => setTimeout(r, 50));
    expect(packs(dir).length).toBeLessThanOrEqual(AUTO_GC.maxPacks);
    expect(store.gcDue()).toBe(false);
    readsWhole(dir, 61);
  }, 60_000);

  it('background: a writer that keeps appending (short pauses) never waits behind a round: it waits for an idle moment', async () => {
    const { dir } = await sessionWith(40); // a pack per append: due already
    // An idle moment of 60 s: the writer below pauses only for a turn of the event loop between appends.
    const store = Store.open(dir, { now: clock(1_770_000_000_000), autoGc: 'background', gcIdleMs: 60_000 });
    const counts: number[] = [];
    for (let i = 0; i < 24; i++) {
      await store.append('talk', { kind: 'note', text: `busy ${i}` });
      counts.push(packs(dir).length);
      await new Promise((r) => setTimeout(r, 5)); // timers run: a round due "after the append" would run here
    }
    // Nothing merged while the writer was busy: each append added its pack.
    expect(counts).toEqual(counts.map((_, i) => counts[0] + i));
    expect(counts.at(-1)).toBeGreaterThan(AUTO_GC.maxPacks + 8);
    expect(store.gcDue()).toBe(true);
    readsWhole(dir, 65);
  }, 60_000);
});
