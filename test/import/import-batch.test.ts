/**
 * An import of many files written in batches (issue 20; core/store/batch.ts, core/capture/importChanged.ts):
 * many timelines' objects in one pack, their refs moved together once it is durable. The store ends
 * as an import of each file alone leaves it (same refs, so the same objects); what a batch stages is
 * seen by reads in the process and by nothing on disk; a ref another writer moved meanwhile is not
 * moved and nothing of the batch is acknowledged; and a file-system fault at each call of a batched
 * import leaves every timeline absent or whole, and the next import finishes the job.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { importChanged } from '../../core/capture/importChanged.js';
import { importFiles } from '../../core/import/index.js';
import { Store } from '../../core/store/store.js';
import { verifyTimeline } from '../../core/timeline/verify.js';
import { countCalls, withFault } from '../helpers/crashFaults.js';
import { jsonlFiles, OWN_FIXTURES } from '../helpers/sessions.js';
import { sharedFixtures } from '../helpers/shared.js';
import { sessionWith } from '../helpers/store.js';
import { clock, git, tmpdir } from '../helpers/tmp.js';

/** A new store whose clock starts at the same instant each time: the same imports give the same commits. */
function newStore(): { store: Store; dir: string } {
  const dir = tmpdir('agentlog-batch-');
  return { store: Store.init(dir, { now: clock() }).store, dir };
}

const packs = (store: Store) => fs.readdirSync(path.join(store.gitDir, 'objects', 'pack')).filter((f) => f.endsWith('.pack')).length;

/** Main session files (a Claude Code file's subagents/ folder comes with it). */
const mains = (dir: string) => jsonlFiles(dir).filter((f) => path.basename(path.dirname(f)) !== 'subagents');

/** Copies of the own fixtures: the Claude Code tree (forks, sidechains, subagents) and bad.jsonl, and the Codex rollout. */
function ownCorpus(): { claude: string[]; codex: string[] } {
  const dir = tmpdir();
  fs.cpSync(path.join(OWN_FIXTURES, 'claude-code'), path.join(dir, 'claude'), { recursive: true });
  fs.cpSync(path.join(OWN_FIXTURES, 'codex'), path.join(dir, 'codex'), { recursive: true });
  return { claude: ['tree.jsonl', 'bad.jsonl'].map((f) => path.join(dir, 'claude', f)), codex: mains(path.join(dir, 'codex')) };
}

