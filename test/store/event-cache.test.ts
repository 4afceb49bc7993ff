import * as fs from 'node:fs';
import * as path from 'node:path';
import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { EventCache } from '../../core/store/eventCache.js';
import { Store } from '../../core/store/store.js';
import { sessionWith } from '../helpers/store.js';

describe('event cache', () => {
  it('caches big timelines, reuses an ancestor cache after appends, and never trusts a damaged one', async () => {
    const { store } = await sessionWith(1100);
    const tip = store.tipOf('talk')!;
    const first = store.readEvents(tip).map((e) => e.cid.toString());
    const cacheDir = path.join(store.gitDir, 'agentlog', 'cache');
    expect(fs.readdirSync(cacheDir)).toEqual([`${tip}.events`]);
    expect(
      Store.open(store.dir)
        .readEvents(tip)
        .map((e) => e.cid.toString()),
    ).toEqual(first);
    // Newer commits start from the cached ancestor and read only what is new.
    await store.append('talk', { kind: 'note', text: 'after the cache' });
    const more = Store.open(store.dir).readEvents(store.tipOf('talk')!);
    expect(more.map((e) => e.cid.toString()).slice(0, -1)).toEqual(first);
    expect(more[more.length - 1].event.text).toBe('after the cache');
    // Flip a byte inside the cached (compressed) events: the checksum fails, git is read instead.
    const file = path.join(cacheDir, `${tip}.events`);
    const buf = fs.readFileSync(file);
    buf[buf.length >> 1] ^= 0x20;
    fs.writeFileSync(file, buf);
    const again = Store.open(store.dir).readEvents(tip);
    expect(again.map((e) => e.cid.toString())).toEqual(first);
    expect(JSON.stringify(again[500].event.content)).toContain('line 500');
  });

  it('a growing timeline read again and again gets a new cache file only every 128 events, replacing the old one', async () => {
    const { store } = await sessionWith(1100);
    const cacheDir = path.join(store.gitDir, 'agentlog', 'cache');
    const files = () => fs.readdirSync(cacheDir).sort();
    const appendN = (name: string, n: number) => Promise.all(Array.from({ length: n }, (_, i) => store.append(name, { kind: 'note', text: `more ${i}` })));
    const t1 = store.tipOf('talk')!;
    Store.open(store.dir).readEvents(t1);
    expect(files()).toEqual([`${t1}.events`]);
    await appendN('talk', 5);
    const read2 = Store.open(store.dir).readEvents(store.tipOf('talk')!);
    expect(read2).toHaveLength(1106);
    expect(read2[1105].event.text).toBe('more 4');
    expect(files()).toEqual([`${t1}.events`]); // five past the cache: read from it and git, nothing written
    await appendN('talk', 200);
    const t3 = store.tipOf('talk')!;
    expect(Store.open(store.dir).readEvents(t3)).toHaveLength(1306);
    expect(files()).toEqual([`${t3}.events`]); // superseded, and no timeline ends at t1
    // A cache file at a commit where a timeline still ends stays.
    await store.branch('side', t3);
    await appendN('talk', 200);
    const t4 = store.tipOf('talk')!;
    expect(Store.open(store.dir).readEvents(t4)).toHaveLength(1506);
    expect(files()).toEqual([`${t3}.events`, `${t4}.events`].sort());
    expect(
      Store.open(store.dir)
        .readEvents(t3)
        .map((e) => e.cid.toString()),
    ).toEqual(
      Store.open(store.dir)
        .readEvents(t4)
        .slice(0, 1306)
        .map((e) => e.cid.toString()),
    );
  });

  it('events read from the cache equal the events read from git, long and non-ASCII strings included', async () => {
    const { store } = await sessionWith(0);
    const pending = [];
    for (let i = 1; i <= 1100; i++) {
      const text = i % 3 === 0 ? `tool output ${i} `.repeat(1 + (i % 50)) : i % 3 === 1 ? `naïve café ${i} — ünïcode `.repeat(1 + (i % 7)) : `short ${i}`;
      pending.push(
        store.append('talk', {
          kind: 'message',
          role: 'user',
          content: [
            { type: 'text', text },
            { type: 'tool_result', content: 'x'.repeat(60 + (i % 10)) },
          ],
          meta: { ['k'.repeat(1 + (i % 30))]: i },
        }),
      );
    }
    await Promise.all(pending);
    const tip = store.tipOf('talk')!;
    const fromGit = Store.open(store.dir).readEvents(tip); // no cache yet: objects, then the cache is written
    expect(fs.existsSync(path.join(store.gitDir, 'agentlog', 'cache', `${tip}.events`))).toBe(true);
    const fromCache = Store.open(store.dir).readEvents(tip);
    expect(fromCache.map((e) => e.event)).toEqual(fromGit.map((e) => e.event));
    expect(fromCache.map((e) => Buffer.from(e.bytes).toString('hex'))).toEqual(fromGit.map((e) => Buffer.from(e.bytes).toString('hex')));
  });

  it('keeps its records compressed (issue 20: the cache counts in the store’s size), and ignores a file whose pieces do not make what it declares', async () => {
    const { store } = await sessionWith(0);
    for (let i = 1; i <= 300; i++) {
      const text = `tool output of step ${i}: ${'the same words of a session, again and again, '.repeat(1 + (i % 20))}`;
      await store.append('talk', { kind: 'message', role: i % 2 ? 'user' : 'assistant', content: [{ type: 'text', text }] });
    }
    const tip = store.tipOf('talk')!;
    const events = Store.open(store.dir).readEvents(tip);
    const file = path.join(store.gitDir, 'agentlog', 'cache', `${tip}.events`);
    const raw = events.reduce((n, e) => n + 4 + 36 + e.bytes.length, 0);
    const size = fs.statSync(file).size;
    console.log(`event cache: ${events.length} events, ${raw} bytes of records in a file of ${size} bytes`);
    expect(size).toBeLessThan(raw / 4);
    const cid = (es: Array<{ cid: { toString(): string } }>) => es.map((e) => e.cid.toString());
    expect(cid(Store.open(store.dir).readEvents(tip))).toEqual(cid(events));
    // Declares one byte more than its pieces make, with a CRC that matches: ignored, read from git, rewritten.
    const lying = fs.readFileSync(file);
    lying.writeUInt32BE(lying.readUInt32BE(8) + 1, 8);
    lying.writeUInt32BE(crc32(lying.subarray(0, lying.length - 4)) >>> 0, lying.length - 4);
    fs.writeFileSync(file, lying);
    const cache = new EventCache(path.dirname(file));
    expect(cache.read(tip)).toBeUndefined();
    expect(cid(Store.open(store.dir).readEvents(tip))).toEqual(cid(events));
    expect(cache.read(tip)).toHaveLength(301); // rewritten whole (the genesis and 300)
    // A file of the earlier format (ALC2, uncompressed) is not this format: ignored.
    const old = fs.readFileSync(file);
    old.write('ALC2', 0, 'latin1');
    fs.writeFileSync(file, old);
    expect(cache.read(tip)).toBeUndefined();
  });
});
