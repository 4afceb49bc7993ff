import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveInStores } from '../../extension/src/storeReader.js';
import { cliOk, storeWithSession } from '../helpers/cli.js';
import { git } from '../helpers/tmp.js';

// The extension reads a typed revision with core's one resolver (issue 19, point 2): Open Session
// takes `fix-lo~1`, `NAME@N`, a short id or `@{-1}` as the CLI does, across the workspace's stores.
describe('revisions typed in VS Code (extension/src/storeReader.ts resolveInStores)', () => {
  it('a prefix, ~N, a short id and @{-1} lead to a timeline and seq; what none names is one error; a name in two stores is two hits', async () => {
    const a = await storeWithSession({ title: 'Fix login', messages: ['one', 'two'] });
    await cliOk(a.dir, ['new', '--title', 'Other talk']);
    const storeA = path.join(a.dir, '.agentlog');
    const b = await storeWithSession({ title: 'Fix login', messages: ['elsewhere'] });
    const storeB = path.join(b.dir, '.agentlog');

    expect(resolveInStores([storeA], 'fix-lo~1')).toEqual({ hits: [{ store: storeA, timeline: 'fix-login', seq: 1 }] });
    expect(resolveInStores([storeA], 'fix-login@0').hits[0]?.seq).toBe(0);
    const shortId = (await cliOk(a.dir, ['log', 'fix-login'])).out.trim().split('\n')[1]!.split('\t')[1]!;
    expect(resolveInStores([storeA], shortId).hits).toEqual([{ store: storeA, timeline: 'fix-login', seq: 1 }]);
    // @{-1}: the timeline appended to before the one read commands show with no REV
    const last = (await cliOk(a.dir, ['show'])).err;
    const before = resolveInStores([storeA], '@{-1}').hits.map((h) => h.timeline);
    expect(before).toHaveLength(1);
    expect(['fix-login', 'other-talk']).toContain(before[0]);
    expect(last).not.toContain(`reading ${before[0]} `);
    expect(git(storeA, ['rev-parse', 'fix-login~1']).trim()).toBeTruthy();

    const none = resolveInStores([storeA, storeB], 'no-such-thing');
    expect(none.hits).toEqual([]);
    expect(none.error).toContain('"no-such-thing" names no timeline');
    const both = resolveInStores([storeA, storeB], 'fix-login');
    expect(both.hits.map((h) => [h.store, h.seq])).toEqual([
      [storeA, 2],
      [storeB, 1],
    ]);
    expect(resolveInStores([], 'fix-login').error).toContain('no store is open');
  });
});
