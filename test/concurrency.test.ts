import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Store } from '../core/store.js';
import { verifyTimeline } from '../core/verify.js';
import { clock, git, tmpdir } from './helpers/tmp.js';

// These run the built CLI (dist/, made by `npm test`'s tsc step) as separate processes.
const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../cli/bin/agentlog.js');

function eventsFile(dir: string, tag: string, n: number): string {
  const file = path.join(dir, `${tag}.jsonl`);
  const lines = Array.from({ length: n }, (_, i) => JSON.stringify({ kind: 'message', role: 'user', content: [{ type: 'text', text: `${tag} ${i}` }] }));
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

function run(args: string[], killAfterMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    if (killAfterMs !== undefined) setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

async function newStore(): Promise<{ dir: string; store: Store }> {
  const dir = path.join(tmpdir(), 'store');
  Store.init(dir);
  const store = Store.open(dir, { now: clock() });
  await store.create('talk', { kind: 'session', title: 'shared' });
  return { dir, store };
}

describe('concurrent writers and crashes', () => {
  it('four writers on one timeline all succeed and lose no event', async () => {
    const { dir } = await newStore();
    const files = ['a', 'b', 'c', 'd'].map((t) => eventsFile(tmpdir(), t, 100));
    const results = await Promise.all(files.map((f) => run(['append', 'talk', '--json', f, '--store', dir])));
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    const printed = results.flatMap((r) => r.stdout.trim().split('\n'));
    expect(printed).toHaveLength(400);
    const store = Store.open(dir);
    const tip = store.tipOf('talk')!;
    const cids = new Set(store.readEvents(tip).map((e) => e.cid.toString()));
    expect(cids.size).toBe(401);
    for (const c of printed) expect(cids.has(c), c).toBe(true);
    // Each writer's own events stay in its order.
    const texts = store.readEvents(tip).slice(1).map((e) => (e.event.content as Array<{ text: string }>)[0].text);
    for (const t of ['a', 'b', 'c', 'd']) {
      const mine = texts.filter((x) => x.startsWith(`${t} `)).map((x) => Number(x.split(' ')[1]));
      expect(mine).toEqual([...mine].sort((x, y) => x - y));
    }
    expect(verifyTimeline(store, 'talk', tip).problem).toBeUndefined();
    expect(git(dir, ['fsck', '--strict', '--no-dangling']).trim()).toBe('');
  }, 120_000);

  it('kill -9 at any instant leaves a store git fsck accepts, holding every printed event', async () => {
    const { dir } = await newStore();
    const input = eventsFile(tmpdir(), 'k', 20_000);
    const printed: string[] = [];
    for (let round = 0; round < 6; round++) {
      const r = await run(['append', 'talk', '--json', input, '--store', dir], 150 + round * 70);
      expect(r.signal).toBe('SIGKILL');
      // Only whole lines count as printed: a CID cut mid-line was never fully printed.
      const lines = r.stdout.split('\n');
      printed.push(...lines.slice(0, -1).filter(Boolean));
      const lock = path.join(dir, '.git/refs/heads/talk.lock');
      if (fs.existsSync(lock)) {
        // Killed between taking the lock and renaming it: the next writer names the lock and what to do.
        const blocked = await run(['append', 'talk', '--role', 'user', '--text', 'blocked', '--store', dir]);
        expect(blocked.code).toBe(1);
        expect(blocked.stderr).toContain(lock);
        expect(blocked.stdout).toBe('');
        fs.rmSync(lock);
      }
      expect(git(dir, ['fsck', '--strict', '--no-dangling']).trim()).toBe('');
    }
    expect(printed.length).toBeGreaterThan(0);
    const store = Store.open(dir);
    const tip = store.tipOf('talk')!;
    const cids = new Set(store.readEvents(tip).map((e) => e.cid.toString()));
    for (const c of printed) expect(cids.has(c), c).toBe(true);
    expect(verifyTimeline(store, 'talk', tip).problem).toBeUndefined();
    // And the timeline still takes appends.
    const after = await run(['append', 'talk', '--role', 'user', '--text', 'still here', '--store', dir]);
    expect(after.code, after.stderr).toBe(0);
  }, 120_000);
});
