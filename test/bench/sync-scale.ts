/**
 * Sync at a heavy user's scale (issue 20): a store of many timelines (build one with
 * sync-scale-store.ts) pushed to an empty remote, cloned, pulled with nothing new and with 100
 * changed timelines, each against the git CLI doing the same in the same run (`git push --mirror`,
 * `git clone --mirror`, `git fetch`), through a real `git http-backend` (test/helpers/git-http-server.ts).
 * Every command runs in a child process under /usr/bin/time -v: wall time and peak RSS.
 *
 *   npx tsx test/bench/sync-scale.ts STORE [--cli cli/bin/agentlog.js] [--changed 100]
 *
 * STORE is copied first (the pushes add remotes to it); --cli picks the agentlog build to measure
 * (so a baseline build can run against the same store in the same way).
 *
 * Measured (issue 20) on a store of 2,000 timelines of 40 events (80,000 events, 238 MB of .git, a
 * 165 MiB push pack), on the 2-core machine shared with other work (load average 8–12, so wall times
 * swing by ±40% between runs; peak memory does not), before → after this branch:
 *   push, empty remote   106.9 s, 2,400 MiB → 84.8 s, 544 MiB   (git push --mirror: 41.6–68.8 s, 341 MiB)
 *   clone                 65–133 s, 759 MiB → 66.9 s in-process vs 82.0 s before, same remote, back to back
 *   pull, nothing new      5.8 s, 273 MiB  →  4.1 s, 87 MiB     (git fetch: 1.2–1.9 s, 21 MiB)
 *   pull, 100 changed      7.8 s, 272 MiB  →  8.6 s, 264 MiB    (git fetch: 3.9 s, 33 MiB)
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { Store } from '../../core/store/store.js';
import { startGitHttpServer } from '../helpers/git-http-server.js';
import { makeEvent, mulberry32 } from './events.js';

const run = promisify(execFile);

interface Timed {
  ms: number;
  /** CPU seconds (user + system) of the command and its children: on a shared machine, the figure to compare. */
  cpuS: number;
  rssMiB: number;
  out: string;
}

async function timed(cwd: string, cmd: string[], env: NodeJS.ProcessEnv): Promise<Timed> {
  const r = await run('/usr/bin/time', ['-v', ...cmd], { cwd, env, maxBuffer: 1 << 28 }).catch((e) => {
    throw new Error(`${cmd.join(' ')} failed: ${e.message?.slice(0, 300)} ${e.stdout?.slice(-500)} ${e.stderr?.slice(-2000) ?? e}`);
  });
  const wall = /Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)/.exec(r.stderr)!;
  const ms = Math.round(((Number(wall[1] ?? 0) * 60 + Number(wall[2])) * 60 + Number(wall[3])) * 1000) / 1;
  const rss = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr)![1]);
  const cpuS = Number(/User time \(seconds\): ([\d.]+)/.exec(r.stderr)![1]) + Number(/System time \(seconds\): ([\d.]+)/.exec(r.stderr)![1]);
  return { ms, cpuS, rssMiB: Math.round(rss / 1024), out: r.stdout + r.stderr.split('\tCommand being timed')[0] };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const flag = (f: string, d: string) => (args.includes(f) ? args[args.indexOf(f) + 1] : d);
  const source = path.resolve(args[0]);
  const cliJs = path.resolve(flag('--cli', 'cli/bin/agentlog.js'));
  const changed = Number(flag('--changed', '100'));
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'agentlog-sync-scale-'));
  const env = { ...process.env, GIT_CONFIG_NOSYSTEM: '1', HOME: root, GIT_TERMINAL_PROMPT: '0', AGENTLOG_TOKEN: '' };
  const store = path.join(root, 'store');
  fs.cpSync(source, store, { recursive: true });
  fs.mkdirSync(path.join(root, 'srv'));
  const server = await startGitHttpServer(path.join(root, 'srv'));
  const rows: Array<[string, Timed, string, Timed]> = [];
  const agentlog = async (cwd: string, a: string[]) => {
    const t = await timed(cwd, [process.execPath, cliJs, ...a], env);
    process.stderr.write(`agentlog ${a[0]}: ${t.out.trim().split('\n').slice(0, 3).join(' | ').slice(0, 300)}\n`);
    return t;
  };
  const git = (cwd: string, a: string[]) => timed(cwd, ['git', ...a], env);
  try {
    const ours = server.bare('ours.git');
    const theirs = server.bare('theirs.git');
    await run(process.execPath, [cliJs, 'remote', 'add', 'origin', ours], { cwd: store, env });
    const timelines = Store.open(store).timelines().size;
    process.stderr.write(`sync-scale: ${timelines} timelines, ${cliJs}\n`);

    rows.push(['push (all, empty remote)', await agentlog(store, ['push']), 'git push --mirror', await git(store, ['push', '--quiet', '--mirror', theirs])]);
    rows.push([
      'clone',
      await agentlog(root, ['clone', ours, 'clone']),
      'git clone --mirror',
      await git(root, ['clone', '--quiet', '--mirror', theirs, 'mirror.git']),
    ]);
    const mirror = path.join(root, 'mirror.git');
    const pulled = path.join(root, 'clone');
    rows.push(['pull, nothing new', await agentlog(pulled, ['pull', '--json']), 'git fetch', await git(mirror, ['fetch', '--quiet', 'origin'])]);

    // `changed` timelines gain one event each (in this process, through the store API).
    const s = Store.open(store, { durable: false });
    const rnd = mulberry32(7);
    const names = [...s.timelines().keys()].slice(0, changed);
    for (const [i, n] of names.entries()) await s.append(n, makeEvent(1000 + i, rnd));
    rows.push([`push, ${changed} changed`, await agentlog(store, ['push']), 'git push --mirror', await git(store, ['push', '--quiet', '--mirror', theirs])]);
    rows.push([`pull, ${changed} changed`, await agentlog(pulled, ['pull', '--json']), 'git fetch', await git(mirror, ['fetch', '--quiet', 'origin'])]);
    const report = JSON.parse(rows[rows.length - 1][1].out.slice(0, rows[rows.length - 1][1].out.lastIndexOf('}') + 1)) as {
      advertised?: number;
      timelines: Array<{ status: string }>;
    };
    const ff = report.timelines.filter((t) => t.status === 'fast-forwarded').length;
    if (ff !== changed) throw new Error(`the pull fast-forwarded ${ff} timelines, not ${changed}`);
    process.stderr.write(`pull: ${report.advertised ?? '?'} refs advertised\n`);

    // CPU seconds are the client's own (the server's work is in neither column).
    console.log('| what | agentlog | CPU | peak RSS | git | CPU | peak RSS | ratio (wall) | ratio (CPU) |');
    console.log('|---|---|---|---|---|---|---|---|---|');
    for (const [what, a, gitWhat, g] of rows) {
      console.log(
        `| ${what} | ${(a.ms / 1000).toFixed(2)} s | ${a.cpuS.toFixed(2)} s | ${a.rssMiB} MiB | ${gitWhat}: ${(g.ms / 1000).toFixed(2)} s | ${g.cpuS.toFixed(2)} s | ${g.rssMiB} MiB | ${(a.ms / g.ms).toFixed(2)}× | ${(a.cpuS / Math.max(g.cpuS, 0.01)).toFixed(2)}× |`,
      );
    }
  } finally {
    await server.close();
    fs.rmSync(root, { recursive: true, force: true });
  }
}

await main();
