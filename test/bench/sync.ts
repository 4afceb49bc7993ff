/**
 * Sync speed: agentlog push/pull of one N-event timeline (default 10,000) over smart HTTP against
 * the git CLI doing the same to the same kind of remote, in the same run: a real `git http-backend`
 * behind a Node server on 127.0.0.1 (test/helpers/git-http-server.ts), fresh bare repositories.
 *
 *   push_10k_ms       agentlog push of the whole timeline to an empty remote (one pack)
 *   git_push_10k_ms   `git push` of the same store to another empty remote
 *   pull_10k_ms       agentlog clone of that remote (one pack, indexed in-process)
 *   git_pull_10k_ms   `git clone --bare` of the same remote
 *   push_100_ms / git_push_100_ms, pull_100_ms / git_pull_100_ms: the same after 100 more events
 *   push_10k_packed_ms / git_push_10k_packed_ms: the whole timeline again after `git gc` of the store
 *   *_ratio           agentlog / git
 *   isogit_push_10k_ms  with --isomorphic-git: isomorphic-git's own push of the same store (what
 *                     agentlog would take had it used git.push over HTTP)
 *
 * Run alone: npx tsx test/bench/sync.ts [--events N] [--json] [--isomorphic-git]; `npm run bench`
 * calls benchSync().
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import isogit from 'isomorphic-git';
import isoHttp from 'isomorphic-git/http/node';
import { Store } from '../../core/store/store.js';
import { addRemote } from '../../core/sync/remotes.js';
import { clone } from '../../core/sync/clone.js';
import { pull } from '../../core/sync/pull.js';
import { push } from '../../core/sync/push.js';
import { startGitHttpServer } from '../helpers/git-http-server.js';
import { makeEvent, mulberry32 } from './events.js';

const run = promisify(execFile);

export interface BenchSyncOptions {
  /** Events in the timeline (default 10,000). */
  events?: number;
  /** Where to print progress (default: stderr). */
  log?: (line: string) => void;
  /** Where to make its folders (default: the system temp folder). */
  dir?: string;
  /** Also time isomorphic-git's own push of the same store (slow: tens of seconds or more). */
  isomorphicGit?: boolean;
}

async function timed<T>(f: () => Promise<T>): Promise<[number, T]> {
  const t0 = performance.now();
  const v = await f();
  return [Math.round(performance.now() - t0), v];
}

