import * as fs from 'node:fs';
import * as path from 'node:path';
import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { encode } from '../../core/codec/dagcbor.js';
import { Store } from '../../core/store/store.js';
import { cli } from '../helpers/cli.js';
import { clock, git, tmpdir } from '../helpers/tmp.js';

// `agentlog verify` marks each sound timeline as verified up to its tip and trusts the mark next time
// (core/store/verifyMarks.ts); `--full` does not.

/** A store (objects written loose, so one can be changed on disk) with a session `talk` of n messages. */
async function looseSession(n: number) {
  const dir = path.join(tmpdir(), 'store');
  const { store } = Store.init(dir, { now: clock(), objectWrites: 'loose' });
  await store.create('talk', { kind: 'session', title: 'a talk' });
  for (let i = 1; i <= n; i++)
    await store.append('talk', { kind: 'message', role: i % 2 ? 'user' : 'assistant', content: [{ type: 'text', text: `line ${i}` }] });
  return { dir, store };
}

async function verify(dir: string, ...args: string[]) {
  const r = await cli(dir, ['verify', '--json', ...args]);
  return {
    code: r.code,
    results: JSON.parse(r.out) as Array<{ timeline: string; events: number; trustedSeq?: number; problem?: { invariant: string; seq: number } }>,
  };
}

describe('verify marks', () => {
  it('a second verify checks only the events after the mark; --full checks all again', async () => {
    const { dir, store } = await looseSession(5);
    const first = await verify(dir);
    expect(first.code).toBe(0);
    expect(first.results[0].trustedSeq).toBeUndefined();
    expect(store.verifyMarks().get('talk')).toBe(store.tipOf('talk'));
    const second = await verify(dir);
    expect(second.results[0]).toMatchObject({ timeline: 'talk', events: 6, trustedSeq: 5 });
    for (let i = 0; i < 3; i++) await store.append('talk', { kind: 'note', text: `more ${i}` });
    const third = await cli(dir, ['verify']);
    expect(third.code).toBe(0);
    expect(third.err).toContain('ok   talk: 9 events (3 new since the last verify)');
    expect(store.verifyMarks().get('talk')).toBe(store.tipOf('talk'));
    const full = await verify(dir, '--full');
    expect(full.code).toBe(0);
    expect(full.results[0].trustedSeq).toBeUndefined();
  });

  it('an event changed on disk below the mark is trusted by a plain verify and caught by --full, which drops the mark', async () => {
    const { dir, store } = await looseSession(5);
    expect((await verify(dir)).code).toBe(0);
    // Event seq 2's blob, rewritten in place with other bytes (its name, the old id, kept).
    const blob = store.eventBlobs(store.tipOf('talk')!)[2];
    const event = { ...store.eventFromBlob(blob, 'seq 2').event, content: [{ type: 'text', text: 'changed on disk' }] };
    const bytes = encode(event as never);
    const file = path.join(store.gitDir, 'objects', blob.slice(0, 2), blob.slice(2));
    fs.chmodSync(file, 0o644);
    fs.writeFileSync(file, deflateSync(Buffer.concat([Buffer.from(`blob ${bytes.length}\0`), bytes])));
    expect((await verify(dir)).code).toBe(0); // below the mark: not read again
    const full = await verify(dir, '--full');
    expect(full.code).toBe(1);
    expect(full.results[0].problem).toMatchObject({ seq: 2, invariant: 'I9' });
    expect(store.verifyMarks().has('talk')).toBe(false);
    expect((await verify(dir)).code).toBe(1); // and no mark hides it afterwards
    expect(() => git(dir, ['fsck', '--no-dangling'])).toThrow();
  });

  it('a branch rewritten so that its history no longer holds the marked commit is checked whole', async () => {
    const { dir, store } = await looseSession(5);
    expect((await verify(dir)).code).toBe(0);
    const marked = store.verifyMarks().get('talk')!;
    // git rewrites the history: the commit of seq 2 gets another message, the commits after it are made again.
    const chain = [...store.history(marked)].reverse();
    let parent = chain[1].oid;
    const rewrite = (c: (typeof chain)[number], message: string) =>
      git(dir, ['commit-tree', c.commit.tree, '-p', parent, '-m', message], {
        env: { ...process.env, GIT_AUTHOR_DATE: '@1750000000 +0000', GIT_COMMITTER_DATE: '@1750000000 +0000' },
      }).trim();
    parent = rewrite(chain[2], `rewritten\n\nAgentlog-Event: ${chain[3].cid}\nAgentlog-Seq: 2\n`); // names the wrong event (I5)
    for (const c of chain.slice(3)) parent = rewrite(c, c.commit.message);
    git(dir, ['update-ref', 'refs/heads/talk', parent]);
    const after = await verify(dir);
    expect(after.code).toBe(1);
    expect(after.results[0].trustedSeq).toBeUndefined();
    expect(after.results[0].problem).toMatchObject({ seq: 2, invariant: 'I5' });
  });

  it('a damaged marks file is ignored: every timeline is checked whole', async () => {
    const { dir, store } = await looseSession(3);
    await verify(dir);
    const file = path.join(store.gitDir, 'agentlog', 'verified.json');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('"talk"', '"tALK"'));
    expect(store.verifyMarks().size).toBe(0);
    expect((await verify(dir)).results[0].trustedSeq).toBeUndefined();
  });
});
