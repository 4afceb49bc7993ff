import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isAgentlogError } from '../../core/errors.js';
import { Lock, ownerRecord, withLock, withLockNow } from '../../core/git/lock.js';
import { Store } from '../../core/store/store.js';
import { sessionWith } from '../helpers/store.js';
import { clock, tmpdir } from '../helpers/tmp.js';

/** The lock content a writer that has since exited would have left: its pid is no longer a process. */
function deadOwnerRecord(): string {
  const pid = spawnSync(process.execPath, ['-e', '0']).pid;
  if (!pid) throw new Error('could not start a process to take its pid');
  return ownerRecord({ pid, host: os.hostname(), boot: '', start: '' });
}

describe('git lock protocol (core/git/lock.ts)', () => {
  it('replaces the file through <file>.lock and leaves no lock behind', async () => {
    const file = path.join(tmpdir(), 'f');
    fs.writeFileSync(file, 'old');
    expect(await withLock(file, {}, () => 'new')).toBe(true);
    expect(fs.readFileSync(file, 'utf8')).toBe('new');
    expect(fs.existsSync(`${file}.lock`)).toBe(false);
  });

  it('changes nothing when the content function gives up or throws, and removes the lock', async () => {
    const file = path.join(tmpdir(), 'f');
    fs.writeFileSync(file, 'old');
    expect(await withLock(file, {}, () => undefined)).toBe(false);
    await expect(
      withLock(file, {}, () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(fs.readFileSync(file, 'utf8')).toBe('old');
    expect(fs.existsSync(`${file}.lock`)).toBe(false);
  });

  it('waits for a held lock for the injected time, then fails with E_LOCK naming it; the lock stays the holder’s', async () => {
    const file = path.join(tmpdir(), 'f');
    fs.writeFileSync(`${file}.lock`, '');
    const started = Date.now();
    const error = await withLock(file, { waitMs: 50 }, () => 'x').catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(isAgentlogError(error) && error.code).toBe('E_LOCK');
    expect((error as Error).message).toContain(`${file}.lock`);
    expect(fs.existsSync(`${file}.lock`)).toBe(true);
  });

  it('takes the lock as soon as its holder lets go', async () => {
    const file = path.join(tmpdir(), 'f');
    const held = await Lock.acquire(file);
    setTimeout(() => held.commit('first'), 20);
    expect(await withLock(file, { waitMs: 5_000 }, () => `${fs.readFileSync(file, 'utf8')} then second`)).toBe(true);
    expect(fs.readFileSync(file, 'utf8')).toBe('first then second');
  });

  it('removes a lock whose owner process is gone, with a warning', async () => {
    const file = path.join(tmpdir(), 'f');
    fs.writeFileSync(`${file}.lock`, deadOwnerRecord());
    const warnings: string[] = [];
    expect(await withLock(file, { waitMs: 50, warn: (m) => warnings.push(m) }, () => 'x')).toBe(true);
    expect(warnings.join()).toContain(`${file}.lock`);
  });

  it('withLockNow fails at once when the lock is held', () => {
    const file = path.join(tmpdir(), 'f');
    fs.writeFileSync(`${file}.lock`, '');
    let error: unknown;
    try {
      withLockNow(file, {}, () => 'x');
    } catch (e) {
      error = e;
    }
    expect(isAgentlogError(error) && error.code).toBe('E_LOCK');
  });

  it('a folder in the way is a conflict error, and the lock does not outlive it', async () => {
    const dir = tmpdir();
    const file = path.join(dir, 'f');
    fs.mkdirSync(path.join(file, 'sub'), { recursive: true });
    const error = await withLock(file, {}, () => 'x').catch((e: unknown) => e);
    expect(isAgentlogError(error) && error.code).toBe('E_LOCK');
    expect(fs.existsSync(`${file}.lock`)).toBe(false);
    const missing = await withLock(path.join(dir, 'no', 'such', 'f'), {}, () => 'x').catch((e: unknown) => e);
    expect(isAgentlogError(missing) && missing.code).toBe('E_LOCK');
  });
});

describe('store', () => {
  it('waits for a held lock, names it when it stays, and recovers one a killed writer left long ago', async () => {
    // The wait for the lock is injected short (the default is LOCK_WAIT_MS, 5 s): the same path, fast.
    const { store: made } = await sessionWith(1);
    const store = Store.open(made.dir, { now: clock(1_755_000_000_000), lockWaitMs: 100 });
    const lock = path.join(store.gitDir, 'refs/heads/talk.lock');
    fs.writeFileSync(lock, '');
    await expect(store.append('talk', { kind: 'note', text: 'x' })).rejects.toThrow(
      new RegExp(`locked by ${lock.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}.*rm '`),
    );
    expect(store.readEvents(store.tipOf('talk')!)).toHaveLength(2);
    fs.writeFileSync(lock, deadOwnerRecord()); // a killed writer's lock: its owner record names a process that is gone
    const warnings: string[] = [];
    const again = Store.open(store.dir, { now: clock(1_760_000_000_000), warn: (m) => warnings.push(m) });
    await again.append('talk', { kind: 'note', text: 'after the stale lock' });
    expect(warnings.join()).toContain('talk.lock');
    expect(fs.existsSync(lock)).toBe(false);
    expect(again.readEvents(again.tipOf('talk')!)).toHaveLength(3);
  }, 20_000);
});
