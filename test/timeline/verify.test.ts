import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cidOf } from '../../core/codec/cid.js';
import { encode } from '../../core/codec/dagcbor.js';
import type { Event } from '../../core/event/event.js';
import { eventPath } from '../../core/store/layout.js';
import { Store } from '../../core/store/store.js';
import { verifyTimeline } from '../../core/timeline/verify.js';
import { cli } from '../helpers/cli.js';
import { clock, git, tmpdir } from '../helpers/tmp.js';

// Each test breaks one invariant of core/store/layout.ts with the real git CLI (hash-object, a
// scratch index, commit-tree, update-ref) and checks that verify names that invariant.

/** A store with a session `talk` of `n` events after its genesis; `cids[seq]` is each event's CID. */
async function sessionWith(n: number, options: { objectWrites?: 'loose' } = {}) {
  const dir = path.join(tmpdir(), 'store');
  const { store } = Store.init(dir, { now: clock(), ...options });
  const cids = [(await store.create('talk', { kind: 'session', title: 'a talk' })).cid.toString()];
  for (let i = 1; i <= n; i++) {
    const a = await store.append('talk', { kind: 'message', role: i % 2 ? 'user' : 'assistant', content: [{ type: 'text', text: `line ${i}` }] });
    cids.push(a.cid.toString());
  }
  return { dir, store, cids };
}

/** Write bytes as a blob with git; returns its id. */
function blob(dir: string, bytes: Uint8Array): string {
  return git(dir, ['hash-object', '-w', '--stdin'], { input: Buffer.from(bytes) }).trim();
}

/** The tree of `commit` with event files put (`oid`) or removed (undefined), written by git through a scratch index. */
function treeWith(dir: string, commit: string, files: Record<number, string | undefined>): string {
  const env = { ...process.env, GIT_INDEX_FILE: path.join(tmpdir(), 'index') };
  git(dir, ['read-tree', commit], { env });
  for (const [seq, oid] of Object.entries(files)) {
    const file = `events/${eventPath(Number(seq)).join('/')}`;
    if (oid) git(dir, ['update-index', '--add', '--cacheinfo', `100644,${oid},${file}`], { env });
    else git(dir, ['update-index', '--force-remove', file], { env });
  }
  return git(dir, ['write-tree'], { env }).trim();
}

/** A commit made by git with the given tree, parents and trailers; the timeline `talk` is moved to it. */
function commitAsTip(dir: string, tree: string, parents: string[], trailers: { cid: string; seq: number }): string {
  const message = `rewritten by git\n\nAgentlog-Event: ${trailers.cid}\nAgentlog-Seq: ${trailers.seq}\n`;
  const oid = git(dir, ['commit-tree', tree, ...parents.flatMap((p) => ['-p', p]), '-m', message]).trim();
  git(dir, ['update-ref', 'refs/heads/talk', oid]);
  return oid;
}

function parentOf(dir: string, commit: string): string {
  return git(dir, ['rev-parse', `${commit}^`]).trim();
}

/** The tip event of `talk`, changed by `change`, as canonical bytes written by git: its blob and CID. */
function changedTipEvent(dir: string, store: Store, change: (e: Event) => Event): { oid: string; cid: string } {
  const events = store.readEvents(store.tipOf('talk')!);
  const bytes = encode(change(events[events.length - 1].event));
  return { oid: blob(dir, bytes), cid: cidOf(bytes).toString() };
}

function verify(dir: string) {
  const store = Store.open(dir);
  return verifyTimeline(store, 'talk', store.tipOf('talk')!);
}