export async function benchSync(opts: BenchSyncOptions = {}): Promise<Record<string, number>> {
  const n = opts.events ?? 10_000;
  const log = opts.log ?? ((s: string) => process.stderr.write(`${s}\n`));
  const root = fs.mkdtempSync(path.join(opts.dir ?? os.tmpdir(), 'agentlog-bench-sync-'));
  const env = { ...process.env, GIT_CONFIG_NOSYSTEM: '1', HOME: root, GIT_TERMINAL_PROMPT: '0' };
  const git = (cwd: string, args: string[]) => run('git', args, { cwd, env, maxBuffer: 1 << 28 });
  fs.mkdirSync(path.join(root, 'srv'));
  const server = await startGitHttpServer(path.join(root, 'srv'));
  try {
    const rnd = mulberry32(42);
    log(`sync bench: writing a ${n}-event timeline…`);
    const { store } = Store.init(path.join(root, 'a'));
    await store.create('bench', { kind: 'session', title: 'bench session', agent: { name: 'bench' }, ts: 1_750_000_000_000 });
    // Awaited one by one: the figures below depend on how the store's packs were made (a store
    // written in big batches makes the +100 push below slower: ~160 vs ~90 ms here).
    for (let i = 1; i < n; i++) await store.append('bench', makeEvent(i, rnd));

    const ours = server.bare('ours.git');
    const theirs = server.bare('theirs.git');
    addRemote(store.gitDir, 'origin', ours);
    const figures: Record<string, number> = { events: n };

    log('sync bench: agentlog push…');
    const [pushMs, report] = await timed(() => push(store, 'origin', ['bench']));
    if (report.timelines[0]?.status !== 'pushed') throw new Error(`push did not push: ${JSON.stringify(report.timelines)}`);
    figures.push_10k_ms = pushMs;
    figures.push_pack_bytes = report.sent?.bytes ?? 0;
    log('sync bench: git push…');
    [figures.git_push_10k_ms] = await timed(() => git(store.workTree!, ['push', '--quiet', theirs, 'refs/heads/bench:refs/heads/bench']));

    if (opts.isomorphicGit) {
      log('sync bench: isomorphic-git push…');
      const isoUrl = server.bare('iso.git');
      [figures.isogit_push_10k_ms] = await timed(() =>
        isogit.push({ fs, http: isoHttp, dir: store.workTree!, url: isoUrl, ref: 'bench', remoteRef: 'refs/heads/bench' }),
      );
    }

    log('sync bench: agentlog clone (pull of everything)…');
    const [pullMs, cloned] = await timed(() => clone(ours, path.join(root, 'b')));
    figures.pull_10k_ms = pullMs;
    if (cloned.store.tipOf('bench') !== store.tipOf('bench')) throw new Error('the clone does not hold the pushed timeline');
    log('sync bench: git clone…');
    [figures.git_pull_10k_ms] = await timed(() => git(root, ['clone', '--quiet', '--bare', theirs, path.join(root, 'g.git')]));

    // 100 more events: the everyday case.
    for (let i = n; i < n + 100; i++) await store.append('bench', makeEvent(i, rnd));
    [figures.push_100_ms] = await timed(() => push(store, 'origin', ['bench']));
    [figures.git_push_100_ms] = await timed(() => git(store.workTree!, ['push', '--quiet', theirs, 'refs/heads/bench:refs/heads/bench']));
    [figures.pull_100_ms] = await timed(() => pull(cloned.store, 'origin'));
    if (cloned.store.tipOf('bench') !== store.tipOf('bench')) throw new Error('the pull did not fast-forward');
    [figures.git_pull_100_ms] = await timed(() => git(path.join(root, 'g.git'), ['fetch', '--quiet', theirs, '+refs/heads/*:refs/heads/*']));

    // The same store after `git gc` (stores get packed now and then): both read packs now.
    await git(store.workTree!, ['gc', '--quiet']);
    store.refreshPacks();
    const packedStore = Store.open(store.workTree!);
    addRemote(packedStore.gitDir, 'packed', server.bare('ours-packed.git'));
    [figures.push_10k_packed_ms] = await timed(() => push(packedStore, 'packed', ['bench']));
    [figures.git_push_10k_packed_ms] = await timed(() =>
      git(store.workTree!, ['push', '--quiet', server.bare('theirs-packed.git'), 'refs/heads/bench:refs/heads/bench']),
    );

    const ratio = (a: number, b: number) => Math.round((a / Math.max(b, 1)) * 100) / 100;
    figures.push_ratio = ratio(figures.push_10k_ms, figures.git_push_10k_ms);
    figures.pull_ratio = ratio(figures.pull_10k_ms, figures.git_pull_10k_ms);
    figures.push_100_ratio = ratio(figures.push_100_ms, figures.git_push_100_ms);
    figures.pull_100_ratio = ratio(figures.pull_100_ms, figures.git_pull_100_ms);
    figures.push_packed_ratio = ratio(figures.push_10k_packed_ms, figures.git_push_10k_packed_ms);
    return figures;
  } finally {
    await server.close();
    fs.rmSync(root, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const events = args.includes('--events') ? Number(args[args.indexOf('--events') + 1]) : undefined;
  benchSync({ events, isomorphicGit: args.includes('--isomorphic-git') }).then((f) => {
    if (args.includes('--json')) process.stdout.write(`${JSON.stringify(f, null, 1)}\n`);
    else for (const [k, v] of Object.entries(f)) process.stdout.write(`${k.padEnd(18)} ${v}\n`);
  });
}