describe('import in batches', () => {
  it('gives the refs an import of each file alone gives, with one pack per batch', async () => {
    const { claude, codex } = ownCorpus();
    const alone = newStore().store;
    for (const f of claude) await importFiles(alone, 'claude', [f]);
    for (const f of codex) await importFiles(alone, 'codex', [f]);
    const batched = newStore().store;
    const before = packs(batched);
    await importChanged(batched, 'claude', claude);
    await importChanged(batched, 'codex', codex);
    expect(Object.fromEntries(batched.timelines())).toEqual(Object.fromEntries(alone.timelines()));
    expect(batched.timelines().size).toBeGreaterThan(3);
    expect(packs(batched) - before).toBe(2); // one batch per command here
    const small = newStore().store;
    await importChanged(small, 'claude', claude, { batch: { files: 1 } });
    await importChanged(small, 'codex', codex, { batch: { files: 1 } });
    expect(Object.fromEntries(small.timelines())).toEqual(Object.fromEntries(alone.timelines()));
    // Nothing left to do: every file's state was written once its batch was published.
    expect((await importChanged(batched, 'claude', claude)).files.unchanged).toBe(claude.length);
  });

  const shared = sharedFixtures();
  if (shared) {
    it('on the real fixtures: the same refs as each file alone, and git fsck is clean', async () => {
      const claude = mains(path.join(shared, 'claude-code'));
      const codex = mains(path.join(shared, 'codex'));
      const alone = newStore().store;
      for (const f of claude) await importFiles(alone, 'claude', [f]);
      for (const f of codex) await importFiles(alone, 'codex', [f]);
      const { store, dir } = newStore();
      await importChanged(store, 'claude', claude, { batch: { bytes: 1 << 20 } });
      await importChanged(store, 'codex', codex, { batch: { bytes: 1 << 20 } });
      expect(Object.fromEntries(store.timelines())).toEqual(Object.fromEntries(alone.timelines()));
      expect(packs(store)).toBeGreaterThan(2); // several batches
      expect(git(dir, ['fsck', '--strict', '--no-dangling', '--no-progress']).trim()).toBe('');
    }, 120_000);
  }

  it('stages: reads in the process see the batch, the disk sees nothing until it is flushed', async () => {
    const { store, dir } = await sessionWith(2);
    const tipBefore = store.tipOf('talk')!;
    const count = store.readEvents(tipBefore).length;
    store.beginBatch();
    const a = await store.append('talk', { kind: 'note', text: 'staged' });
    const made = await store.create('other', { kind: 'session', title: 'staged too' });
    let acknowledged = false;
    store.whenDurable(() => {
      acknowledged = true;
    });
    expect(store.tipOf('talk')).toBe(a.commit);
    expect(store.readEvents(a.commit).map((e) => e.event.seq)).toEqual([...Array(count + 1).keys()]);
    expect(git(dir, ['rev-parse', 'refs/heads/talk']).trim()).toBe(tipBefore);
    expect(() => git(dir, ['cat-file', '-e', a.commit], { stdio: 'pipe' })).toThrow();
    expect(acknowledged).toBe(false);
    const flushed = await store.flushBatch();
    expect(flushed).toMatchObject({ refs: 2, failed: [] });
    expect(acknowledged).toBe(true);
    expect(git(dir, ['rev-parse', 'refs/heads/talk', 'refs/heads/other']).trim().split('\n')).toEqual([a.commit, made.commit]);
    expect(verifyTimeline(Store.open(dir), 'talk', a.commit).problem).toBeUndefined();
  });

  it('rejects nothing silently: a timeline another writer moved first is not moved, and nothing of the batch is acknowledged', async () => {
    const { store, dir } = await sessionWith(2);
    const other = Store.open(dir);
    store.beginBatch();
    await store.append('talk', { kind: 'note', text: 'ours' });
    const made = await store.create('mine', { kind: 'session', title: 'mine' });
    let acknowledged = false;
    store.whenDurable(() => {
      acknowledged = true;
    });
    const theirs = await other.append('talk', { kind: 'note', text: 'theirs' }); // on disk while ours is staged
    const flushed = await store.flushBatch();
    expect(flushed.failed.map((f) => f.ref)).toEqual(['refs/heads/talk']);
    expect(acknowledged).toBe(false);
    expect(git(dir, ['rev-parse', 'refs/heads/talk', 'refs/heads/mine']).trim().split('\n')).toEqual([theirs.commit, made.commit]);
    // The store's own view follows the disk again: an append goes on top of theirs.
    const next = await store.append('talk', { kind: 'note', text: 'ours again' });
    expect(next.seq).toBe(theirs.seq + 1);
  });

  it('an import that finds a timeline moved by another writer at its flush writes those files again, unbatched', async () => {
    const { claude } = ownCorpus();
    const reference = newStore().store;
    await importChanged(reference, 'claude', claude);
    const { store, dir } = newStore();
    // The other writer: the same import in another Store, made between our staging and our flush.
    let raced = false;
    const original = store.flushBatch.bind(store);
    store.flushBatch = async () => {
      if (!raced) {
        raced = true;
        await importFiles(Store.open(dir, { now: clock() }), 'claude', [claude[0]]);
      }
      return original();
    };
    const r = await importChanged(store, 'claude', claude);
    expect(raced).toBe(true);
    expect(r.warnings.filter((w) => !/bad\.jsonl/.test(w.file))).toEqual([]);
    expect(Object.fromEntries(Store.open(dir).timelines())).toEqual(Object.fromEntries(reference.timelines()));
  });

  it('a fault at each file call of a batched import leaves each timeline absent or whole, and the next import finishes it', async () => {
    // tree.jsonl and its subagent files: three units, in batches of two; forks and sidechains.
    const claude = ownCorpus().claude.slice(0, 1);
    const reference = newStore().store;
    await importChanged(reference, 'claude', claude, { batch: { files: 2 } });
    const want = reference.timelines();
    const probe = newStore();
    const calls = await countCalls(probe.dir, () => importChanged(probe.store, 'claude', claude, { batch: { files: 2 } }));
    expect(calls).toBeGreaterThan(10);
    // At most 40 calls, spread evenly over the import (first and last kept), as the crash-state explorer samples.
    const points = [...new Set(Array.from({ length: Math.min(calls, 40) }, (_, i) => 1 + Math.round((i * (calls - 1)) / (Math.min(calls, 40) - 1))))];
    let failed = 0;
    for (const at of points) {
      const { store, dir } = newStore();
      const r = await withFault(dir, 'EIO', at, () => importChanged(store, 'claude', claude, { batch: { files: 2 } }));
      if (r.error) failed++;
      const after = Store.open(dir, { now: clock() });
      for (const [name, tip] of after.timelines()) {
        // Whole: at the tip the full import gives it (a batch's refs move only after its pack is durable).
        expect(`${at} ${r.hit} ${name} ${tip}`).toBe(`${at} ${r.hit} ${name} ${want.get(name)}`);
      }
      expect(git(dir, ['fsck', '--strict', '--no-dangling', '--no-progress']).trim()).toBe('');
      await importChanged(Store.open(dir, { now: clock() }), 'claude', claude, { batch: { files: 2 } });
      expect(Object.fromEntries(Store.open(dir).timelines())).toEqual(Object.fromEntries(want));
    }
    // Most calls are the batch's pack, refs and the files' state; the rest tidy or cache, and their failure is no failure.
    expect(failed).toBeGreaterThan(points.length / 3);
  }, 300_000);
});
