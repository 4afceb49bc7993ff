import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isAgentlogError } from '../../core/errors.js';
import { Store } from '../../core/store/store.js';
import { checkTimelineRefs } from '../../core/timeline/verify.js';
import { cli } from '../helpers/cli.js';
import { clock, git, tmpdir } from '../helpers/tmp.js';

// Issue 17, point 5: refs are read strictly (core/git/refs.ts, I10). A bad ref is an E_REF error
// that names it, in verify and everywhere else; symbolic refs are followed only within refs/, at
// most 5 deep; a symbolic link is never followed; nothing of a target file is quoted.

async function storeWithTalk(): Promise<{ dir: string; store: Store; heads: string }> {
  const dir = tmpdir();
  const { store } = Store.init(dir, { now: clock() });
  await store.create('talk', { kind: 'session', title: 't' });
  await store.append('talk', { kind: 'note', text: 'one' });
  return { dir, store, heads: path.join(store.gitDir, 'refs', 'heads') };
}

async function errorOf(p: Promise<unknown> | (() => unknown)): Promise<unknown> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    return e;
  }
  return undefined;
}

const breakages: Array<[string, (heads: string, outside: string) => void, RegExp]> = [
  ['an empty ref file', (heads) => fs.writeFileSync(path.join(heads, 'bad'), ''), /is empty/],
  ['a symbolic ref to itself', (heads) => fs.writeFileSync(path.join(heads, 'bad'), 'ref: refs/heads/bad\n'), /to itself/],
  [
    'a symbolic-ref loop of two',
    (heads) => {
      fs.writeFileSync(path.join(heads, 'bad'), 'ref: refs/heads/bad2\n');
      fs.writeFileSync(path.join(heads, 'bad2'), 'ref: refs/heads/bad\n');
    },
    /more than 5 steps/,
  ],
  ['a symbolic link out of the store', (heads, outside) => fs.symlinkSync(outside, path.join(heads, 'bad')), /symbolic link/],
  ['a symbolic ref out of refs/', (heads) => fs.writeFileSync(path.join(heads, 'bad'), 'ref: ../../../../outside\n'), /not a ref under refs/],
];

describe('broken refs (issue 17 point 5)', () => {
  for (const [what, breakIt, why] of breakages) {
    it(`${what}: verify fails naming the ref and I10, every other reader fails with E_REF naming it, nothing is quoted`, async () => {
      const { dir, store, heads } = await storeWithTalk();
      const outside = path.join(tmpdir(), 'secret');
      fs.writeFileSync(outside, 'SECRET-CONTENT 0123456789abcdef0123456789abcdef01234567\n');
      breakIt(heads, outside);
      // verify (the CLI) exits non-zero and names the ref.
      const r = await cli(dir, ['verify']);
      expect(r.code).not.toBe(0);
      expect(r.err).toContain('refs/heads/bad');
      expect(r.err).not.toContain('SECRET');
      // verify's ref check names each broken ref as a Problem of I10; the sound timeline is still listed.
      const checked = checkTimelineRefs(store);
      expect([...checked.timelines.keys()]).toEqual(['talk']);
      expect(checked.problems.map((p) => p.timeline)).toContain('bad');
      expect(checked.problems[0].problem).toMatchObject({ invariant: 'I10' });
      expect(checked.problems[0].problem!.message).toMatch(why);
      // Everywhere else: listing the timelines, reading and appending.
      const fresh = Store.open(dir);
      const listing = await errorOf(() => fresh.timelines());
      expect(isAgentlogError(listing) && listing.code).toBe('E_REF');
      expect((listing as Error).message).toContain('refs/heads/bad');
      const appended = await errorOf(fresh.append('bad', { kind: 'note', text: 'x' }));
      expect(isAgentlogError(appended) && appended.code).toBe('E_REF'); // not a stack overflow, not a new branch
      expect((appended as Error).message).toContain('refs/heads/bad');
      expect((appended as Error).message).not.toContain('SECRET');
      expect(fs.readFileSync(outside, 'utf8')).toContain('SECRET-CONTENT'); // the target is untouched
    });
  }

  it('read() refuses a ref name that leaves refs/ and quotes nothing', async () => {
    const { store } = await storeWithTalk();
    const e = await errorOf(() => store.readRef('refs/heads/../../../../etc/passwd'));
    expect(isAgentlogError(e) && e.code).toBe('E_REF');
  });

  it('appending to a git symbolic-ref alias is refused, naming the target; the alias stays an alias and the target unchanged', async () => {
    const { dir, store } = await storeWithTalk();
    git(dir, ['symbolic-ref', 'refs/heads/alias', 'refs/heads/talk']);
    const tip = store.tipOf('talk');
    // Listed with its target's commit, and it verifies like its target.
    expect(store.timelines().get('alias')).toBe(tip);
    expect((await cli(dir, ['verify'])).code).toBe(0);
    const e = await errorOf(store.append('alias', { kind: 'note', text: 'through the alias' }));
    expect(isAgentlogError(e) && e.code).toBe('E_REF');
    expect((e as Error).message).toMatch(/symbolic ref to refs\/heads\/talk.*timeline talk/);
    expect(git(dir, ['symbolic-ref', 'refs/heads/alias']).trim()).toBe('refs/heads/talk');
    expect(store.tipOf('talk')).toBe(tip);
  });
});