describe('verify names the invariant that broke', () => {
  it('a sound timeline has no problem', async () => {
    const { dir } = await sessionWith(3);
    expect(verify(dir).problem).toBeUndefined();
  });

  it('rejects a commit whose Agentlog-Event trailer names another event than its own (I5)', async () => {
    const { dir, store, cids } = await sessionWith(3);
    const tip = store.tipOf('talk')!;
    const tree = git(dir, ['rev-parse', `${tip}^{tree}`]).trim();
    const forged = commitAsTip(dir, tree, [parentOf(dir, tip)], { cid: cids[1], seq: 3 });
    const { problem } = verify(dir);
    expect(problem).toMatchObject({ timeline: 'talk', seq: 3, commit: forged, invariant: 'I5', expected: cids[1], found: cids[3] });
    expect(problem!.message).toMatch(/^\[I5\] the event's bytes hash to /);
  });

  it('rejects an event whose prev does not link to the event before (I7)', async () => {
    const { dir, store, cids } = await sessionWith(3);
    const tip = store.tipOf('talk')!;
    const evil = changedTipEvent(dir, store, (e) => ({ ...e, prev: store.readEvents(tip)[1].cid }));
    const forged = commitAsTip(dir, treeWith(dir, tip, { 3: evil.oid }), [parentOf(dir, tip)], { cid: evil.cid, seq: 3 });
    const { problem } = verify(dir);
    expect(problem).toMatchObject({ seq: 3, commit: forged, invariant: 'I7', expected: cids[2], found: cids[1] });
    expect(problem!.message).toBe('[I7] prev does not link to the event before');
  });

  it('rejects an event whose seq is not its position (I7)', async () => {
    const { dir, store } = await sessionWith(3);
    const tip = store.tipOf('talk')!;
    const evil = changedTipEvent(dir, store, (e) => ({ ...e, seq: 4 }));
    commitAsTip(dir, treeWith(dir, tip, { 3: evil.oid }), [parentOf(dir, tip)], { cid: evil.cid, seq: 3 });
    expect(verify(dir).problem).toMatchObject({ seq: 3, invariant: 'I7', expected: '3', found: '4' });
  });

  it('rejects a gap in the events/ tree (I4)', async () => {
    const { dir, store } = await sessionWith(3);
    const tip = store.tipOf('talk')!;
    const forged = commitAsTip(dir, treeWith(dir, tip, { 2: undefined }), [parentOf(dir, tip)], { cid: store.commitInfo(tip).cid!.toString(), seq: 3 });
    const { problem } = verify(dir);
    expect(problem).toMatchObject({ seq: -1, commit: forged, invariant: 'I4' });
    expect(problem!.message).toContain(`expected events/${eventPath(2).join('/')}`);
  });

  it('rejects bytes that are not canonical DAG-CBOR, even under their own CID (I6)', async () => {
    const { dir, store } = await sessionWith(3);
    const tip = store.tipOf('talk')!;
    const bytes = Buffer.concat([Buffer.from(encode(store.readEvents(tip)[3].event)), Buffer.from([0])]); // one trailing byte
    commitAsTip(dir, treeWith(dir, tip, { 3: blob(dir, bytes) }), [parentOf(dir, tip)], { cid: cidOf(bytes).toString(), seq: 3 });
    const { problem } = verify(dir);
    expect(problem).toMatchObject({ seq: 3, invariant: 'I6' });
    expect(problem!.message).toContain('trailing byte');
  });

  it('rejects a merge commit and a chain that ends before genesis (I3)', async () => {
    const { dir, store } = await sessionWith(3);
    const tip = store.tipOf('talk')!;
    const tree = git(dir, ['rev-parse', `${tip}^{tree}`]).trim();
    const trailers = { cid: store.commitInfo(tip).cid!.toString(), seq: 3 };
    const other = git(dir, ['commit-tree', tree, '-m', 'unrelated']).trim();
    const merge = commitAsTip(dir, tree, [parentOf(dir, tip), other], trailers);
    expect(verify(dir).problem).toMatchObject({ seq: 3, commit: merge, invariant: 'I3' });

    commitAsTip(dir, tree, [], trailers); // four events, one commit
    const { problem } = verify(dir);
    expect(problem).toMatchObject({ seq: 2, invariant: 'I3' });
    expect(problem!.message).toContain('the commit chain ends before genesis');
  });

  it("rejects a commit whose Agentlog-Seq is not its event's (I5)", async () => {
    const { dir, store } = await sessionWith(3);
    const tip = store.tipOf('talk')!;
    const tree = git(dir, ['rev-parse', `${tip}^{tree}`]).trim();
    commitAsTip(dir, tree, [parentOf(dir, tip)], { cid: store.commitInfo(tip).cid!.toString(), seq: 7 });
    expect(verify(dir).problem).toMatchObject({ seq: 3, invariant: 'I5', expected: '3', found: '7' });
  });

  it('rejects a missing object (I9)', async () => {
    const { dir, store } = await sessionWith(3, { objectWrites: 'loose' });
    const gone = store.eventBlobs(store.tipOf('talk')!)[2];
    fs.rmSync(path.join(dir, '.git', 'objects', gone.slice(0, 2), gone.slice(2)));
    const { problem } = verify(dir);
    expect(problem).toMatchObject({ seq: 2, invariant: 'I9' });
    expect(problem!.message).toContain(gone);
  });

  it('agentlog verify prints the invariant in its report and in --json', async () => {
    const { dir, store, cids } = await sessionWith(2);
    const tip = store.tipOf('talk')!;
    const tree = git(dir, ['rev-parse', `${tip}^{tree}`]).trim();
    commitAsTip(dir, tree, [parentOf(dir, tip)], { cid: cids[0], seq: 2 });
    const text = await cli(dir, ['verify', '--store', dir]);
    expect(text.code).toBe(1);
    expect(text.err).toMatch(/BAD {2}talk: seq 2, commit [0-9a-f]{40}: \[I5\] /);
    const json = JSON.parse((await cli(dir, ['verify', '--store', dir, '--json'])).out);
    expect(json[0].problem).toMatchObject({ seq: 2, invariant: 'I5' });
  });
});
