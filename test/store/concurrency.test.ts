import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Store } from '../../core/store/store.js';
import { verifyTimeline } from '../../core/timeline/verify.js';
import { clock, git, tmpdir } from '../helpers/tmp.js';

// These run the built CLI (dist/, made by `npm test`'s tsc step) as separate processes.
const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../cli/bin/agentlog.js');

function eventsFile(dir: string, tag: string, n: number): string {
  const file = path.join(dir, `${tag}.jsonl`);
  const lines = Array.from({ length: n }, (_, i) => JSON.stringify({ kind: 'message', role: 'user', content: [{ type: 'text', text: `${tag} ${i}` }] }));
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

/** A child's standard input, and how many lines it has printed so far. */
interface Pipe {
  write: (text: string) => void;
  end: () => void;
  printed: () => number;
  closed: () => boolean;
}

/**
 * Run the CLI. `kill`: SIGKILL it that many ms after its first whole line of output (so the kill
 * lands while it is appending, however slowly this machine starts a process).
 */
function run(
  args: string[],
  kill?: { afterFirstLineMs: number },
  stdin?: (pipe: Pipe) => void,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: [stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let closed = false;
    let armed = false;
    child.stdout!.on('data', (d) => {
      stdout += d;
      if (kill && !armed && stdout.includes('\n')) {
        armed = true;
        setTimeout(() => child.kill('SIGKILL'), kill.afterFirstLineMs);
      }
    });
    child.stderr!.on('data', (d) => (stderr += d));
    child.stdin?.on('error', () => {}); // EPIPE once it is killed
    if (stdin) {
      stdin({
        write: (text) => void (closed || child.stdin!.write(text)),
        end: () => void (closed || child.stdin!.end()),
        printed: () => stdout.split('\n').length - 1,
        closed: () => closed,
      });
    }
    child.on('close', (code, signal) => {
      closed = true;
      resolve({ code, signal, stdout, stderr });
    });
  });
}

async function newStore(): Promise<{ dir: string; store: Store }> {
  const dir = path.join(tmpdir(), 'store');
  const { store } = Store.init(dir, { now: clock() });
  await store.create('talk', { kind: 'session', title: 'shared' });
  return { dir, store };
}

describe('concurrent writers and crashes', () => {
  // From files, each writer's 100 events are written together (one batch); through pipes fed three
  // lines at a time, round robin, the writers' small batches race for the branch all along.
  for (const feed of ['file', 'pipe'] as const) {
    it(`four writers on one timeline all succeed and lose no event (events from a ${feed})`, async () => {
      const { dir } = await newStore();
      const tags = ['a', 'b', 'c', 'd'];
      const files = tags.map((t) => eventsFile(tmpdir(), t, 100));
      let results: Awaited<ReturnType<typeof run>>[];
      if (feed === 'file') {
        results = await Promise.all(files.map((f) => run(['append', 'talk', '--json', f, '--store', dir])));
      } else {
        const pipes: Pipe[] = [];
        const running = files.map(() => run(['append', 'talk', '--json', '-', '--store', dir], undefined, (pipe) => pipes.push(pipe)));
        const lines = files.map((f) => fs.readFileSync(f, 'utf8').trim().split('\n'));
        // Each round gives every writer three events and waits until all have printed theirs, so the
        // writers run side by side the whole time.
        for (let i = 0; i < 100; i += 3) {
          for (const [w, pipe] of pipes.entries()) pipe.write(`${lines[w].slice(i, i + 3).join('\n')}\n`);
          const want = Math.min(i + 3, 100);
          while (pipes.some((p) => p.printed() < want)) await new Promise((r) => setTimeout(r, 1));
        }
        for (const pipe of pipes) pipe.end();
        results = await Promise.all(running);
      }
      for (const r of results) expect(r.code, r.stderr).toBe(0);
      const printed = results.flatMap((r) => r.stdout.trim().split('\n'));
      expect(printed).toHaveLength(400);
      const store = Store.open(dir);
      const tip = store.tipOf('talk')!;
      const cids = new Set(store.readEvents(tip).map((e) => e.cid.toString()));
      expect(cids.size).toBe(401);
      for (const c of printed) expect(cids.has(c), c).toBe(true);
      // Each writer's own events stay in its order, and each printed its CIDs in that order.
      const events = store.readEvents(tip).slice(1);
      const texts = events.map((e) => (e.event.content as Array<{ text: string }>)[0].text);
      // Fed round by round, every round holds events of all four writers: at least 3 switches each.
      if (feed === 'pipe') expect(texts.filter((x, i) => i > 0 && x[0] !== texts[i - 1][0]).length).toBeGreaterThanOrEqual(3 * 34);
      for (const [w, t] of tags.entries()) {
        const mine = texts.filter((x) => x.startsWith(`${t} `)).map((x) => Number(x.split(' ')[1]));
        expect(mine).toEqual(Array.from({ length: 100 }, (_, i) => i));
        const cidsOfMine = events.filter((_, i) => texts[i].startsWith(`${t} `)).map((e) => e.cid.toString());
        expect(results[w].stdout.trim().split('\n')).toEqual(cidsOfMine);
      }
      expect(verifyTimeline(store, 'talk', tip).problem).toBeUndefined();
      expect(git(dir, ['fsck', '--strict', '--no-dangling']).trim()).toBe('');
    }, 120_000);
  }

  it('kill -9 at any instant leaves a store git fsck accepts, holding every printed event', async () => {
    const { dir } = await newStore();
    const input = eventsFile(tmpdir(), 'k', 20_000);
    const printed: string[] = [];
    const inputLines = fs.readFileSync(input, 'utf8').split('\n');
    // Killed at several moments after its first CIDs: from a file (batches of up to 1,000 events),
    // then from a pipe fed a few lines at a time (small batches: the kill lands more often in the
    // pack, index and ref writes).
    const delays = [0, 4, 9, 17, 33, 65];
    for (let round = 0; round < 12; round++) {
      const afterFirstLineMs = delays[round % 6];
      const r =
        round < 6
          ? await run(['append', 'talk', '--json', input, '--store', dir], { afterFirstLineMs })
          : await run(['append', 'talk', '--json', '-', '--store', dir], { afterFirstLineMs }, (pipe) => {
              void (async () => {
                for (let i = 0; !pipe.closed() && i < inputLines.length; i += 7) {
                  pipe.write(`${inputLines.slice(i, i + 7).join('\n')}\n`);
                  await new Promise((res) => setImmediate(res));
                }
              })();
            });
      expect(r.signal).toBe('SIGKILL');
      // Only whole lines count as printed: a CID cut mid-line was never fully printed.
      const lines = r.stdout.split('\n');
      printed.push(...lines.slice(0, -1).filter(Boolean));
      const lock = path.join(dir, '.git/refs/heads/talk.lock');
      if (fs.existsSync(lock)) {
        // Killed between taking the lock and renaming it: the lock names its owner (core/git/lock.ts),
        // who is gone, so the next writer removes it, says so, and appends.
        const next = await run(['append', 'talk', '--role', 'user', '--text', 'after a kill in the lock', '--store', dir]);
        expect(next.code, next.stderr).toBe(0);
        expect(next.stderr).toContain(`removed ${lock}: its owner, process`);
        expect(fs.existsSync(lock)).toBe(false);
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
  }, 400_000); // 12 rounds of a CLI killed and git fsck: about a minute when quiet, over two under load 20
});
