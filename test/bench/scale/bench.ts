/**
 * npm run bench:scale [-- --gb N] [-- --seed S] [-- --runs R] [-- --appends A] [-- --keep]
 *
 * Issue 20's table: what a heavy user does with a year of sessions, on the corpus of corpus.ts
 * (generated once per size and seed, cached in .bench/scale/), each figure the median of R runs (3)
 * of the real CLI in a new process, against its floor measured in the same run, with the peak memory
 * of the measured process. A step that fails is a row saying "fails: <why>", and the bench goes on.
 * The table goes to stdout (markdown), progress to stderr. Figures are wall times on whatever else
 * the machine is doing: run it on a quiet machine, and compare ratios, not seconds.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { STORE_REF } from '../../../core/store/storeBranch.js';
import { startGitHttpServer, type GitHttpServer } from '../../helpers/git-http-server.js';
import { ensureCorpus, sizeFlags, type Manifest } from './corpus.js';
import { du, evict, repeat, run, type Run, sequence, summarize, TIME_BIN } from './measure.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const BIN = path.join(ROOT, 'cli/bin/agentlog.js');
const args = process.argv.slice(2);
const flag = (name: string, def: number) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : def);
const RUNS = flag('--runs', 3);
const APPENDS = flag('--appends', 10);
const log = (s: string) => process.stderr.write(`${s}\n`);

interface Row {
  what: string;
  agentlog: string;
  floor: string;
  ratio: string;
  memory: string;
}

const rows: Row[] = [];
const notes: string[] = [];

const secs = (ms: number) => (ms >= 10_000 ? `${(ms / 1000).toFixed(0)} s` : ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${(ms / 1000).toFixed(2)} s`);
const bytes = (n: number | undefined) => (n === undefined ? 'n/a' : n >= 1e9 ? `${(n / 1e9).toFixed(2)} GB` : `${(n / 1e6).toFixed(n >= 1e8 ? 0 : 1)} MB`);
const ratio = (a: number, b: number) => (b > 0 ? `${a / b >= 10 ? (a / b).toFixed(0) : (a / b).toFixed(1)}×` : '');

/** A row from a step; a step that throws is a row that says so. */
async function row(what: string, step: () => Promise<Omit<Row, 'what'>>): Promise<void> {
  log(`scale: ${what}`);
  const t0 = performance.now();
  try {
    rows.push({ what, ...(await step()) });
  } catch (e) {
    rows.push({ what, agentlog: `fails: ${(e as Error).message.replace(/\|/g, '/').replace(/\s+/g, ' ').slice(0, 300)}`, floor: '', ratio: '', memory: '' });
  }
  log(`scale:   ${rows[rows.length - 1].agentlog} (${secs(performance.now() - t0)} for the step)`);
}

