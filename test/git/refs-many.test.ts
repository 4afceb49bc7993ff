import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Refs } from '../../core/git/refs.js';
import { ownerRecord } from '../../core/git/lock.js';
import { sessionWith } from '../helpers/store.js';
import { git, tmpdir } from '../helpers/tmp.js';

// Refs.compareAndSwapMany: many refs moved in one packed-refs write (issue 20: a clone of 2,000
// timelines wrote a locked, renamed file per ref), with compareAndSwap's rule for each.

describe('compareAndSwapMany', () => {
  it('writes many refs into packed-refs at once, each only from its expected value; git reads them all', async () => {
    const { dir, store } = await sessionWith(3);
    const tip = store.tipOf('talk')!;
    const first = store.history(tip).next().value!.commit.parents[0];
    const refs = new Refs(path.join(dir, '.git'), true);
    await store.branch('loose', first); // a loose ref to move: its file goes once the packed value is in
    const names = Array.from({ length: 600 }, (_, i) => `refs/remotes/origin/t${String(i).padStart(4, '0')}`); // more than one group of 256
    const made = await refs.compareAndSwapMany([
      ...names.map((name) => ({ name, expected: undefined, next: tip })),
      { name: 'refs/heads/loose', expected: first, next: tip },
      { name: 'refs/heads/talk', expected: first, next: first }, // talk is at tip, not first: refused
      { name: 'refs/heads/zé', expected: undefined, next: first }, // sorted by its UTF-8 bytes, read back by its name
    ]);
    expect(made.slice(0, 600).every(Boolean)).toBe(true);
    expect(made.slice(600)).toEqual([true, false, true]);
    expect(fs.existsSync(path.join(dir, '.git/refs/heads/loose'))).toBe(false);
    expect(fs.readdirSync(path.join(dir, '.git/refs/remotes/origin')).filter((n) => !n.endsWith('.lock'))).toEqual([]);
    expect(fs.readdirSync(path.join(dir, '.git/refs/remotes/origin'))).toEqual([]); // no lock left
    expect(refs.read('refs/heads/loose')).toBe(tip);
    expect(refs.read('refs/heads/talk')).toBe(tip);
    expect(refs.read('refs/heads/zé')).toBe(first);
    expect(refs.list('refs/remotes/origin/').size).toBe(600);
    // git agrees: every ref there, the file sorted as git sorts it (fsck and for-each-ref read it).
    expect(git(dir, ['for-each-ref', '--format=%(refname) %(objectname)', 'refs/remotes/origin/']).trim().split('\n')).toEqual(names.map((n) => `${n} ${tip}`));
    expect(git(dir, ['rev-parse', 'refs/heads/zé', 'refs/heads/loose']).trim().split('\n')).toEqual([first, tip]);
    git(dir, ['fsck', '--strict']);
    git(dir, ['pack-refs', '--all']); // git rewrites what we wrote without complaint
    expect(refs.read('refs/heads/zé')).toBe(first);
  });

  it('keeps the lines it does not move, peeled lines with their ref, and git’s traits', () => {
    const dir = tmpdir();
    const a = 'a'.repeat(40);
    const b = 'b'.repeat(40);
    const c = 'c'.repeat(40);
    fs.writeFileSync(
      path.join(dir, 'packed-refs'),
      `# pack-refs with: peeled sorted \n${a} refs/heads/x\n${b} refs/tags/v1\n^${c}\n${a} refs/tags/v2\n^${b}\n`,
    );
    return new Refs(dir)
      .compareAndSwapMany([
        { name: 'refs/tags/v2', expected: a, next: c },
        { name: 'refs/heads/a', expected: undefined, next: b },
      ])
      .then((made) => {
        expect(made).toEqual([true, true]);
        expect(fs.readFileSync(path.join(dir, 'packed-refs'), 'utf8')).toBe(
          `# pack-refs with: peeled sorted \n${b} refs/heads/a\n${a} refs/heads/x\n${b} refs/tags/v1\n^${c}\n${c} refs/tags/v2\n`,
        );
      });
  });

  it('never moves a symbolic ref, and waits for (then gives up on) a ref another writer holds', async () => {
    const { dir, store } = await sessionWith(2);
    const tip = store.tipOf('talk')!;
    const gitDir = path.join(dir, '.git');
    git(dir, ['symbolic-ref', 'refs/heads/alias', 'refs/heads/talk']);
    fs.writeFileSync(path.join(gitDir, 'refs/heads/held.lock'), ownerRecord()); // a live holder: this process
    const refs = new Refs(gitDir, false, () => {}, { waitMs: 100 });
    await expect(
      refs.compareAndSwapMany([
        { name: 'refs/heads/alias', expected: tip, next: tip },
        { name: 'refs/heads/held', expected: undefined, next: tip },
      ]),
    ).rejects.toMatchObject({ code: 'E_LOCK' });
    fs.rmSync(path.join(gitDir, 'refs/heads/held.lock'));
    expect(fs.existsSync(path.join(gitDir, 'refs/heads/alias.lock'))).toBe(false); // released on the way out
    expect(await refs.compareAndSwapMany([{ name: 'refs/heads/alias', expected: tip, next: tip }])).toEqual([false]);
    expect(git(dir, ['symbolic-ref', 'refs/heads/alias']).trim()).toBe('refs/heads/talk');
    await expect(refs.compareAndSwapMany([{ name: 'refs/heads/x', expected: undefined, next: 'nope' }])).rejects.toMatchObject({ code: 'E_REF' });
    await expect(
      refs.compareAndSwapMany([
        { name: 'refs/heads/x', expected: undefined, next: tip },
        { name: 'refs/heads/x', expected: undefined, next: tip },
      ]),
    ).rejects.toMatchObject({ code: 'E_REF' });
  });
});
