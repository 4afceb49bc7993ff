import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isAgentlogError } from '../../core/errors.js';
import { Store } from '../../core/store/store.js';
import { cli } from '../helpers/cli.js';
import { clock, tmpdir } from '../helpers/tmp.js';

// Issue 17, point 7: a fork whose record (agentlog/forks.json, I13) cannot be written leaves no new
// timeline behind, and its error names the file, not a "timeline forks.json".

async function storeWithTalk(lockWaitMs?: number): Promise<{ dir: string; store: Store; forks: string }> {
  const dir = tmpdir();
  const { store } = Store.init(dir, { now: clock() });
  await store.create('talk', { kind: 'session', title: 't' });
  await store.append('talk', { kind: 'note', text: 'one' });
  const reopened = Store.open(dir, { now: clock(), lockWaitMs });
  return { dir, store: reopened, forks: path.join(store.gitDir, 'agentlog', 'forks.json') };
}

describe('fork is atomic (issue 17 point 7)', () => {
  it('forks.json locked: the fork fails with E_LOCK naming the file, and no new timeline is left', async () => {
    const { store, forks } = await storeWithTalk(200);
    fs.mkdirSync(path.dirname(forks), { recursive: true });
    fs.writeFileSync(`${forks}.lock`, ''); // held by someone else (git-style: no owner record)
    const tip = store.tipOf('talk')!;
    const error = await store.branch('talk-fork', tip, 'talk').catch((e: unknown) => e);
    expect(isAgentlogError(error) && error.code).toBe('E_LOCK');
    expect((error as Error).message).toContain(forks);
    expect((error as Error).message).not.toMatch(/timeline forks\.json/);
    expect((error as Error).message).toMatch(/fork talk-fork was not made/);
    expect([...store.timelines().keys()]).toEqual(['talk']);
    expect(fs.existsSync(`${forks}.lock`)).toBe(true); // someone else's lock stays
  });

  it('forks.json unwritable (a folder in its way): `agentlog fork` exits 1, leaves no timeline, and says what to do', async () => {
    const { dir, store, forks } = await storeWithTalk();
    fs.mkdirSync(path.join(forks, 'in-the-way'), { recursive: true });
    const r = await cli(dir, ['fork', 'talk@0', '--name', 'f']);
    expect(r.code).toBe(1);
    expect(r.err).toContain(forks);
    expect(r.err).not.toMatch(/timeline forks\.json/);
    expect(r.err).toMatch(/not made/);
    expect([...Store.open(dir).timelines().keys()]).toEqual(['talk']);
    expect(store.forkRecords()).toEqual({});
  });

  it('a fork whose record is written is kept and recorded', async () => {
    const { dir } = await storeWithTalk();
    const r = await cli(dir, ['fork', 'talk@0', '--name', 'f']);
    expect(r.code).toBe(0);
    const store = Store.open(dir);
    expect([...store.timelines().keys()]).toEqual(['f', 'talk']);
    expect(store.forkRecords()).toEqual({ f: 'talk' });
  });
});