async function main() {
  const { gb, seed } = sizeFlags(args);
  const t0 = performance.now();
  const { dir: corpus, manifest } = ensureCorpus(gb, seed, log);
  log(`scale: corpus ${corpus}: ${manifest.files} files, ${bytes(manifest.bytes)} (generated in ${secs(manifest.ms)})`);
  // dist/ is what the CLI runs: build it from this tree.
  const tsc = spawnSync(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', path.join(ROOT, 'tsconfig.json')], { stdio: 'inherit' });
  if (tsc.status !== 0) throw new Error('tsc failed');

  const work = fs.mkdtempSync(path.join(ROOT, '.bench', 'scale', 'run-'));
  // The corpus as hard links: the one file a step appends to is copied first, the cache stays as made.
  const sessions = path.join(work, 'sessions');
  spawnSync('cp', ['-al', corpus, sessions]);
  const home = path.join(work, 'home');
  fs.mkdirSync(home);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: home,
    CLAUDE_CONFIG_DIR: path.join(sessions, 'claude'),
    CODEX_HOME: path.join(sessions, 'codex'),
    AGENTLOG_STORE: '',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_AUTHOR_NAME: 'bench',
    GIT_AUTHOR_EMAIL: 'bench@agentlog',
    GIT_COMMITTER_NAME: 'bench',
    GIT_COMMITTER_EMAIL: 'bench@agentlog',
  };
  const agentlog = (argv: string[], cwd = work, keepStdout = false) => run(process.execPath, [BIN, ...argv], { cwd, env, keepStdout });
  const git = (argv: string[], cwd = work) => run('git', argv, { cwd, env });
  const store = path.join(work, 'store');
  const files = manifest.sessions.flatMap((s) => sessionFiles(sessions, s.file));
  const servers: GitHttpServer[] = [];
  try {
    const parseFloor = () => run(process.execPath, ['-e', PARSE_ALL, path.join(work, 'files.txt')], { env });
    fs.writeFileSync(path.join(work, 'files.txt'), files.join('\n'));

    await row('`import claude --all` + `import codex --all` into a new store', async () => {
      const runs = await repeat(
        RUNS,
        () => sequence([() => agentlog(['init', store]), () => importAll('claude', store), () => importAll('codex', store)]),
        () => fs.rmSync(store, { recursive: true, force: true }),
      );
      const floor = summarize(await repeat(RUNS, parseFloor));
      const s = summarize(runs);
      return { agentlog: secs(s.ms), floor: `JSON.parse of every line of every file: ${secs(floor.ms)}`, ratio: ratio(s.ms, floor.ms), memory: bytes(s.rss) };
    });
    if (!fs.existsSync(store)) throw new Error('no store was imported: the other rows need one');

    await row('the same import again, nothing changed', async () => {
      const s = summarize(await repeat(RUNS, () => sequence([() => importAll('claude', store, 0), () => importAll('codex', store, 0)])));
      const floor = summarize(await repeat(RUNS, parseFloor));
      return { agentlog: secs(s.ms), floor: `the same floor: ${secs(floor.ms)}`, ratio: ratio(s.ms, floor.ms), memory: bytes(s.rss) };
    });

    await row('one new turn in one session, then `import claude --all` (what a capture hook would run)', async () => {
      // An ordinary session: the median Claude Code main file.
      const claude = manifest.sessions.filter((s) => s.agent === 'claude').sort((a, b) => a.bytes - b.bytes);
      const file = path.join(sessions, claude[Math.floor(claude.length / 2)].file);
      unlink(file);
      const all: Run[] = [];
      const alone: Run[] = [];
      for (let i = 0; i < RUNS; i++) {
        appendTurn(file, 2 * i);
        all.push(await importAll('claude', store, 2));
        appendTurn(file, 2 * i + 1);
        alone.push(await checkAppended(await agentlog(['import', 'claude', file, '--json', '--store', store], work, true), 2));
      }
      const s = summarize(all);
      const floor = summarize(alone);
      return {
        agentlog: secs(s.ms),
        floor: `importing that turn alone (\`import claude FILE\`): ${secs(floor.ms)}`,
        ratio: ratio(s.ms, floor.ms),
        memory: bytes(s.rss),
      };
    });

    const largest = [...manifest.sessions].sort((a, b) => b.bytes - a.bytes)[0];
    await row(`one append to the largest session (${bytes(largest.bytes)}), ${APPENDS} appends`, async () => {
      const runs = await repeat(APPENDS, (i) => agentlog(['append', largest.timeline, '--role', 'user', '--text', `bench append ${i}`, '--store', store]));
      const repo = path.join(work, 'commit-floor');
      await git(['init', '-q', repo]);
      fs.writeFileSync(path.join(repo, 'f'), '0');
      await git(['add', 'f'], repo);
      await git(['commit', '-q', '-m', '0'], repo);
      const floor = summarize(
        await repeat(
          RUNS,
          () => git(['commit', '-q', '-a', '-m', 'x'], repo),
          (i) => fs.writeFileSync(path.join(repo, 'f'), String(i + 1)),
        ),
      );
      const s = summarize(runs);
      return {
        agentlog: `${secs(s.ms)} median, ${secs(Math.max(...s.all))} max`,
        floor: `a git commit of one blob: ${secs(floor.ms)}`,
        ratio: ratio(s.ms, floor.ms),
        memory: bytes(s.rss),
      };
    });

    // `ls` on stores of 100 and 1,000 timelines (whole sessions fetched from the store with git) and on the store.
    const heads = (await run('git', ['for-each-ref', '--format=%(refname)', 'refs/heads/'], { cwd: store, env, keepStdout: true })).stdout
      .split('\n')
      .filter((r) => r !== '' && r !== STORE_REF); // the store's own branch is no timeline, and is checked out in a new store
    const sizes = [100, 1000].filter((n) => n < heads.length);
    const lsCells: string[] = [];
    const lsFloors: string[] = [];
    const lsMem: string[] = [];
    const lsRatios: string[] = [];
    await row(
      `\`ls\` at ${[...sizes.map((n) => n.toLocaleString('en')), `${heads.length.toLocaleString('en')} (all)`].join(' / ')} timelines, warm`,
      async () => {
        for (const n of [...sizes, heads.length]) {
          const dir = n === heads.length ? store : await subStore(n);
          await agentlog(['ls', '--store', dir]); // warm
          const s = summarize(await repeat(RUNS, () => agentlog(['ls', '--store', dir])));
          const floor = summarize(await repeat(RUNS, () => git(['for-each-ref'], dir)));
          lsCells.push(secs(s.ms));
          lsFloors.push(secs(floor.ms));
          lsRatios.push(ratio(s.ms, floor.ms));
          lsMem.push(bytes(s.rss));
        }
        return {
          agentlog: lsCells.join(' / '),
          floor: `\`git for-each-ref\`: ${lsFloors.join(' / ')}`,
          ratio: lsRatios.join(' / '),
          memory: lsMem.join(' / '),
        };
      },
    );

    /** A store holding the first whole sessions of the store that make at least `n` timelines. */
    async function subStore(n: number): Promise<string> {
      const groups = new Map<string, string[]>();
      for (const r of heads) {
        const key = r.replace(/\..*$/, '');
        groups.set(key, [...(groups.get(key) ?? []), r]);
      }
      const picked: string[] = [];
      for (const g of groups.values()) {
        if (picked.length >= n) break;
        picked.push(...g);
      }
      const dir = path.join(work, `store-${n}`);
      await agentlog(['init', dir]);
      await git(['fetch', '-q', store, ...picked.map((r) => `${r}:${r}`)], dir);
      return dir;
    }

    for (const cmd of ['log', 'show'] as const) {
      await row(`\`${cmd}\` of the largest session, warm / cold cache`, async () => {
        const once = () => agentlog([cmd, largest.timeline, '--store', store]);
        await once();
        const warm = summarize(await repeat(RUNS, once));
        let cant: string | undefined;
        const cold = summarize(
          await repeat(RUNS, once, () => {
            cant = evict(store);
          }),
        );
        if (cant) notes.push(`\`${cmd}\` cold: ${cant}; the cold figure is warm`);
        const gitLog = () => git(['log', '--oneline', `refs/heads/${largest.timeline}`], store);
        await gitLog();
        const floor = summarize(await repeat(RUNS, gitLog));
        return {
          agentlog: `${secs(warm.ms)} / ${secs(cold.ms)}`,
          floor: cmd === 'log' ? `\`git log --oneline\`: ${secs(floor.ms)}` : `the same \`git log --oneline\`: ${secs(floor.ms)}`,
          ratio: `${ratio(warm.ms, floor.ms)} / ${ratio(cold.ms, floor.ms)}`,
          memory: `${bytes(warm.rss)} / ${bytes(cold.rss)}`,
        };
      });
    }

    await row('`verify` (every timeline)', async () => {
      const s = summarize(await repeat(RUNS, () => agentlog(['verify', '--store', store])));
      const floor = summarize(await repeat(RUNS, () => git(['fsck', '--no-progress'], store)));
      return { agentlog: secs(s.ms), floor: `\`git fsck\`: ${secs(floor.ms)}`, ratio: ratio(s.ms, floor.ms), memory: bytes(s.rss) };
    });

    fs.mkdirSync(path.join(work, 'remotes'), { recursive: true });
    const server = await startGitHttpServer(path.join(work, 'remotes'));
    servers.push(server);
    let pushed: string | undefined;
    await row('first `push` of the whole store to an empty smart-HTTP remote (`git http-backend`)', async () => {
      const runs = await repeat(RUNS, async (i) => {
        const url = server.bare(`push-${i}.git`);
        await agentlog(['remote', 'add', `bench${i}`, url, '--store', store]);
        const r = await agentlog(['push', `bench${i}`, '--store', store]);
        pushed ??= url;
        return r;
      });
      const floor = summarize(await repeat(RUNS, (i) => git(['push', '-q', '--mirror', server.bare(`mirror-${i}.git`)], store)));
      const s = summarize(runs);
      return {
        agentlog: secs(s.ms),
        floor: `\`git push --mirror\`: ${secs(floor.ms)}, ${bytes(floor.rss)}`,
        ratio: ratio(s.ms, floor.ms),
        memory: bytes(s.rss),
      };
    });

    await row('`clone` of that remote', async () => {
      if (!pushed) throw new Error('nothing was pushed');
      const url = pushed;
      const s = summarize(await repeat(RUNS, (i) => agentlog(['clone', url, path.join(work, `clone-${i}`)])));
      const floor = summarize(await repeat(RUNS, (i) => git(['clone', '-q', '--mirror', url, path.join(work, `mirror-clone-${i}`)])));
      return {
        agentlog: secs(s.ms),
        floor: `\`git clone --mirror\`: ${secs(floor.ms)}, ${bytes(floor.rss)}`,
        ratio: ratio(s.ms, floor.ms),
        memory: bytes(s.rss),
      };
    });

    await row('`pull` with nothing new', async () => {
      if (!pushed) throw new Error('nothing was pushed');
      const url = pushed;
      const s = summarize(await repeat(RUNS, () => agentlog(['pull', 'bench0', '--store', store])));
      const fetch = () => git(['fetch', '-q', url, '+refs/heads/*:refs/remotes/floor/*'], store);
      await fetch();
      const floor = summarize(await repeat(RUNS, fetch));
      return { agentlog: secs(s.ms), floor: `\`git fetch\`: ${secs(floor.ms)}`, ratio: ratio(s.ms, floor.ms), memory: bytes(s.rss) };
    });

    await row('disk: objects + event cache', async () => {
      const objects = du(path.join(store, '.git', 'objects'));
      const cache = du(path.join(store, '.git', 'agentlog', 'cache'));
      const z = zstdBytes(files);
      const total = objects + cache;
      return {
        agentlog: `${bytes(objects)} + ${bytes(cache)}`,
        floor: `the JSONL: ${bytes(manifest.bytes)}; ${z.what}: ${bytes(z.bytes)}`,
        ratio: `${ratio(total, manifest.bytes)} the JSONL${z.bytes ? `, ${ratio(total, z.bytes)} zstd` : ''}`,
        memory: '',
      };
    });

    await row('disk after `agentlog gc`: objects + event cache', async () => {
      // The full gc merges the store's packs with deltas (core/git/pack/deltaPack.ts); the floor is
      // `git gc` (window 10, depth 50, as ours) of a copy made before it.
      const copy = path.join(work, 'git-gc-copy');
      fs.cpSync(store, copy, { recursive: true });
      const s = await agentlog(['gc', '--store', store]);
      const objects = du(path.join(store, '.git', 'objects'));
      const cache = du(path.join(store, '.git', 'agentlog', 'cache'));
      const g = await git(['gc', '-q'], copy);
      const floor = du(path.join(copy, '.git', 'objects'));
      fs.rmSync(copy, { recursive: true, force: true });
      return {
        agentlog: `${bytes(objects)} + ${bytes(cache)} (the gc: ${secs(s.ms)})`,
        floor: `\`git gc\` of a copy: ${bytes(floor)} objects in ${secs(g.ms)}`,
        ratio: `${ratio(objects + cache, manifest.bytes)} the JSONL; objects ${ratio(objects, floor)} git's`,
        memory: bytes(s.rss),
      };
    });
  } finally {
    for (const s of servers) await s.close();
    if (args.includes('--keep')) log(`scale: kept ${work}`);
    else fs.rmSync(work, { recursive: true, force: true });
  }

  const claude = manifest.sessions.filter((s) => s.agent === 'claude').length;
  const out = [
    `Scale bench: ${manifest.files.toLocaleString('en')} session files (${claude.toLocaleString('en')} Claude Code sessions with ${(manifest.files - manifest.sessions.length).toLocaleString('en')} subagent files, ${(manifest.sessions.length - claude).toLocaleString('en')} Codex rollouts; ${bytes(manifest.bytes)} of JSONL, largest ${bytes(Math.max(...manifest.sessions.map((s) => s.bytes)))}; \`--gb ${gb} --seed ${seed}\`, templates from ${manifest.templates.shared ? '../shared/fixtures' : 'test/fixtures'}). Each figure the median of ${RUNS} runs against its floor in the same run; peak memory of the measured process (the largest of its runs)${TIME_BIN ? '' : ': not measured, /usr/bin/time is not installed'}.`,
    '',
    '| what a user does | agentlog | the floor, same run | ratio | peak memory |',
    '|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.what} | ${r.agentlog} | ${r.floor} | ${r.ratio} | ${r.memory} |`),
    ...(notes.length ? ['', ...notes.map((n) => `- ${n}`)] : []),
    '',
    `(bench ${secs(performance.now() - t0)})`,
  ];
  process.stdout.write(`${out.join('\n')}\n`);
  // The table is printed whole either way; a step that failed makes the run fail (CI runs it).
  const failed = rows.filter((r) => r.agentlog.startsWith('fails:')).length;
  if (failed > 0) {
    process.stderr.write(`bench:scale: ${failed} step(s) failed (rows marked "fails:")\n`);
    process.exitCode = 1;
  }

  /** `import AGENT --all` into `dir`, checked: no warnings, and (when given) the number of events appended. */
  async function importAll(agent: 'claude' | 'codex', dir: string, appended?: number): Promise<Run> {
    return checkAppended(await agentlog(['import', agent, '--all', '--json', '--store', dir], work, true), appended);
  }
}

