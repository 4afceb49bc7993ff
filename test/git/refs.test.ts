import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { sessionWith } from '../helpers/store.js';
import { git } from '../helpers/tmp.js';

describe('store', () => {
  it('deletes a ref only while it holds the expected commit, from packed-refs and loose alike', async () => {
    const { dir, store } = await sessionWith(2);
    const tip = store.tipOf('talk')!;
    await store.branch('other', tip);
    git(dir, ['pack-refs', '--all']);
    await store.append('talk', { kind: 'note', text: 'loose again' });
    const now = store.tipOf('talk')!;
    expect(await store.deleteRef('refs/heads/talk', tip)).toBe(false); // moved since
    expect(store.tipOf('talk')).toBe(now);
    expect(await store.deleteRef('refs/heads/talk', now)).toBe(true); // loose over a packed value
    expect(await store.deleteRef('refs/heads/other', tip)).toBe(true); // packed only
    expect(git(dir, ['for-each-ref', '--format=%(refname)', 'refs/heads/']).trim()).toBe('refs/heads/agentlog@store'); // only the store's own branch
    expect(fs.existsSync(path.join(dir, '.git/refs/heads/talk.lock'))).toBe(false);
    git(dir, ['fsck', '--strict']); // exits non-zero on any error
  });
});
