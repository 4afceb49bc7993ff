import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { withLock } from '../../core/git/lock.js';
import { sweepLockLeftovers } from '../../core/git/lock.js';
import { tmpdir } from '../helpers/tmp.js';

// A writer killed (-9) at the two instants of taking a lock that matter (core/git/lock.ts, rule 1):
// while its owner record is being written, and just after the lock got its name. A child process
// takes the lock through the built lock.ts with node:fs patched to SIGKILL itself at that instant.
// Found by a kill loop of `agentlog run`: a lock created empty and killed before its record was
// written was never broken, and every later writer of that ref refused.

const LOCK_JS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/core/git/lock.js');

/** Run a child that takes `<file>.lock` and kills itself with SIGKILL at `when`. */
function killedWhileTaking(file: string, when: 'writing the owner record' | 'after the link'): void {
  const script = `
    const fs = require('node:fs');
    const { syncBuiltinESMExports } = require('node:module');
    const paths = new Map();
    const open = fs.openSync, write = fs.writeSync, link = fs.linkSync;
    fs.openSync = (p, ...rest) => { const fd = open(p, ...rest); paths.set(fd, String(p)); return fd; };
    fs.writeSync = (fd, buf, ...rest) => {
      if (${JSON.stringify(when)} === 'writing the owner record' && String(paths.get(fd)).endsWith('.lock') && String(buf).includes('agentlog-lock')) process.kill(process.pid, 'SIGKILL');
      return write(fd, buf, ...rest);
    };
    fs.linkSync = (a, b) => { link(a, b); if (${JSON.stringify(when)} === 'after the link') process.kill(process.pid, 'SIGKILL'); };
    syncBuiltinESMExports();
    import(${JSON.stringify(LOCK_JS)}).then((m) => m.withLock(${JSON.stringify(file)}, {}, () => 'from the killed writer'));
    setTimeout(() => {}, 10000);
  `;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 20_000 });
  expect(r.signal, r.stderr).toBe('SIGKILL');
}

/**
 * Run a child that takes `<file>.lock`, is asked for the new content, and kills itself with SIGKILL
 * at the `step`-th file operation after that (open, write, fsync, close, rename, link, unlink, rm,
 * truncate). Whether it was killed (false: it finished with fewer operations than `step`).
 */
function killedWhileCommitting(file: string, step: number, durable: boolean): boolean {
  const script = `
    const fs = require('node:fs');
    const { syncBuiltinESMExports } = require('node:module');
    let counting = false, n = 0;
    for (const name of ['openSync', 'writeSync', 'fsyncSync', 'closeSync', 'renameSync', 'linkSync', 'unlinkSync', 'rmSync', 'ftruncateSync']) {
      const orig = fs[name];
      fs[name] = (...args) => {
        if (counting && ++n === ${step}) process.kill(process.pid, 'SIGKILL');
        return orig(...args);
      };
    }
    syncBuiltinESMExports();
    import(${JSON.stringify(LOCK_JS)})
      .then((m) => m.withLock(${JSON.stringify(file)}, { durable: ${durable} }, () => { counting = true; return 'new'; }))
      .then(() => process.exit(0), (e) => { console.error(e); process.exit(1); });
  `;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 20_000 });
  if (r.signal === 'SIGKILL') return true;
  expect(r.status, r.stderr).toBe(0);
  return false;
}

