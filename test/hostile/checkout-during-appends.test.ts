import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Store } from '../../core/store/store.js';
import { moveBeforeFirstPublish } from '../helpers/race.js';
import { clock, git, tmpdir } from '../helpers/tmp.js';

// Issue 17, point 8: the detach-HEAD rule (I12) holds for linked worktrees (`git worktree add`) and
// for a `git checkout` that raced an append: appends leave every checked-out working tree clean,
// HEAD detached at what is really checked out. Real git CLI throughout.

async function storeWithTalk(): Promise<{ dir: string; store: Store }> {
  const dir = path.join(tmpdir(), 'store');
  const { store } = Store.init(dir, { now: clock() });
  await store.create('talk', { kind: 'session', title: 't' });
  await store.append('talk', { kind: 'note', text: 'one' });
  return { dir, store };
}

describe('checkout during appends (issue 17 point 8)', () => {
  it('a timeline checked out in a linked worktree: an append leaves `git status` clean there, HEAD detached at what it had', async () => {
    const { dir, store } = await storeWithTalk();
    const wt = path.join(path.dirname(dir), 'linked');
    git(dir, ['worktree', 'add', '-q', wt, 'talk']);
    const before = store.tipOf('talk')!;
    await store.append('talk', { kind: 'note', text: 'two' });
    await store.append('talk', { kind: 'note', text: 'three' });
    expect(git(wt, ['status', '--porcelain'])).toBe('');
    expect(git(wt, ['rev-parse', 'HEAD']).trim()).toBe(before);
    expect(git(wt, ['rev-parse', '--abbrev-ref', 'HEAD']).trim()).toBe('HEAD'); // detached
    // `git checkout talk` catches up.
    git(wt, ['checkout', '-q', 'talk']);
    expect(git(wt, ['rev-parse', 'HEAD']).trim()).toBe(store.tipOf('talk'));
    expect(fs.readdirSync(path.join(wt, 'events', '000000', '00'))).toHaveLength(4);
    expect(git(wt, ['status', '--porcelain'])).toBe('');
  });

  it('after a `git checkout` that raced an append, the next append detaches HEAD at what is really checked out', async () => {
    const { dir, store } = await storeWithTalk();
    const checkedOut = store.tipOf('talk')!;
    // The checkout lands between the append's detach check and its move of the branch.
    moveBeforeFirstPublish(store, 'refs/heads/talk', async () => {
      git(dir, ['checkout', '-q', 'talk']);
    });
    await store.append('talk', { kind: 'note', text: 'raced' });
    expect(git(dir, ['rev-parse', 'HEAD']).trim()).toBe(store.tipOf('talk')); // the race: HEAD attached, the tree one behind
    await store.append('talk', { kind: 'note', text: 'next' });
    expect(git(dir, ['rev-parse', 'HEAD']).trim()).toBe(checkedOut);
    expect(git(dir, ['status', '--porcelain'])).toBe('');
    expect(store.readEvents(store.tipOf('talk')!)).toHaveLength(4);
  });

  it('a linked worktree opened as the store (its own git dir) follows the same rule for the main worktree', async () => {
    const { dir, store } = await storeWithTalk();
    await store.branch('other', store.tipOf('talk')!);
    git(dir, ['checkout', '-q', 'talk']);
    const wt = path.join(path.dirname(dir), 'linked2');
    git(dir, ['worktree', 'add', '-q', wt, 'other']);
    const fromLinked = Store.open(wt, { now: clock(1_760_000_000_000) });
    const talkBefore = fromLinked.tipOf('talk');
    const otherBefore = fromLinked.tipOf('other');
    await fromLinked.append('talk', { kind: 'note', text: 'from the linked worktree' });
    await fromLinked.append('other', { kind: 'note', text: 'to its own branch' });
    expect(git(dir, ['status', '--porcelain'])).toBe('');
    expect(git(dir, ['rev-parse', 'HEAD']).trim()).toBe(talkBefore);
    expect(git(wt, ['status', '--porcelain'])).toBe('');
    expect(git(wt, ['rev-parse', 'HEAD']).trim()).toBe(otherBefore);
  });
});
