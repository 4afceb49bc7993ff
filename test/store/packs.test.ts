import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Store } from '../../core/store/store.js';
import { verifyTimeline } from '../../core/timeline/verify.js';
import { sessionWith } from '../helpers/store.js';
import { clock, git } from '../helpers/tmp.js';

describe('store', () => {
  it('keeps its packs few as appends accumulate, and git reads them all', async () => {
    const { dir, store } = await sessionWith(300);
    const packs = fs.readdirSync(path.join(dir, '.git/objects/pack')).filter((n) => n.endsWith('.pack'));
    expect(packs.length).toBeLessThanOrEqual(48);
    expect(git(dir, ['count-objects', '-v'])).toMatch(/garbage: 0/);
    expect(git(dir, ['fsck', '--strict', '--no-dangling']).trim()).toBe('');
    expect(git(dir, ['rev-list', '--count', 'talk']).trim()).toBe('301');
    expect(verifyTimeline(store, 'talk', store.tipOf('talk')!).problem).toBeUndefined();
  });

  it('keeps its packs few when every append comes from a new process (a Store opened for each)', async () => {
    const { dir } = await sessionWith(0);
    const now = clock();
    const counts: number[] = [];
    for (let i = 0; i < 400; i++) {
      await Store.open(dir, { now }).append('talk', { kind: 'note', text: `one-shot ${i}` });
      counts.push(fs.readdirSync(path.join(dir, '.git/objects/pack')).filter((n) => n.endsWith('.pack')).length);
    }
    expect(Math.max(...counts)).toBeLessThanOrEqual(80);
    expect(counts[counts.length - 1]).toBeLessThan(64);
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
