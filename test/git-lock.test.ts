import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isAgentlogError } from '../core/errors.js';
import { Lock, withLock, withLockNow } from '../core/git/lock.js';
import { tmpdir } from './helpers/tmp.js';

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

  it('removes a lock older than the stale limit, with a warning', async () => {
    const file = path.join(tmpdir(), 'f');
    fs.writeFileSync(`${file}.lock`, '');
    const old = new Date(Date.now() - 10_000);
    fs.utimesSync(`${file}.lock`, old, old);
    const warnings: string[] = [];
    expect(await withLock(file, { waitMs: 50, staleMs: 5_000, warn: (m) => warnings.push(m) }, () => 'x')).toBe(true);
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
