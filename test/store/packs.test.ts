import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AUTO_GC } from '../../core/store/gc.js';
import { Store } from '../../core/store/store.js';
import { verifyTimeline } from '../../core/timeline/verify.js';
import { sessionWith } from '../helpers/store.js';
import { clock, git } from '../helpers/tmp.js';

describe('store', () => {
  it('keeps its packs few as appends accumulate, with gc after them, and git reads them all', async () => {
    const { dir, store } = await sessionWith(300);
    // Appends never merge (one pack each); the automatic gc's one round brings the count under its bound.
    expect(packCount(dir)).toBe(301);
    const r = await store.gc({ auto: true });
    expect(r).toMatchObject({ ran: true, rounds: 1 });
    expect(packCount(dir)).toBeLessThanOrEqual(AUTO_GC.maxPacks);
    expect(git(dir, ['count-objects', '-v'])).toMatch(/garbage: 0/);
    expect(git(dir, ['fsck', '--strict', '--no-dangling']).trim()).toBe('');
    expect(git(dir, ['rev-list', '--count', 'talk']).trim()).toBe('301');
    expect(verifyTimeline(store, 'talk', store.tipOf('talk')!).problem).toBeUndefined();
  });

  it('keeps its packs few when every append comes from a new process and a gc --auto follows each (as the CLI runs it)', async () => {
    const { dir } = await sessionWith(0);
    const now = clock();
    const counts: number[] = [];
    for (let i = 0; i < 400; i++) {
      const store = Store.open(dir, { now });
      await store.append('talk', { kind: 'note', text: `one-shot ${i}` });
      if (store.gcDue()) await store.gc({ auto: true });
      counts.push(packCount(dir));
    }
    expect(Math.max(...counts)).toBeLessThanOrEqual(AUTO_GC.maxPacks + 1);
    expect(git(dir, ['count-objects', '-v'])).toMatch(/garbage: 0/);
    expect(git(dir, ['rev-list', '--count', 'talk']).trim()).toBe('401');
    expect(verifyTimeline(Store.open(dir), 'talk', Store.open(dir).tipOf('talk')!).problem).toBeUndefined();
  });

  it('a damaged pack index (truncated, empty, a bad fan-out) is a clear error, not a crash', async () => {
    const damage: Array<[string, (b: Buffer) => Buffer]> = [
      ['truncated', (b) => b.subarray(0, 100)],
      ['empty', () => Buffer.alloc(0)],
      ['cut before the checksums', (b) => b.subarray(0, b.length - 60)],
      ['fan-out', (b) => Buffer.concat([b.subarray(0, 8 + 128 * 4), Buffer.alloc(127 * 4, 0xff), b.subarray(8 + 255 * 4)])],
    ];
    for (const [what, f] of damage) {
      const { store } = await sessionWith(3);
      const packDir = path.join(store.gitDir, 'objects', 'pack');
      for (const idx of fs.readdirSync(packDir).filter((n) => n.endsWith('.idx'))) {
        const file = path.join(packDir, idx);
        fs.chmodSync(file, 0o644);
        fs.writeFileSync(file, f(fs.readFileSync(file)));
      }
      const fresh = Store.open(store.dir);
      let error: unknown;
      try {
        fresh.readEvents(fresh.tipOf('talk')!);
      } catch (e) {
        error = e;
      }
      expect(error, what).toMatchObject({ code: 'E_OBJECT' });
      expect((error as Error).message, what).toMatch(/pack-[0-9a-f]{40} is corrupt: its \.idx/);
    }
  });
});

/** The packs in the store at `dir`. */
function packCount(dir: string): number {
  return fs.readdirSync(path.join(dir, '.git/objects/pack')).filter((n) => n.endsWith('.pack')).length;
}
