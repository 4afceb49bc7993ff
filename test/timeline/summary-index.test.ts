import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Store } from '../../core/store/store.js';
import { listSessions } from '../../core/timeline/sessions.js';
import { bareRepo } from '../helpers/git-http-server.js';
import { sessionWith } from '../helpers/store.js';
import { machineWithSession, ok } from '../helpers/sync.js';
import { clock, tmpdir } from '../helpers/tmp.js';
import { crc32 } from 'node:zlib';

// The summary index (core/store/summaryIndex.ts) is derived: `ls` must list exactly what it lists
// without it, whatever moved since it was written and whatever happened to the file.

const indexFile = (store: Store) => path.join(store.gitDir, 'agentlog', 'summaries.json');

/** What listSessions gives with no index file at all (the file it writes removed again). */
function listedWithoutIndex(dir: string): unknown {
  const store = Store.open(dir);
  fs.rmSync(indexFile(store), { force: true });
  const out = listSessions(store);
  fs.rmSync(indexFile(store), { force: true });
  return out;
}

/** A store with a session `talk`, a fork of it, a fork recorded by `branch`, and a second session. */
async function storeWithForks() {
  const { dir, store } = await sessionWith(6);
  const tip = store.tipOf('talk')!;
  const at3 = [...store.history(tip)].find((c) => c.seq === 3)!.oid;
  await store.branch('talk-fork', at3, 'talk');
  await store.append('talk-fork', { kind: 'message', role: 'user', content: [{ type: 'text', text: 'on the fork' }] });
  // A fork git made (no record): found from the commit graph.
  await store.branch('talk-git', [...store.history(tip)].find((c) => c.seq === 4)!.oid);
  await store.append('talk-git', { kind: 'note', text: 'later' });
  await store.create('other', { kind: 'session', title: 'another talk' });
  return { dir, store };
}

describe('summary index', () => {
  it('ls lists the same with the index, without it, and after it is written; a second listing reads no object', async () => {
    const { dir, store } = await storeWithForks();
    const without = listedWithoutIndex(dir);
    const first = listSessions(Store.open(dir));
    expect(fs.existsSync(indexFile(store))).toBe(true);
    expect(first).toEqual(without);
    // Listing again reads the refs, forks.json and the index, no object: with the objects moved away, it still lists.
    const objects = path.join(store.gitDir, 'objects');
    fs.renameSync(objects, `${objects}.away`);
    let reader: Store;
    try {
      reader = Store.open(dir);
      expect(listSessions(reader)).toEqual(without);
    } finally {
      fs.renameSync(`${objects}.away`, objects);
    }
    const timelines = listSessions(reader).flatMap((s) => s.timelines);
    expect(timelines.find((t) => t.name === 'talk')!.forks.map((f) => [f.name, f.forkSeq])).toEqual([
      ['talk-fork', 3],
      ['talk-git', 4],
    ]);
  });

  it('an append by another writer, a new fork and a new session after the index was written are listed as without it', async () => {
    const { dir } = await storeWithForks();
    listSessions(Store.open(dir)); // the index is written
    // Another writer (its own Store, as another process would be) moves the refs.
    const other = Store.open(dir, { now: clock(1_800_000_000_000) });
    await other.append('talk', { kind: 'note', text: 'appended elsewhere' });
    const tip = other.tipOf('talk')!;
    await other.branch('talk-late', [...other.history(tip)].find((c) => c.seq === 5)!.oid, 'talk');
    await other.create('third', { kind: 'session', title: 'a third talk' });
    const listed = listSessions(Store.open(dir));
    expect(listed).toEqual(listedWithoutIndex(dir));
    const talk = listed.flatMap((s) => s.timelines).find((t) => t.name === 'talk')!;
    expect(talk.length).toBe(8);
    expect(talk.forks.map((f) => f.name)).toContain('talk-late');
    expect(listed.map((s) => s.title)).toContain('a third talk');
  });

  it('a pull that moves a timeline and brings a new one is listed as without the index', async () => {
    const bare = bareRepo(path.join(tmpdir(), 'summaries.git'));
    const a = await machineWithSession('Pulled talk');
    await ok(a.dir, ['remote', 'add', 'origin', bare]);
    await ok(a.dir, ['push']);
    const b = tmpdir();
    await ok(b, ['clone', bare, '.agentlog']);
    const storeB = path.join(b, '.agentlog');
    await ok(b, ['ls']); // B's index is written
    await ok(a.dir, ['append', a.name, '--role', 'user', '--text', 'one more from A']);
    await ok(a.dir, ['new', '--title', 'Second talk']);
    await ok(a.dir, ['push']);
    await ok(b, ['pull']);
    const listed = (await ok(b, ['ls', '--json'])).out;
    fs.rmSync(path.join(storeB, '.git', 'agentlog', 'summaries.json'));
    expect((await ok(b, ['ls', '--json'])).out).toBe(listed);
    expect(listed).toContain('Second talk');
    expect((await ok(b, ['ls', '--json'])).out).toBe((await ok(a.dir, ['ls', '--json'])).out);
  });

  it('a damaged, truncated or lying index file is ignored and written again', async () => {
    const { dir, store } = await storeWithForks();
    const want = listedWithoutIndex(dir);
    listSessions(Store.open(dir));
    const good = fs.readFileSync(indexFile(store), 'utf8');
    expect(good).toContain('"n":7');
    const damaged = [
      good.replace('"n":7', '"n":9'), // a byte changed: the CRC-32 no longer matches
      good.slice(0, good.length / 2),
      'not an index at all',
      '',
    ];
    for (const text of damaged) {
      fs.writeFileSync(indexFile(store), text);
      expect(listSessions(Store.open(dir))).toEqual(want);
      expect(fs.readFileSync(indexFile(store), 'utf8')).toBe(good);
    }
    // Well-formed, checksummed, but odd in its fields (a genesis that is not an event): not trusted.
    const body = JSON.parse(good.slice(0, good.lastIndexOf('\n')));
    for (const e of Object.values(body.tips) as Array<{ g: string }>) e.g = Buffer.from('not cbor').toString('base64');
    const text = JSON.stringify(body);
    fs.writeFileSync(indexFile(store), `${text}\n${(crc32(text) >>> 0).toString(16)}`);
    expect(listSessions(Store.open(dir))).toEqual(want);
  });
});
