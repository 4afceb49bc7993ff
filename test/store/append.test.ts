import { describe, expect, it } from 'vitest';
import { resolveRev } from '../../core/timeline/rev.js';
import { sessionWith } from '../helpers/store.js';
import { git } from '../helpers/tmp.js';

describe('store', () => {
  it('an event dated before 1970 (an imported record, a JSON append) still makes a commit git fsck --strict accepts', async () => {
    const { dir, store } = await sessionWith(1);
    const a = await store.append('talk', { kind: 'message', role: 'user', ts: -86_400_000, content: [{ type: 'text', text: 'old' }] });
    expect(store.readEvents(store.tipOf('talk')!).at(-1)!.event.ts).toBe(-86_400_000);
    expect(git(dir, ['fsck', '--strict', '--no-dangling']).trim()).toBe('');
    expect(git(dir, ['log', '-1', '--format=%at', 'talk']).trim()).toBe('0');
    expect(git(dir, ['log', '-1', '--format=%(trailers:key=Agentlog-Event,valueonly)', 'talk']).trim()).toBe(a.cid.toString());
  });

  it('writes one commit per event that git fsck --strict accepts, with author, date, subject and trailers', async () => {
    const { dir, store, cids } = await sessionWith(5);
    expect(git(dir, ['fsck', '--strict', '--no-dangling']).trim()).toBe('');
    const log = git(dir, [
      'log',
      '--format=%an|%at|%s|%(trailers:key=Agentlog-Seq,valueonly,separator=)|%(trailers:key=Agentlog-Event,valueonly,separator=)',
      'talk',
    ])
      .trim()
      .split('\n');
    expect(log).toHaveLength(6);
    expect(log[0]).toBe(`user|1750000000|user: line 5|5|${cids[4]}`);
    expect(log[5]).toMatch(/^user\|1750000000\|session: a talk\|0\|bafyrei/);
    expect(git(dir, ['log', '--format=%H', '--grep', cids[2], 'talk']).trim()).toBe(resolveRev(store, cids[2]).commit);
    const files = git(dir, ['ls-tree', '-r', '--name-only', 'talk']).trim().split('\n');
    expect(files).toEqual([0, 1, 2, 3, 4, 5].map((s) => `events/000000/00/00000000${s}.cbor`));
  });

  it('appends after a given commit only while it is the tip', async () => {
    const { store } = await sessionWith(2);
    const tip = store.tipOf('talk')!;
    const a = await store.append('talk', { kind: 'note', text: 'first' }, { after: tip });
    await expect(store.append('talk', { kind: 'note', text: 'stale' }, { after: tip })).rejects.toThrow(/moved/);
    expect(store.tipOf('talk')).toBe(a.commit);
  });

  it('keeps unknown kinds and keys untouched', async () => {
    const { store } = await sessionWith(0);
    const odd = { kind: 'mystery', ts: 5, deep: { list: [1, 'two', null, { three: true }], big: 2n ** 60n }, 'strange key': 'ok' };
    const a = await store.append('talk', odd);
    const back = store.readEvents(store.tipOf('talk')!)[1];
    expect(back.cid.equals(a.cid)).toBe(true);
    const { v: _v, seq: _s, prev: _p, ...rest } = back.event;
    expect(rest).toEqual(odd);
  });
});
