/**
 * Timing a child process for the scale bench: its wall time (from spawn to exit, measured here) and
 * its peak resident memory (`/usr/bin/time -f %M`, Debian's `time` package, which test/vscode/setup.sh
 * installs; without it, memory is not measured and the table says so). And the page cache: `evict`
 * drops a folder's files from it (posix_fadvise DONTNEED through python3, file by file: nothing else on
 * the machine loses its cache) for cold-cache figures.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface Run {
  ms: number;
  /** Peak RSS in bytes; undefined when /usr/bin/time is not there. */
  rss?: number;
  stdout: string;
  stderr: string;
}

export const TIME_BIN = fs.existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

/** Runs `cmd args`, resolves with its time and peak memory; rejects with its last stderr line when it exits non-zero (other than `okCodes`). */
export function run(
  cmd: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; keepStdout?: boolean; okCodes?: readonly number[] } = {},
): Promise<Run> {
  const rssFile = path.join(os.tmpdir(), `scale-bench-rss-${process.pid}-${Math.random().toString(36).slice(2)}`);
  const [bin, argv] = TIME_BIN ? [TIME_BIN, ['-f', '%M', '-o', rssFile, cmd, ...args]] : [cmd, args];
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(bin, argv, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let outBytes = 0;
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      // Only what a caller reads is kept (a `log` of a 40 MB session prints tens of MB).
      if (opts.keepStdout && outBytes < 64 * 1024 * 1024) out.push(d);
      outBytes += d.length;
    });
    child.stderr.on('data', (d: Buffer) => {
      err = (err + d.toString()).slice(-8192);
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = performance.now() - t0;
      let rss: number | undefined;
      try {
        const kb = Number(fs.readFileSync(rssFile, 'utf8').trim().split('\n').pop());
        if (Number.isFinite(kb)) rss = kb * 1024;
        fs.rmSync(rssFile, { force: true });
      } catch {
        rss = undefined;
      }
      if (code !== 0 && !opts.okCodes?.includes(code ?? -1)) {
        const lines = err
          .split('\n')
          .map((l) => l.trim())
          .filter((l) => l && !l.startsWith('Command exited with'));
        reject(new Error(`${path.basename(cmd)} ${args[0] ?? ''} exited ${code}${lines.length ? `: ${lines.slice(-2).join(' / ').slice(0, 300)}` : ''}`));
        return;
      }
      resolve({ ms, rss, stdout: Buffer.concat(out).toString(), stderr: err });
    });
  });
}

/** Median of the times; the largest peak memory. */
export function summarize(runs: Run[]): { ms: number; rss?: number; all: number[] } {
  const all = runs.map((r) => r.ms);
  const s = [...all].sort((a, b) => a - b);
  const rss = runs.some((r) => r.rss === undefined) ? undefined : Math.max(...runs.map((r) => r.rss!));
  return { ms: s[Math.floor(s.length / 2)], rss, all };
}

/** Several runs done one after the other (`setup` before each, not timed). */
export async function repeat(n: number, once: (i: number) => Promise<Run>, setup?: (i: number) => Promise<void> | void): Promise<Run[]> {
  const out: Run[] = [];
  for (let i = 0; i < n; i++) {
    await setup?.(i);
    out.push(await once(i));
  }
  return out;
}

/** Several runs of a step made of several processes: times added, memory the largest. */
export async function sequence(steps: (() => Promise<Run>)[]): Promise<Run> {
  let ms = 0;
  let rss: number | undefined = 0;
  let stdout = '';
  let stderr = '';
  for (const step of steps) {
    const r = await step();
    ms += r.ms;
    rss = rss === undefined || r.rss === undefined ? undefined : Math.max(rss, r.rss);
    stdout += r.stdout;
    stderr += r.stderr;
  }
  return { ms, rss, stdout, stderr };
}

const EVICT = `
import os, sys
os.sync()
n = 0
for root, dirs, files in os.walk(sys.argv[1]):
    for f in files:
        try:
            fd = os.open(os.path.join(root, f), os.O_RDONLY)
        except OSError:
            continue
        try:
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            n += 1
        finally:
            os.close(fd)
print(n)
`;

/** Drops the files under `dir` from the page cache; a reason when it cannot. */
export function evict(dir: string): string | undefined {
  const r = spawnSync('python3', ['-c', EVICT, dir], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return `cannot drop the page cache (python3 with os.posix_fadvise: ${r.error?.message ?? r.stderr.trim().split('\n').pop()})`;
  return undefined;
}

/** Bytes of the files under `dir` (0 when it is not there). */
export function du(dir: string): number {
  let total = 0;
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    total += e.isDirectory() ? du(p) : e.isFile() ? fs.statSync(p).size : 0;
  }
  return total;
}
