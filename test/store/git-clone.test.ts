import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Store } from '../../core/store/store.js';
import { verifyTimeline } from '../../core/timeline/verify.js';
import { sessionWith } from '../helpers/store.js';
import { clock, git, tmpdir } from '../helpers/tmp.js';

describe('store', () => {
  it('reads a plain git clone, packed objects and packed refs the same', async () => {
    const { dir, store } = await sessionWith(40);
    const before = store.readEvents(store.tipOf('talk')!).map((e) => e.cid.toString());
    const clone = path.join(tmpdir(), 'clone');
    git(path.dirname(clone), ['clone', '-q', '--no-checkout', dir, clone]);
    git(clone, ['branch', '-q', 'talk', 'origin/talk']);
    git(clone, ['gc', '-q', '--aggressive']);
    expect(fs.existsSync(path.join(clone, '.git/packed-refs'))).toBe(true);
    expect(fs.readdirSync(path.join(clone, '.git/refs/heads'))).toEqual([]);
    const other = Store.open(clone, { now: clock(1_800_000_000_000) });
    expect(other.readEvents(other.tipOf('talk')!).map((e) => e.cid.toString())).toEqual(before);
    expect(verifyTimeline(other, 'talk', other.tipOf('talk')!).problem).toBeUndefined();
    // Append on top of a packed ref: the loose ref shadows it and git agrees.
    const a = await other.append('talk', { kind: 'note', text: 'after gc' });
    expect(git(clone, ['rev-parse', 'talk']).trim()).toBe(a.commit);
    expect(git(clone, ['fsck', '--strict', '--no-dangling']).trim()).toBe('');
  });
});
