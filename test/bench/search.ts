/**
 * Search at a heavy user's scale (issue 14): the scale corpus (scale/corpus.ts) imported into a
 * store, then, in the same run:
 *   - the first `agentlog search` (it builds the index) and a warm one, against `grep -r -i -l` for
 *     the same word over the same JSONL files (target: a warm search at most 0.1× that grep);
 *   - the index update after 100 appends, against the 100 appends themselves (in-process both).
 *
 *   tsx test/bench/search.ts [--gb N] [--seed S] [--store DIR]   (default 0.1 GB; the size is --gb 1)
 *
 * --store DIR keeps the imported store in DIR and uses it again in the next run (the import of 0.1 GB
 * takes minutes on a loaded machine): its search index is deleted first, so the first search builds
 * it; the 100 appends of each run stay in it.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { search, updateIndex } from '../../core/search/index.js';
import { Store } from '../../core/store/store.js';
import { ensureCorpus, sizeFlags } from './scale/corpus.js';
import { du, run, summarize } from './scale/measure.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = path.join(ROOT, 'cli/bin/agentlog.js');
const RUNS = 3;
const WORDS = ['migration', 'permission denied', 'typescript'];

const log = (s: string) => process.stderr.write(`${s}\n`);
const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

async function main() {
  const args = process.argv.slice(2);
  const { gb, seed } = sizeFlags(args.includes('--gb') ? args : [...args, '--gb', '0.1']);
  const { dir: corpus, manifest } = ensureCorpus(gb, seed, log);
  log(`search bench: corpus ${corpus}: ${manifest.sessions.length} sessions, ${manifest.files} files, ${(manifest.bytes / 1e6).toFixed(0)} MB`);
  const tsc = spawnSync(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', path.join(ROOT, 'tsconfig.json')], { stdio: 'inherit' });
  if (tsc.status !== 0) throw new Error('tsc failed');
  fs.mkdirSync(path.join(ROOT, '.bench'), { recursive: true });
  const work = fs.mkdtempSync(path.join(ROOT, '.bench', 'search-'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: work,
    CLAUDE_CONFIG_DIR: path.join(corpus, 'claude'),
    CODEX_HOME: path.join(corpus, 'codex'),
    AGENTLOG_STORE: '',
    GIT_CONFIG_NOSYSTEM: '1',
  };
  const kept = args.includes('--store') ? path.resolve(args[args.indexOf('--store') + 1]) : undefined;
  const store = kept ?? path.join(work, 'store');
  // Exit 1: no event holds the words (a query may have no hits in a corpus).
  const agentlog = (argv: string[]) => run(process.execPath, [BIN, ...argv, '--store', store], { cwd: work, env, okCodes: [1] });
  try {
    if (kept && fs.existsSync(path.join(store, '.git'))) {
      log(`store ${store} imported before`);
      fs.rmSync(path.join(store, '.git', 'agentlog', 'search'), { recursive: true, force: true });
    } else {
      await run(process.execPath, [BIN, 'init', store], { cwd: work, env });
      const imported = summarize([await agentlog(['import', 'claude', '--all']), await agentlog(['import', 'codex', '--all'])]);
      log(`imported in ${secs(imported.ms)}`);
    }

    const first = await agentlog(['search', WORDS[0], '--limit', '10']);
    const index = path.join(store, '.git', 'agentlog', 'search');
    log(
      `| first search (builds the index) | ${secs(first.ms)} | peak RSS ${((first.rss ?? 0) / 1e6).toFixed(0)} MB | index ${(du(index) / 1e6).toFixed(0)} MB |`,
    );
    // What any command costs before it does anything: node and the CLI's modules loaded.
    const start = summarize(await sequenceOf(RUNS, () => agentlog(['--help'])));
    log(`| \`agentlog --help\` (process start, the floor of every command) | ${secs(start.ms)} |`);
    const s = Store.open(store);
    for (const word of WORDS) {
      const warm = summarize(await sequenceOf(RUNS, () => agentlog(['search', word, '--limit', '10'])));
      const grep = summarize(
        await sequenceOf(RUNS, () =>
          run('grep', ['-r', '-i', '-l', '-F', word, corpus], { env, okCodes: [1] }).catch((e) => ({ ms: Number.NaN, stdout: '', stderr: String(e) })),
        ),
      );
      const t = performance.now();
      for (let i = 0; i < RUNS; i++) search(s, word, { limit: 10 });
      const inProcess = (performance.now() - t) / RUNS;
      log(
        `| warm \`search ${word}\` | ${secs(warm.ms)} | grep -r over the JSONL: ${secs(grep.ms)} | ratio ${(warm.ms / grep.ms).toFixed(2)}× | in-process (no process start) ${secs(inProcess)}: ${(inProcess / grep.ms).toFixed(2)}× | peak RSS ${((warm.rss ?? 0) / 1e6).toFixed(0)} MB |`,
      );
    }

    // 100 appends, then the index update, in-process.
    const name = [...s.timelines().keys()][0];
    const before = search(s, 'zanzibar', { limit: 1 }).total; // a kept store holds earlier runs' appends
    const t0 = performance.now();
    for (let i = 0; i < 100; i++)
      await s.append(name, { kind: 'message', role: 'user', ts: Date.now(), content: [{ type: 'text', text: `bench note ${i} about zanzibar` }] });
    const appendMs = performance.now() - t0;
    const t1 = performance.now();
    const u = updateIndex(s);
    const updateMs = performance.now() - t1;
    const t2 = performance.now();
    const found = search(s, 'zanzibar', { limit: 200 });
    const queryMs = performance.now() - t2;
    if (u.indexed !== 100 || found.total !== before + 100)
      throw new Error(`the update indexed ${u.indexed} events and the search found ${found.total - before} new ones, not 100`);
    log(
      `| index update after 100 appends | ${secs(updateMs)} | the 100 appends: ${secs(appendMs)} | ratio ${(updateMs / appendMs).toFixed(2)}× | then an in-process query: ${secs(queryMs)} |`,
    );
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

async function sequenceOf<T>(n: number, once: () => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < n; i++) out.push(await once());
  return out;
}

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 1;
});
