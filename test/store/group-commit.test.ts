import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Store, type EventInput } from '../../core/store/store.js';
import { verifyTimeline } from '../../core/timeline/verify.js';
import { moveBeforeFirstPublish } from '../helpers/race.js';
import { sessionWith } from '../helpers/store.js';
import { git } from '../helpers/tmp.js';

describe('store', () => {
  it('writes appends made without awaiting together: one commit each, in call order, one pack, one move of the branch', async () => {
    const { dir, store } = await sessionWith(0);
    const packDir = path.join(dir, '.git/objects/pack');
    const packsBefore = fs.readdirSync(packDir).filter((n) => n.endsWith('.pack')).length;
    const seen: string[] = [];
    const pending = Array.from({ length: 250 }, (_, i) =>
      store.append('talk', { kind: 'note', text: `n${i}` }).then((a) => {
        // Resolved once the branch has moved, in one step, to the last of them.
        seen.push(git(dir, ['rev-parse', 'talk']).trim());
        return a;
      }),
    );
    const done = await Promise.all(pending);
    expect(done.map((a) => a.seq)).toEqual(Array.from({ length: 250 }, (_, i) => i + 1));
    expect(seen).toEqual(done.map(() => done[249].commit));
    expect(git(dir, ['rev-list', '--first-parent', 'talk']).trim().split('\n').slice(0, 250).reverse()).toEqual(done.map((a) => a.commit));
    expect(fs.readdirSync(packDir).filter((n) => n.endsWith('.pack')).length).toBe(packsBefore + 1);
    expect(git(dir, ['rev-list', '--count', 'talk']).trim()).toBe('251');
    expect(git(dir, ['log', '-3', '--format=%s', 'talk']).trim().split('\n')).toEqual(['note: n249', 'note: n248', 'note: n247']);
    expect(git(dir, ['fsck', '--strict', '--no-dangling']).trim()).toBe('');
    expect(verifyTimeline(store, 'talk', store.tipOf('talk')!).problem).toBeUndefined();
  }, 240_000); // 250 git processes: minutes on a loaded machine (CI timed it out at 60 s under load 20)

  it('splits waiting appends into batches of about 16 MiB of events, keeping their order', async () => {
    const { dir, store } = await sessionWith(0);
    const packDir = path.join(dir, '.git/objects/pack');
    const packsBefore = fs.readdirSync(packDir).filter((n) => n.endsWith('.pack')).length;
    const big = 'x'.repeat(1 << 20);
    const done = await Promise.all(Array.from({ length: 20 }, (_, i) => store.append('talk', { kind: 'note', text: `${i} ${big}` })));
    expect(done.map((a) => a.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(fs.readdirSync(packDir).filter((n) => n.endsWith('.pack')).length).toBe(packsBefore + 2); // 16 events, then 4
    expect(git(dir, ['fsck', '--strict', '--no-dangling']).trim()).toBe('');
  });

  it('in a batch, a bad event fails alone, or stops the rest of its chain; seq conditions hold', async () => {
    const { store } = await sessionWith(0);
    const bad = { kind: 'note', n: 2n ** 64n } as unknown as EventInput; // beyond DAG-CBOR's integers
    const loose = [store.append('talk', { kind: 'note', text: 'a' }), store.append('talk', bad), store.append('talk', { kind: 'note', text: 'b' })];
    const [a, failed, b] = await Promise.allSettled(loose);
    expect(a.status === 'fulfilled' && a.value.seq).toBe(1);
    expect(failed.status).toBe('rejected');
    expect(b.status === 'fulfilled' && b.value.seq).toBe(2);

    const chain = {};
    const chained = await Promise.allSettled([
      store.append('talk', { kind: 'note', text: 'c' }, { chain }),
      store.append('talk', bad, { chain }),
      store.append('talk', { kind: 'note', text: 'd' }, { chain }),
      store.append('talk', { kind: 'note', text: 'unrelated' }),
    ]);
    expect(chained.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
    expect((chained[2] as PromiseRejectedResult).reason.code).toBe('E_CHAIN');
    // A chain that failed stays failed.
    await expect(store.append('talk', { kind: 'note', text: 'e' }, { chain })).rejects.toMatchObject({ code: 'E_CHAIN' });

    const texts = () => store.readEvents(store.tipOf('talk')!).map((e) => e.event.text ?? e.event.kind);
    expect(texts()).toEqual(['session', 'a', 'b', 'c', 'unrelated']);
    const seqs = await Promise.allSettled([
      store.append('talk', { kind: 'note', text: 'five' }, { seq: 5 }),
      store.append('talk', { kind: 'note', text: 'seven?' }, { seq: 7 }),
      store.append('talk', { kind: 'note', text: 'six' }, { seq: 6 }),
    ]);
    expect(seqs.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((seqs[1] as PromiseRejectedResult).reason.data.moved).toBe(true);
    expect(texts().slice(-2)).toEqual(['five', 'six']);
  });

  it('a batch that loses the race is rebuilt on the new tip, judging its chain again', async () => {
    const { dir, store } = await sessionWith(0);
    const other = Store.open(dir);
    // The first publish of the batch finds the branch moved by another writer, for real.
    const race = moveBeforeFirstPublish(store, 'refs/heads/talk', () => other.append('talk', { kind: 'note', text: 'other writer' }));
    const bad = { kind: 'note', n: 2n ** 64n } as unknown as EventInput;
    const chain = {};
    const results = await Promise.allSettled([
      store.append('talk', { kind: 'note', text: 'a' }, { chain }),
      store.append('talk', bad, { chain }),
      store.append('talk', { kind: 'note', text: 'c' }, { chain }),
    ]);
    expect(race.calls).toBe(2);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected']);
    expect((results[0] as PromiseFulfilledResult<{ seq: number }>).value.seq).toBe(2);
    expect((results[2] as PromiseRejectedResult).reason.code).toBe('E_CHAIN');
    expect(store.readEvents(store.tipOf('talk')!).map((e) => e.event.text ?? e.event.kind)).toEqual(['session', 'other writer', 'a']);
    expect(git(dir, ['fsck', '--strict', '--no-dangling']).trim()).toBe('');
  });
});