describe('a writer killed at any instant of its commit (core/git/lock.ts, rule 2)', () => {
  for (const durable of [false, true]) {
    it(`${durable ? 'durable' : 'default'} mode: the file is old or new, the next writer goes on at once, gc sweeps what is left`, async () => {
      let step = 1;
      for (; step < 60; step++) {
        const dir = tmpdir();
        const file = path.join(dir, 'ref');
        fs.writeFileSync(file, 'old');
        if (!killedWhileCommitting(file, step, durable)) {
          expect(fs.readFileSync(file, 'utf8')).toBe('new');
          expect(fs.readdirSync(dir)).toEqual(['ref']);
          break;
        }
        expect(['old', 'new'], `killed at operation ${step}`).toContain(fs.readFileSync(file, 'utf8'));
        // Whatever lock is left names its owner, who is gone: the next writer breaks it and goes on.
        await expect(
          withLock(file, { waitMs: 2000 }, () => 'next'),
          `killed at operation ${step}`,
        ).resolves.toBe(true);
        expect(fs.readFileSync(file, 'utf8')).toBe('next');
        // What the killed writer left (its ~commit file, a lock's ~owner file) is swept once it is old.
        const old = new Date(Date.now() - 60_000);
        for (const n of fs.readdirSync(dir)) if (n !== 'ref') fs.utimesSync(path.join(dir, n), old, old);
        sweepLockLeftovers(dir);
        expect(fs.readdirSync(dir), `killed at operation ${step}`).toEqual(['ref']);
      }
      expect(step).toBeGreaterThan(3); // it was killed at each operation of the commit before it finished
    }, 120_000);
  }
});

describe('a writer killed while it takes a lock (core/git/lock.ts, rule 1)', () => {
  it('killed while writing its owner record: no lock is left, the next writer takes it at once', async () => {
    const dir = tmpdir();
    const file = path.join(dir, 'ref');
    fs.writeFileSync(file, 'old');
    killedWhileTaking(file, 'writing the owner record');
    expect(fs.existsSync(`${file}.lock`)).toBe(false);
    expect(fs.readFileSync(file, 'utf8')).toBe('old');
    expect(await withLock(file, { waitMs: 1000 }, () => 'next')).toBe(true);
    expect(fs.readFileSync(file, 'utf8')).toBe('next');
    // What it left is its own ~owner file, which git and ref listing ignore and gc removes.
    const left = fs.readdirSync(dir).filter((n) => n.includes('~owner.'));
    expect(left).toHaveLength(1);
    expect(left[0]).toMatch(/^ref~owner\.\d+\.1\.lock$/);
    // Its record was cut short (empty here), so only its name's pid and its age say it is gone.
    const old = new Date(Date.now() - 60_000);
    fs.utimesSync(path.join(dir, left[0]!), old, old);
    expect(sweepLockLeftovers(dir)).toBe(1);
    expect(fs.readdirSync(dir).sort()).toEqual(['ref']);
  }, 30_000);

  it('killed just after the lock got its name: the lock names its dead owner and is broken; gc sweeps the rest', async () => {
    const dir = tmpdir();
    const file = path.join(dir, 'ref');
    fs.writeFileSync(file, 'old');
    killedWhileTaking(file, 'after the link');
    expect(fs.readFileSync(`${file}.lock`, 'utf8')).toContain('"agentlog-lock":1');
    const warnings: string[] = [];
    expect(await withLock(file, { waitMs: 1000, warn: (m) => warnings.push(m) }, () => 'next')).toBe(true);
    expect(warnings.join()).toMatch(/removed .*ref\.lock: its owner, process \d+, is gone/);
    expect(fs.readFileSync(file, 'utf8')).toBe('next');
    // The ~owner file holds a whole record of a dead process: swept at once, whatever its age.
    expect(fs.readdirSync(dir).filter((n) => n.includes('~owner.'))).toHaveLength(1);
    expect(sweepLockLeftovers(dir)).toBe(1);
    expect(fs.readdirSync(dir).sort()).toEqual(['ref']);
  }, 30_000);

  it('sweeps nothing of a live process, and no lock that is not a leftover', () => {
    const dir = tmpdir();
    fs.mkdirSync(path.join(dir, 'heads'));
    const live = path.join(dir, 'heads', `a~owner.${process.pid}.7.lock`);
    fs.writeFileSync(live, '');
    const old = new Date(Date.now() - 60_000);
    fs.utimesSync(live, old, old);
    fs.writeFileSync(path.join(dir, 'heads', 'a.lock'), ''); // git's own empty lock: never ours to remove
    expect(sweepLockLeftovers(dir)).toBe(0);
    expect(fs.readdirSync(path.join(dir, 'heads')).sort()).toEqual(['a.lock', `a~owner.${process.pid}.7.lock`]);
  });
});
