import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Event } from '../../core/event/event.js';
import { EventCache } from '../../core/store/eventCache.js';
import { Store } from '../../core/store/store.js';
import { clock, tmpdir } from '../helpers/tmp.js';

// Store.foldEvents: a fold (show's turns) over events decoded as they go, from the commit's cache file
// a piece at a time, trusted only when the prev links chain up to the commit's trailer (I14).

/** A timeline `talk` of `n` events after its genesis, each with `pad` characters of text (pieces of the cache are 1 MiB). */
async function timelineOf(n: number, pad: number) {
  const dir = path.join(tmpdir(), 'store');
  const { store } = Store.init(dir, { now: clock(), autoGc: 'off' });
  store.beginBatch();
  await store.create('talk', { kind: 'session', title: 'a talk' });
  for (let i = 1; i <= n; i++) await store.append('talk', { kind: 'message', role: 'user', content: [{ type: 'text', text: `line ${i} ${'é'.repeat(pad)}` }] });
  await store.flushBatch();
  return { dir, store: Store.open(dir), tip: Store.open(dir).tipOf('talk')! };
}

const texts = (events: Iterable<Event>) => [...events].map((e) => JSON.stringify(e.content ?? e.title));

describe('foldEvents', () => {
  it('folds every event in seq order from a cache file of several pieces, each taken as the fold asks', async () => {
    const { dir, store, tip } = await timelineOf(400, 4000); // ~3.2 MB of records: 4 pieces
    const want = texts(store.readEvents(tip).map((e) => e.event)); // also writes the cache file
    const cache = new EventCache(path.join(dir, '.git', 'agentlog', 'cache'));
    let records = 0;
    const it = cache.records(tip, false);
    for (let r = it.next(); !r.done; r = it.next()) records++;
    expect(records).toBe(401);
    const fresh = Store.open(dir);
    let seen = 0;
    const got = fresh.foldEvents(tip, (events) => {
      const out: string[] = [];
      for (const e of events) {
        expect(e.seq).toBe(seen++);
        out.push(...texts([e]));
      }
      return out;
    });
    expect(got).toEqual(want);
    expect(seen).toBe(401);
  });

  it('rejects a cache file whose events do not chain up to the commit: the fold runs again over git', async () => {
    const { dir, store, tip } = await timelineOf(300, 10);
    const events = store.readEvents(tip);
    const want = texts(events.map((e) => e.event));
    // A well-formed cache file (checksum right) holding the events with two of them swapped.
    const swapped = [...events];
    [swapped[10], swapped[11]] = [swapped[11], swapped[10]];
    const cache = new EventCache(path.join(dir, '.git', 'agentlog', 'cache'));
    cache.write(tip, swapped);
    expect(cache.read(tip)).toHaveLength(301);
    let runs = 0;
    const got = Store.open(dir).foldEvents(tip, (all) => {
      runs++;
      return texts(all);
    });
    expect(got).toEqual(want);
    expect(runs).toBe(2);
    // A truncated file is no cache either (the swapped one was removed: made again first).
    Store.open(dir).readEvents(tip);
    const file = path.join(dir, '.git', 'agentlog', 'cache', `${tip}.events`);
    fs.writeFileSync(file, fs.readFileSync(file).subarray(0, 100));
    expect(Store.open(dir).foldEvents(tip, texts)).toEqual(want);
  });
});