async function checkAppended(r: Run, appended?: number): Promise<Run> {
  const s = JSON.parse(r.stdout) as { warnings: unknown[]; events: { appended: number } };
  if (s.warnings.length) throw new Error(`import warned ${s.warnings.length} time(s): ${JSON.stringify(s.warnings[0]).slice(0, 200)}`);
  if (appended !== undefined && s.events.appended !== appended) throw new Error(`import appended ${s.events.appended} event(s), not ${appended}`);
  return r;
}

/** A session's main file and its subagent files. */
function sessionFiles(root: string, rel: string): string[] {
  const main = path.join(root, rel);
  const sub = path.join(main.replace(/\.jsonl$/, ''), 'subagents');
  return [main, ...(fs.existsSync(sub) ? fs.readdirSync(sub).map((f) => path.join(sub, f)) : [])];
}

/** Make `file` a copy of its own (not a hard link into the cached corpus) before writing to it. */
function unlink(file: string): void {
  const tmp = `${file}.copy`;
  fs.copyFileSync(file, tmp);
  fs.renameSync(tmp, file);
}

/** One turn (a prompt and an answer) written to a Claude Code main file, after its last message. */
function appendTurn(file: string, n: number): void {
  const lines = fs.readFileSync(file, 'utf8').split('\n').filter(Boolean);
  let last: Record<string, unknown> | undefined;
  for (let i = lines.length - 1; i >= 0 && !last; i--) {
    const v = JSON.parse(lines[i]) as Record<string, unknown>;
    if ((v.type === 'user' || v.type === 'assistant') && v.isSidechain !== true && typeof v.uuid === 'string') last = v;
  }
  if (!last) throw new Error(`${file}: no message to continue`);
  const ts = Date.parse(last.timestamp as string) + 60_000;
  const id = (k: number) => `bbbbbbbb-0000-4000-8000-${String(n * 2 + k).padStart(12, '0')}`;
  const base = { isSidechain: false, userType: 'external', cwd: last.cwd, sessionId: last.sessionId, version: last.version };
  const prompt = {
    parentUuid: last.uuid,
    ...base,
    type: 'user',
    message: { role: 'user', content: `bench turn ${n}: and now?` },
    uuid: id(0),
    timestamp: new Date(ts).toISOString(),
  };
  const answer = {
    parentUuid: id(0),
    ...base,
    type: 'assistant',
    message: { id: `msg_bench${n}`, type: 'message', role: 'assistant', model: 'bench', content: [{ type: 'text', text: `Answer ${n}.` }] },
    uuid: id(1),
    timestamp: new Date(ts + 1000).toISOString(),
  };
  fs.appendFileSync(file, `${JSON.stringify(prompt)}\n${JSON.stringify(answer)}\n`);
}

/** zstd -3 of each file, its bytes added up (the zstd CLI; none when it is not installed). */
function zstdBytes(files: string[]): { bytes: number; what: string } {
  let total = 0;
  for (const f of files) {
    const r = spawnSync('zstd', ['-3', '-c', '-q', f], { maxBuffer: 1 << 30 });
    if (r.error || r.status !== 0) return { bytes: 0, what: `zstd -3 not measured (${r.error?.message ?? r.stderr.toString().trim()})` };
    total += r.stdout.length;
  }
  return { bytes: total, what: 'zstd -3 of each file (zstd CLI)' };
}

/** The floor of an import: every line of every file read and JSON.parse'd, in a new process. */
const PARSE_ALL = `
const fs = require('node:fs');
let n = 0;
for (const f of fs.readFileSync(process.argv[1], 'utf8').split('\\n')) {
  if (!f) continue;
  for (const line of fs.readFileSync(f, 'utf8').split('\\n')) if (line) { JSON.parse(line); n++; }
}
if (n === 0) process.exit(1);
`;

export type { Manifest };

main().catch((e) => {
  process.stderr.write(`bench:scale failed: ${(e as Error).stack}\n`);
  process.exit(1);
});
