import { describe, expect, it } from 'vitest';
import { isAgentlogError } from '../../core/errors.js';
import { Store } from '../../core/store/store.js';
import { slug } from '../../core/timeline/names.js';
import { resolveRev } from '../../core/timeline/rev.js';
import { cli } from '../helpers/cli.js';
import { clock, git, tmpdir } from '../helpers/tmp.js';

// Issue 17, point 14 (the local half): a timeline named like a commit id or an event CID would hide it
// in REV resolution. New timelines may not take such names (refs.ts newTimelineRef); one that exists
// anyway (made with git) and hides a commit makes the REV an error naming both.

async function storeWithTalk(): Promise<{ dir: string; store: Store; cids: string[] }> {
  const dir = tmpdir();
  const { store } = Store.init(dir, { now: clock() });
  const cids = [(await store.create('talk', { kind: 'session', title: 't' })).cid.toString()];
  cids.push((await store.append('talk', { kind: 'note', text: 'one' })).cid.toString());
  return { dir, store, cids };
}

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (e) {
    return isAgentlogError(e) ? e.code : String(e);
  }
  return undefined;
}

describe('timeline names that shadow a commit id or CID (issue 17 point 14, local)', () => {
  it('refuses them for new timelines: create and fork, API and CLI', async () => {
    const { dir, store, cids } = await storeWithTalk();
    const tip = store.tipOf('talk')!;
    expect(await codeOf(store.create('cafe', { kind: 'session' }))).toBe('E_REF');
    expect(await codeOf(store.create(tip.slice(0, 7), { kind: 'session' }))).toBe('E_REF');
    expect(await codeOf(store.create(tip, { kind: 'session' }))).toBe('E_REF');
    expect(await codeOf(store.branch(cids[0], tip, 'talk'))).toBe('E_REF');
    const r = await cli(dir, ['fork', 'talk@0', '--name', tip.slice(0, 8)]);
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/commit id/);
    expect([...store.timelines().keys()]).toEqual(['talk']);
    // Names that merely hold hex digits among others are fine.
    await store.create('cafe-2', { kind: 'session' });
    await store.create('deadbeefz', { kind: 'session' });
  });

  it('a title that slugs to a hex word gets a name that does not shadow', () => {
    expect(slug('Cafe')).toBe('cafe-session');
    expect(slug('2025')).toBe('2025-session');
    expect(slug('Fix login')).toBe('fix-login');
  });

  it('a commit id and a CID still resolve to their commit; an old timeline (made with git) that hides a commit is an error naming both', async () => {
    const { dir, store, cids } = await storeWithTalk();
    const first = resolveRev(store, 'talk@0').commit;
    expect(resolveRev(store, first.slice(0, 8)).commit).toBe(first);
    expect(resolveRev(store, cids[0]).commit).toBe(first);
    // A branch named like the first commit's id prefix, pointing at the tip, made with the git CLI.
    git(dir, ['branch', first.slice(0, 8), 'talk']);
    const fresh = Store.open(dir);
    let error: unknown;
    try {
      resolveRev(fresh, first.slice(0, 8));
    } catch (e) {
      error = e;
    }
    expect(isAgentlogError(error) && error.code).toBe('E_REV');
    expect((error as Error).message).toContain(first.slice(0, 12));
    expect(resolveRev(fresh, `${first.slice(0, 8)}@1`).commit).toBe(fresh.tipOf('talk'));
  });
});
