import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DIR_MODE, EVENTS_DIR, eventPath } from '../../core/store/layout.js';
import { Store } from '../../core/store/store.js';
import { SpineIds } from '../../core/timeline/spineIds.js';
import { verifyTimeline } from '../../core/timeline/verify.js';
import { clock, git, tmpdir } from '../helpers/tmp.js';

// verify computes the tree ids each commit must have (timeline/spineIds.ts) instead of reading them:
// the ids must be the store's own, and a tree that is not what its events make, or that is damaged
// in its pack, must still be named.

/** A timeline `talk` of `n` events after its genesis, written as one pack (a batch). */
async function timelineOf(n: number) {
  const dir = path.join(tmpdir(), 'store');
  const { store } = Store.init(dir, { now: clock(), autoGc: 'off' });
  store.beginBatch();
  await store.create('talk', { kind: 'session', title: 'a talk' });
  for (let i = 1; i <= n; i++) await store.append('talk', { kind: 'message', role: 'user', content: [{ type: 'text', text: `line ${i}` }] });
  await store.flushBatch();
  return { dir, store: Store.open(dir) };
}

/** [root, events/, each folder down] as read from the commit's trees. */
function readSpine(store: Store, commit: string): string[] {
  const names = eventPath(store.commitInfo(commit).seq);
  const out = [store.commitInfo(commit).commit.tree];
  for (let level = 0; level < names.length; level++)
    out.push(git(store.dir, ['rev-parse', `${commit}:${[EVENTS_DIR, ...names.slice(0, level)].join('/')}`]).trim());
  return out;
}

describe('verify with computed tree ids', () => {
  it("computes every commit's tree ids as the store writes them, across full folders (1,100 events)", async () => {
    const { store } = await timelineOf(1100);
    const tip = store.tipOf('talk')!;
    const ids = new SpineIds(store.eventBlobs(tip));
    const picks = new Set([0, 1, 31, 32, 33, 1023, 1024, 1025, 1100]);
    const commits = [...store.history(tip)].reverse();
    for (const c of commits) {
      const got = ids.at(c.seq, undefined).map((id) => id.toString('hex'));
      expect(got[0]).toBe(c.commit.tree);
      if (picks.has(c.seq)) expect(got).toEqual(readSpine(store, c.oid));
    }
    // Started in the middle (a verify mark): the same ids.
    expect(new SpineIds(store.eventBlobs(tip)).at(1050, undefined)[0].toString('hex')).toBe(commits[1050].commit.tree);
    expect(verifyTimeline(store, 'talk', tip).problem).toBeUndefined();
  });

  it('rejects a commit holding another event before its last one in its last folder (I4)', async () => {
    const { dir, store } = await timelineOf(4);
    const tip = store.tipOf('talk')!;
    const blobs = store.eventBlobs(tip);
    // Commit seq 3's tree, with seq 1's file holding seq 2's blob; the tip (seq 4) is rebuilt on it as it was.
    const env = { ...process.env, GIT_INDEX_FILE: path.join(tmpdir(), 'index') };
    const at3 = [...store.history(tip)][1];
    git(dir, ['read-tree', at3.oid], { env });
    git(dir, ['update-index', '--cacheinfo', `100644,${blobs[2]},${EVENTS_DIR}/${eventPath(1).join('/')}`], { env });
    const tree = git(dir, ['write-tree'], { env }).trim();
    const forged = git(dir, ['commit-tree', tree, '-p', at3.commit.parents[0], '-m', at3.commit.message]).trim();
    const tipTree = store.commitInfo(tip).commit.tree;
    const newTip = git(dir, ['commit-tree', tipTree, '-p', forged, '-m', store.commitInfo(tip).commit.message]).trim();
    git(dir, ['update-ref', 'refs/heads/talk', newTip]);
    const fresh = Store.open(dir);
    const { problem } = verifyTimeline(fresh, 'talk', newTip);
    expect(problem).toMatchObject({ seq: 3, commit: forged, invariant: 'I4' });
    expect(problem!.message).toContain(`other files in ${EVENTS_DIR}/ than events 0…3`);
  });

  it('accepts a root that holds more than events/ (left to strictTrees, as before)', async () => {
    const { dir, store } = await timelineOf(2);
    const tip = store.tipOf('talk')!;
    const c = store.commitInfo(tip);
    const events = git(dir, ['rev-parse', `${tip}:${EVENTS_DIR}`]).trim();
    const readme = git(dir, ['hash-object', '-w', '--stdin'], { input: 'hello\n' }).trim();
    const root = git(dir, ['mktree'], { input: `${DIR_MODE.padStart(6, '0')} tree ${events}\t${EVENTS_DIR}\n100644 blob ${readme}\tREADME\n` }).trim();
    const odd = git(dir, ['commit-tree', root, '-p', c.commit.parents[0], '-m', c.commit.message]).trim();
    git(dir, ['update-ref', 'refs/heads/talk', odd]);
    const fresh = Store.open(dir);
    expect(verifyTimeline(fresh, 'talk', odd).problem).toBeUndefined();
    expect(verifyTimeline(fresh, 'talk', odd, { strictTrees: true }).problem?.invariant).toBe('I4');
  });

  it('names a tree of an older commit damaged in its pack, which it no longer reads (I9)', async () => {
    const { dir, store } = await timelineOf(40);
    const tip = store.tipOf('talk')!;
    const at20 = [...store.history(tip)].find((c) => c.seq === 20)!;
    const leaf = git(dir, ['rev-parse', `${at20.oid}:${EVENTS_DIR}/${eventPath(20).slice(0, 2).join('/')}`]).trim();
    const packDir = path.join(dir, '.git', 'objects', 'pack');
    const idx = fs.readdirSync(packDir).find((n) => n.endsWith('.idx'))!;
    const row = git(packDir, ['show-index'], { input: fs.readFileSync(path.join(packDir, idx)) })
      .split('\n')
      .find((l) => l.includes(leaf))!;
    const pack = path.join(packDir, idx.replace(/\.idx$/, '.pack'));
    fs.chmodSync(pack, 0o644);
    const buf = fs.readFileSync(pack);
    buf[Number(row.split(' ')[0]) + 4] ^= 0x01; // a bit of its zlib stream (or its delta)
    fs.writeFileSync(pack, buf);
    const { problem } = verifyTimeline(Store.open(dir), 'talk', tip);
    expect(problem).toMatchObject({ seq: 20, commit: at20.oid, invariant: 'I9' });
    expect(problem!.message).toContain(leaf);
  });
});
