import * as path from 'node:path';
import { expect, it } from 'vitest';
import { Store } from '../../core/store/store.js';
import { clock, git, tmpdir } from '../helpers/tmp.js';

// Refs.headFiles lists worktrees/ again only when the folder's mtime changed (asked at every ref
// move). A store that appended before a worktree existed, and between two worktrees being added,
// still sees each new worktree's HEAD at its next append (I12), and one removed is no longer looked at.
it('the worktrees listed for the detach-HEAD rule follow worktrees added and removed while a store is open', async () => {
  const dir = path.join(tmpdir(), 'store');
  const { store } = Store.init(dir, { now: clock() });
  await store.create('talk', { kind: 'session', title: 't' });
  await store.create('other', { kind: 'session', title: 'o' });
  await store.append('talk', { kind: 'note', text: 'before any worktree' });
  for (const [name, wt] of [
    ['talk', path.join(path.dirname(dir), 'one')],
    ['other', path.join(path.dirname(dir), 'two')],
  ] as const) {
    git(dir, ['worktree', 'add', '-q', wt, name]);
    const before = store.tipOf(name)!;
    await store.append(name, { kind: 'note', text: `after ${wt}` });
    expect(git(wt, ['status', '--porcelain'])).toBe('');
    expect(git(wt, ['rev-parse', 'HEAD']).trim()).toBe(before);
    expect(git(wt, ['rev-parse', '--abbrev-ref', 'HEAD']).trim()).toBe('HEAD');
  }
  git(dir, ['worktree', 'remove', '--force', path.join(path.dirname(dir), 'one')]);
  await store.append('talk', { kind: 'note', text: 'after the removal' });
  expect(git(dir, ['fsck', '--strict', '--no-dangling']).trim()).toBe('');
});
