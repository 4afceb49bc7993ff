/**
 * Store.streamEvents (core/store/readEvents.ts): a timeline read one event at a time, for `log`, so
 * that a long timeline read cold from git is never held whole (a 10,000-event, 40 MB timeline: `log`
 * peaked at 281 MB, now 132 MB). It gives what readEvents gives, and leaves the same cache file.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Store } from '../../core/store/store.js';
import { cli } from '../helpers/cli.js';
import { sessionWith } from '../helpers/store.js';

const cids = (events: Iterable<{ cid: { toString(): string } }>) => [...events].map((e) => e.cid.toString());

describe('streamEvents', () => {
  it('gives the events readEvents gives, and writes the cache file readEvents would, byte for byte', async () => {
    const { store } = await sessionWith(600);
    const tip = store.tipOf('talk')!;
    const cacheDir = path.join(store.gitDir, 'agentlog', 'cache');
    const streamed = cids(Store.open(store.dir).streamEvents(tip));
    expect(streamed).toHaveLength(601);
    expect(fs.readdirSync(cacheDir)).toEqual([`${tip}.events`]);
    const written = fs.readFileSync(path.join(cacheDir, `${tip}.events`));
    fs.rmSync(cacheDir, { recursive: true });
    expect(cids(Store.open(store.dir).readEvents(tip))).toEqual(streamed);
    expect(fs.readFileSync(path.join(cacheDir, `${tip}.events`)).equals(written)).toBe(true);
    // Warm: from the cache file, the same events; after an append, from the ancestor's file.
    expect(cids(Store.open(store.dir).streamEvents(tip))).toEqual(streamed);
    await store.append('talk', { kind: 'note', text: 'one more' });
    const more = [...Store.open(store.dir).streamEvents(store.tipOf('talk')!)];
    expect(cids(more.slice(0, -1))).toEqual(streamed);
    expect(more.at(-1)?.event.text).toBe('one more');
  }, 60_000);

  it('a reader that stops early leaves no cache file and no temporary file', async () => {
    const { store } = await sessionWith(400);
    const tip = store.tipOf('talk')!;
    let n = 0;
    for (const e of Store.open(store.dir).streamEvents(tip)) if (++n === 100 || e.event.seq < 0) break;
    expect(n).toBe(100);
    const cacheDir = path.join(store.gitDir, 'agentlog', 'cache');
    expect(fs.existsSync(cacheDir) ? fs.readdirSync(cacheDir) : []).toEqual([]);
  }, 60_000);

  it('agentlog log prints what it printed when it read the timeline whole: lines, --json, cold and warm', async () => {
    const { dir, store } = await sessionWith(300);
    const events = store.readEvents(store.tipOf('talk')!);
    fs.rmSync(path.join(store.gitDir, 'agentlog', 'cache'), { recursive: true, force: true });
    for (const run of ['cold', 'warm']) {
      const lines = (await cli(dir, ['log', 'talk'])).out.trimEnd().split('\n');
      expect(lines.map((l) => l.split('\t').slice(0, 2))).toEqual(events.map((e) => [String(e.event.seq), e.cid.toString().slice(-8)]));
      const json = JSON.parse((await cli(dir, ['log', 'talk', '--json'])).out) as Array<{ seq: number; cid: { '/': string } }>;
      expect(
        json.map((j) => [j.seq, j.cid['/']]),
        run,
      ).toEqual(events.map((e) => [e.event.seq, e.cid.toString()]));
    }
  }, 60_000);
});
