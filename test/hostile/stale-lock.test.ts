import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isAgentlogError } from '../../core/errors.js';
import { breakLock, Lock, look, ownerRecord, withLock } from '../../core/git/lock.js';
import { Store } from '../../core/store/store.js';
import { clock, tmpdir } from '../helpers/tmp.js';

// Issue 17, point 3: a lock is never broken by age (a stalled holder is not overrun), only when its
// owner is provably gone, and breaking one can never remove a newer lock (core/git/lock.ts, I10).

const DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/core');

/** A pid no process has: a child that ran and exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', '0']);
  return r.pid!;
}

/** Wait (bounded) until `text` appears on the child's stdout; returns all its stdout so far. */
function waitFor(child: ChildProcess, out: { text: string }, want: RegExp, ms = 20_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`child did not print ${want} (stdout: ${out.text})`)), ms);
    const check = () => {
      if (want.test(out.text)) {
        clearTimeout(timer);
        child.stdout!.off('data', check);
        resolve(out.text);
      }
    };
    child.stdout!.on('data', check);
    check();
  });
}

describe('stale locks (issue 17 point 3)', () => {
  it('a writer stalled while holding the ref lock (SIGSTOP, its lock backdated past the old 30 s rule) is not overrun, and no acknowledged event is lost', async () => {
    const dir = tmpdir();
    const { store } = Store.init(dir, { now: clock() });
    await store.create('talk', { kind: 'session', title: 't' });
    const acked: string[] = [];
    acked.push((await store.append('talk', { kind: 'note', text: 'one' })).cid.toString());
    const go = path.join(dir, 'go');
    // The child appends for real; its first lock commit (the ref's compare-and-swap, under the lock) says "held" and waits for `go`.
    const script = path.join(dir, 'child.mjs');
    fs.writeFileSync(
      script,
      `import * as fs from 'node:fs';
import { Lock } from ${JSON.stringify(`${DIST}/git/lock.js`)};
import { Store } from ${JSON.stringify(`${DIST}/store/store.js`)};
const commit = Lock.prototype.commit;
let first = true;
Lock.prototype.commit = function (content) {
  if (first && this.file.endsWith('talk')) {
    first = false;
    process.stdout.write('held\\n');
    const until = Date.now() + 30000;
    while (!fs.existsSync(${JSON.stringify(go)}) && Date.now() < until) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
  }
  return commit.call(this, content);
};
const store = Store.open(${JSON.stringify(dir)});
const a = await store.append('talk', { kind: 'note', text: 'from the stalled writer' });
process.stdout.write('cid ' + a.cid.toString() + '\\n');
`,
    );
    const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'pipe'] });
    const out = { text: '' };
    child.stdout!.on('data', (d: Buffer) => {
      out.text += d.toString();
    });
    child.stderr!.on('data', (d: Buffer) => {
      out.text += d.toString();
    });
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    try {
      await waitFor(child, out, /held/);
      child.kill('SIGSTOP');
      // A stall of a minute: the lock's age is what the old rule judged.
      const lockFile = path.join(store.gitDir, 'refs/heads/talk.lock');
      const old = new Date(Date.now() - 60_000);
      fs.utimesSync(lockFile, old, old);
      const other = Store.open(dir, { now: clock(1_760_000_000_000), lockWaitMs: 300 });
      const error = await other.append('talk', { kind: 'note', text: 'while the other is stalled' }).catch((e: unknown) => e);
      if (!(error instanceof Error)) acked.push((error as { cid: { toString(): string } }).cid.toString());
      expect(isAgentlogError(error) && error.code).toBe('E_LOCK');
      expect((error as Error).message).toContain(`process ${child.pid}`);
      expect((error as Error).message).toContain(lockFile);
      fs.writeFileSync(go, '');
      child.kill('SIGCONT');
      expect(await exited).toBe(0);
      const childCid = /cid (\S+)/.exec(out.text)![1];
      acked.push(childCid);
      acked.push((await other.append('talk', { kind: 'note', text: 'after it resumed' })).cid.toString());
      const final = Store.open(dir);
      const cids = final.readEvents(final.tipOf('talk')!).map((e) => e.cid.toString());
      for (const cid of acked) expect(cids).toContain(cid);
      expect(cids).toHaveLength(4);
      expect(fs.existsSync(lockFile)).toBe(false);
    } finally {
      child.kill('SIGCONT');
      child.kill('SIGKILL');
    }
  }, 60_000);

  it('a lock whose owner is provably gone (its process exited) is broken with a warning; one of unknown owner (git’s empty lock) never is', async () => {
    const dir = tmpdir();
    const file = path.join(dir, 'f');
    fs.writeFileSync(`${file}.lock`, ownerRecord({ pid: deadPid(), host: os.hostname(), boot: '', start: '' }));
    const warnings: string[] = [];
    expect(await withLock(file, { waitMs: 200, warn: (m) => warnings.push(m) }, () => 'x')).toBe(true);
    expect(fs.readFileSync(file, 'utf8')).toBe('x');
    expect(warnings.join()).toContain('is gone');
    // git's own lock: empty, whatever its age.
    fs.writeFileSync(`${file}.lock`, '');
    const old = new Date(Date.now() - 3_600_000);
    fs.utimesSync(`${file}.lock`, old, old);
    const error = await withLock(file, { waitMs: 100 }, () => 'y').catch((e: unknown) => e);
    expect(isAgentlogError(error) && error.code).toBe('E_LOCK');
    expect((error as Error).message).toContain('unknown owner');
    expect(fs.existsSync(`${file}.lock`)).toBe(true);
    // A live process's lock (this one's), however old, is not broken either.
    fs.rmSync(`${file}.lock`);
    const held = await Lock.acquire(file);
    fs.utimesSync(`${file}.lock`, old, old);
    const busy = await withLock(file, { waitMs: 100 }, () => 'z').catch((e: unknown) => e);
    expect(isAgentlogError(busy) && busy.code).toBe('E_LOCK');
    held.commit('mine');
    expect(fs.readFileSync(file, 'utf8')).toBe('mine');
  });

  it('breaking a judged-dead lock cannot remove a fresh lock another writer made in between (the stat-then-remove race)', async () => {
    const dir = tmpdir();
    const file = path.join(dir, 'f');
    const lockFile = `${file}.lock`;
    fs.writeFileSync(lockFile, ownerRecord({ pid: deadPid(), host: os.hostname(), boot: '', start: '' }));
    const judged = look(lockFile)!;
    // Between the judgement and the break, another writer breaks the dead lock and takes a fresh one.
    fs.rmSync(lockFile);
    const fresh = await Lock.acquire(file);
    expect(breakLock(lockFile, judged)).toBe(false);
    expect(fs.existsSync(lockFile)).toBe(true);
    expect(fs.readdirSync(dir).sort()).toEqual(['f.lock']); // nothing left aside
    fresh.commit('fresh');
    expect(fs.readFileSync(file, 'utf8')).toBe('fresh');
  });

  it('a holder whose lock was taken over refuses to rename over the file', async () => {
    const dir = tmpdir();
    const file = path.join(dir, 'f');
    fs.writeFileSync(file, 'old');
    const held = await Lock.acquire(file);
    // Someone removes the lock by hand and another writer takes it.
    fs.rmSync(`${file}.lock`);
    const other = await Lock.acquire(file);
    expect(() => held.commit('stale writer')).toThrow(/was taken from this process/);
    expect(fs.readFileSync(file, 'utf8')).toBe('old');
    other.commit('other writer');
    expect(fs.readFileSync(file, 'utf8')).toBe('other writer');
  });

  it('many writers in separate processes, with dead owners’ locks planted among them, never lose an update (bounded)', async () => {
    const dir = tmpdir();
    const file = path.join(dir, 'counter');
    fs.writeFileSync(file, '0');
    const script = path.join(dir, 'w.mjs');
    fs.writeFileSync(
      script,
      `import * as fs from 'node:fs';
import { withLock } from ${JSON.stringify(`${DIST}/git/lock.js`)};
const [file, n] = process.argv.slice(2);
for (let i = 0; i < Number(n); i++) await withLock(file, { waitMs: 20000 }, () => String(Number(fs.readFileSync(file, 'utf8')) + 1));
`,
    );
    const host = os.hostname();
    const dead = deadPid();
    const writers = [0, 1, 2, 3].map(() => spawn(process.execPath, [script, file, '60'], { stdio: 'ignore' }));
    const done = Promise.all(writers.map((w) => new Promise<number | null>((r) => w.on('exit', (c) => r(c)))));
    let planted = 0;
    let finished = false;
    void done.then(() => {
      finished = true;
    });
    for (let i = 0; i < 200 && !finished; i++) {
      try {
        fs.writeFileSync(`${file}.lock`, ownerRecord({ pid: dead, host, boot: '', start: '' }), { flag: 'wx' });
        planted++;
      } catch {
        /* held */
      }
      await new Promise((r) => setTimeout(r, 2));
    }
    expect(await done).toEqual([0, 0, 0, 0]);
    expect(fs.readFileSync(file, 'utf8')).toBe('240');
    expect(planted).toBeGreaterThan(0);
  }, 60_000);
});
