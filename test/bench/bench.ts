/**
 * npm run bench [-- --json] [-- --events N] [-- --dir DIR] [-- --keep] [-- --no-sync] [-- --no-capture] [-- --no-agent] [-- --no-show] [-- --no-panel] [-- --no-workspace] [-- --no-langgraph]
 *
 * Figures as ratios against baselines measured in the same run on the same events:
 * - append_per_s (store API, one commit per event, whole log in the tree, each append awaited
 *   before the next), append_pipelined_per_s (the same, not awaited one by one: the store writes
 *   waiting appends together) and cli_append_jsonl_per_s (`agentlog append --json FILE`) vs
 *   fast_import_per_s (the same events streamed through `git fast-import`, same paths), and
 *   fs_floor_per_s: only the file operations one published append needs, no other work;
 * - open_10k_cold_ms / open_10k_warm_ms (a new process reads and decodes every event) vs
 *   jsonl_parse_10k_ms (JSON.parse of every line of the same session as JSONL);
 * - bytes on disk, loose and after `git gc`, vs the JSONL's size;
 * - capture_turn_vs_append (capture.ts): one turn of a 40 MB Claude Code session captured as a hook
 *   does, vs appending its events alone.
 * - show_vs_jsonl_parse (show.ts): `agentlog show` of a 40 MB Claude Code session as turns, vs
 *   JSON.parse of its file, each in a new process.
 * - agent_overhead_vs_append (agent.ts): the `run` loop's own time per step (everything but the model
 *   and the tool) vs appending the step's events alone.
 * - panel_open_vs_jsonl_parse (panel.ts): the VS Code panel's first page of a 2,400-event session as
 *   turns (host side), vs JSON.parse of its file.
 * - workspace_checkpoint_vs_git (workspace.ts): a checkpoint of a 10,000-file workspace after a
 *   one-file change vs `git add -A && git write-tree` on the same folder.
 * - langgraph_put_get_vs_sqlite, langgraph_list_vs_sqlite (test/langgraph/bench.ts): @agentlog/langgraph's saver vs
 *   LangGraph's SQLite saver on the same 1,000-step graph: put+getTuple per step, list() of the thread.
 */
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Store, eventPath, type StoreOptions } from '../../core/store/store.js';
import { encode } from '../../core/codec/dagcbor.js';
import { makeEvents } from './events.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const args = process.argv.slice(2);
const asJson = args.includes('--json');
const N = Number(args[args.indexOf('--events') + 1]) || 10_000;
const log = (s: string) => process.stderr.write(`${s}\n`);

function du(dir: string): number {
  let total = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    total += e.isDirectory() ? du(p) : fs.statSync(p).size;
  }
  return total;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Time a child process that opens the store and reads every event (cold: a new process). */
function openInChild(storeDir: string, name: string): Promise<number> {
  const script = `
    const { Store } = await import(${JSON.stringify(pathToFileURL(path.join(ROOT, 'dist/core/index.js')).href)});
    const t0 = performance.now();
    const store = Store.open(${JSON.stringify(storeDir)});
    const events = store.readEvents(store.tipOf(${JSON.stringify(name)}));
    const ms = performance.now() - t0;
    if (events.length !== ${N}) throw new Error('read ' + events.length);
    process.stdout.write(String(ms));
  `;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('close', (code) => (code === 0 ? resolve(Number(out)) : reject(new Error(`reader exited ${code}`))));
  });
}

async function main() {
  // In the repository's .bench/ (git-ignored) by default, where a store would live: on some machines
  // the system temp folder creates files many times slower than the rest of the same disk.
  const base = args.includes('--dir') ? args[args.indexOf('--dir') + 1] : path.join(ROOT, '.bench');
  fs.mkdirSync(base, { recursive: true });
  const work = fs.mkdtempSync(path.join(base, 'agentlog-bench-'));
  try {
    log(`bench: ${N} events in ${work}`);
    const events = makeEvents(N);

    // Baseline: the same session as JSONL, parsed line by line.
    const jsonlFile = path.join(work, 'session.jsonl');
    fs.writeFileSync(jsonlFile, `${events.map((e) => JSON.stringify(e)).join('\n')}\n`);
    const jsonlBytes = fs.statSync(jsonlFile).size;
    const parseRuns: number[] = [];
    for (let r = 0; r < 3; r++) {
      const t0 = performance.now();
      const text = fs.readFileSync(jsonlFile, 'utf8');
      let count = 0;
      for (const line of text.split('\n')) {
        if (!line) continue;
        JSON.parse(line);
        count++;
      }
      parseRuns.push(performance.now() - t0);
      if (count !== N) throw new Error('jsonl count');
    }
    const jsonl_parse_10k_ms = median(parseRuns);

    // Baseline: git fast-import of the same events, one commit per event, same fan-out.
    const fiDir = path.join(work, 'fast-import');
    execFileSync('git', ['init', '-q', '--bare', fiDir]);
    const chunks: Buffer[] = [];
    for (let seq = 0; seq < N; seq++) {
      const bytes = Buffer.from(encode({ ...events[seq], v: 1, seq, prev: null }));
      const file = eventPath(seq).join('/');
      const msg = `event ${seq}\n\nAgentlog-Seq: ${seq}\n`;
      chunks.push(
        Buffer.from(
          `commit refs/heads/talk\nauthor bench <bench@agentlog> ${1_750_000_000 + seq} +0000\ncommitter bench <bench@agentlog> ${1_750_000_000 + seq} +0000\ndata ${Buffer.byteLength(msg)}\n${msg}M 100644 inline events/${file}\ndata ${bytes.length}\n`,
        ),
        bytes,
        Buffer.from('\n'),
      );
    }
    const stream = Buffer.concat(chunks);
    let t0 = performance.now();
    execFileSync('git', ['fast-import', '--quiet'], { cwd: fiDir, input: stream, maxBuffer: 1 << 30 });
    const fast_import_per_s = N / ((performance.now() - t0) / 1000);
    const fiFiles = execFileSync('git', ['ls-tree', '-r', '--name-only', 'talk'], { cwd: fiDir, maxBuffer: 1 << 30 })
      .toString()
      .split('\n')
      .filter(Boolean).length;
    if (fiFiles !== N) throw new Error(`fast-import baseline: the tip tree holds ${fiFiles} files, not ${N}`);

    // The floor for appends awaited one by one: the file operations that publishing one commit
    // needs in git's formats, with no other work — a pack (sized as the event plus its trees and
    // commit) and its index written, then the branch moved under its lock (lock file, rename).
    const floorDir = path.join(work, 'fs-floor');
    fs.mkdirSync(path.join(floorDir, 'pack'), { recursive: true });
    fs.writeFileSync(path.join(floorDir, 'ref'), `${'0'.repeat(40)}\n`);
    const eventSizes = events.map((e, seq) => encode({ ...e, v: 1, seq, prev: null }).length);
    const idxBody = Buffer.alloc(1072 + 7 * 28 + 40);
    const refBody = Buffer.from(`${'1'.repeat(40)}\n`);
    t0 = performance.now();
    for (let i = 0; i < N; i++) {
      const base = path.join(floorDir, 'pack', `pack-${i}`);
      let fd = fs.openSync(`${base}.pack`, 'wx');
      fs.writeSync(fd, Buffer.alloc(eventSizes[i] + 1300));
      fs.closeSync(fd);
      fd = fs.openSync(`${base}.tmp`, 'w');
      fs.writeSync(fd, idxBody);
      fs.closeSync(fd);
      fs.renameSync(`${base}.tmp`, `${base}.idx`);
      fd = fs.openSync(path.join(floorDir, 'ref.lock'), 'wx');
      fs.writeSync(fd, refBody);
      fs.closeSync(fd);
      fs.renameSync(path.join(floorDir, 'ref.lock'), path.join(floorDir, 'ref'));
    }
    const fs_floor_per_s = N / ((performance.now() - t0) / 1000);
    // Not deleted until the end: deleting 20,000 files makes the disk busy for a while after.

    /**
     * Every event appended to a new store in `dir` through the store API (one commit per event),
     * timed from the genesis: each append awaited before the next, or (`pipelined`) all handed over
     * without awaiting each. Returns events/s.
     */
    async function timeAppends(dir: string, storeOptions: StoreOptions, pipelined: boolean): Promise<number> {
      const { store } = Store.init(dir, storeOptions);
      const progress = !pipelined && !asJson && process.stderr.isTTY;
      const t0 = performance.now();
      await store.create('talk', events[0]);
      if (pipelined) {
        const pending = [];
        for (let i = 1; i < N; i++) pending.push(store.append('talk', events[i]));
        await Promise.all(pending);
      } else {
        for (let i = 1; i < N; i++) {
          await store.append('talk', events[i]);
          if (progress && i % 1000 === 0) process.stderr.write(`\r  appended ${i}/${N}`);
        }
      }
      const perSecond = N / ((performance.now() - t0) / 1000);
      if (progress) process.stderr.write('\r');
      return perSecond;
    }

    // agentlog: single-event appends through the store API.
    const storeDir = path.join(work, 'store');
    const append_per_s = await timeAppends(storeDir, {}, false);
    // The same with five loose objects per append (the simpler layout), for comparison.
    const append_loose_per_s = await timeAppends(path.join(work, 'store-loose'), { objectWrites: 'loose' }, false);
    // Pipelined: the same appends made without awaiting each one, as `agentlog append --json` and
    // imports make them. Still one commit per event; the store writes the appends waiting together
    // (one pack, one move of the branch per batch of up to 1,000).
    const pipeDir = path.join(work, 'store-pipelined');
    const append_pipelined_per_s = await timeAppends(pipeDir, {}, true);
    const pipeCommits = Number(execFileSync('git', ['rev-list', '--count', 'talk'], { cwd: pipeDir }).toString());
    if (pipeCommits !== N) throw new Error(`pipelined appends made ${pipeCommits} commits, not ${N}`);
    // The CLI end to end: a new process reads the JSONL and prints each CID.
    const cliDir = path.join(work, 'store-cli');
    const bin = path.join(ROOT, 'cli/bin/agentlog.js');
    execFileSync(process.execPath, [bin, 'init', cliDir], { stdio: 'ignore' });
    execFileSync(process.execPath, [bin, 'new', '--name', 'talk', '--store', cliDir], { stdio: 'ignore' });
    const cliInput = path.join(work, 'append.jsonl');
    fs.writeFileSync(
      cliInput,
      `${events
        .slice(1)
        .map((e) => JSON.stringify(e))
        .join('\n')}\n`,
    );
    t0 = performance.now();
    const cliOut = execFileSync(process.execPath, [bin, 'append', 'talk', '--json', cliInput, '--store', cliDir], { maxBuffer: 1 << 30 }).toString();
    const cli_append_jsonl_per_s = (N - 1) / ((performance.now() - t0) / 1000);
    if (cliOut.trim().split('\n').length !== N - 1) throw new Error('agentlog append --json printed the wrong number of CIDs');
    const loose_bytes = du(path.join(storeDir, '.git', 'objects'));

    // Reading: a new process each time. Cold from loose objects, then packed after git gc.
    const open_10k_cold_loose_ms = await openInChild(storeDir, 'talk');
    execFileSync('git', ['gc', '-q'], { cwd: storeDir });
    const packed_bytes = du(path.join(storeDir, '.git', 'objects'));
    const open_10k_cold_ms = await openInChild(storeDir, 'talk');
    execFileSync('git', ['repack', '-a', '-d', '-f', '-q'], { cwd: storeDir });
    const repacked_bytes = du(path.join(storeDir, '.git', 'objects'));
    const warm: number[] = [];
    for (let r = 0; r < 3; r++) warm.push(await openInChild(storeDir, 'talk'));
    const open_10k_warm_ms = median(warm);

    const figures: Record<string, number> = {
      events: N,
      append_per_s: Math.round(append_per_s),
      fast_import_per_s: Math.round(fast_import_per_s),
      append_vs_fast_import: round(append_per_s / fast_import_per_s),
      append_loose_per_s: Math.round(append_loose_per_s),
      fs_floor_per_s: Math.round(fs_floor_per_s),
      append_vs_fs_floor: round(append_per_s / fs_floor_per_s),
      fs_floor_vs_fast_import: round(fs_floor_per_s / fast_import_per_s),
      append_pipelined_per_s: Math.round(append_pipelined_per_s),
      append_pipelined_vs_fast_import: round(append_pipelined_per_s / fast_import_per_s),
      cli_append_jsonl_per_s: Math.round(cli_append_jsonl_per_s),
      cli_append_vs_fast_import: round(cli_append_jsonl_per_s / fast_import_per_s),
      jsonl_parse_10k_ms: Math.round(jsonl_parse_10k_ms),
      open_10k_cold_ms: Math.round(open_10k_cold_ms),
      open_10k_cold_loose_ms: Math.round(open_10k_cold_loose_ms),
      open_10k_warm_ms: Math.round(open_10k_warm_ms),
      warm_vs_jsonl_parse: round(open_10k_warm_ms / jsonl_parse_10k_ms),
      jsonl_bytes: jsonlBytes,
      loose_bytes,
      packed_bytes,
      loose_vs_jsonl: round(loose_bytes / jsonlBytes),
      packed_vs_jsonl: round(packed_bytes / jsonlBytes),
      repacked_bytes,
      repacked_vs_jsonl: round(repacked_bytes / jsonlBytes),
    };

    const syncBench = path.join(ROOT, 'test/bench/sync.ts');
    if (fs.existsSync(syncBench) && !args.includes('--no-sync')) {
      const mod = (await import(pathToFileURL(syncBench).href)) as { benchSync?: (o: Record<string, unknown>) => Promise<Record<string, number>> };
      if (mod.benchSync) Object.assign(figures, await mod.benchSync({ events: N, dir: work, log }));
    }

    // Capture: one turn of a 40 MB session, as a hook captures it, against appending its events alone.
    if (!args.includes('--no-capture')) {
      const { benchCapture } = await import('./capture.js');
      Object.assign(figures, await benchCapture({ dir: work, log: asJson ? undefined : log }));
    }

    // The agent loop: its own cost per step, against the appends of the same events alone.
    if (!args.includes('--no-agent')) {
      const { benchAgent } = await import('./agent.js');
      Object.assign(figures, await benchAgent({ dir: work, log: asJson ? undefined : log }));
    }

    // Reading a session as turns: `agentlog show` of a 40 MB session, against JSON.parse of its file.
    if (!args.includes('--no-show')) {
      const { benchShow } = await import('./show.js');
      Object.assign(figures, await benchShow({ dir: work, log: asJson ? undefined : log }));
    }

    // The VS Code panel: a 2,400-event session's first page as turns, against JSON.parse of its file.
    if (!args.includes('--no-panel')) {
      // panel.ts belongs to the extension's test project (it reads the extension's code): imported by name here.
      const panelBench = './panel.js';
      const { benchPanel } = (await import(panelBench)) as { benchPanel(o: { dir: string; log?: (s: string) => void }): Promise<Record<string, number>> };
      Object.assign(figures, await benchPanel({ dir: work, log: asJson ? undefined : log }));
    }

    // Workspace checkpoints: a 10,000-file folder after a one-file change, against git add -A && git write-tree.
    if (!args.includes('--no-workspace')) {
      const { benchWorkspace } = await import('./workspace.js');
      Object.assign(figures, await benchWorkspace({ dir: work, log: asJson ? undefined : log }));
    }

    // LangGraph: AgentlogSaver vs LangGraph's SQLite saver on the same 1,000-step graph.
    if (!args.includes('--no-langgraph')) {
      try {
        // By a computed URL: it belongs to packages/langgraph's TypeScript project, not to this one.
        const mod = (await import(pathToFileURL(path.join(ROOT, 'test/langgraph/bench.ts')).href)) as {
          benchLangGraph: (o: { dir: string; log?: (s: string) => void }) => Promise<Record<string, number>>;
        };
        Object.assign(figures, await mod.benchLangGraph({ dir: work, log: asJson ? undefined : log }));
      } catch (e) {
        // better-sqlite3 is a native module npm 11 does not build unasked (its install script is not approved).
        if (!/bindings|better_sqlite3|better-sqlite3/i.test(String((e as Error).message))) throw e;
        log(
          'langgraph: skipped: the SQLite saver needs better-sqlite3 built here: (cd node_modules/better-sqlite3 && npx node-gyp rebuild --release --nodedir=/usr)',
        );
      }
    }

    // Secrets: a scan of the same 10,000 events, against reading them (issue 13).
    if (!args.includes('--no-secrets')) {
      const { benchSecrets } = await import('./secrets.js');
      Object.assign(figures, await benchSecrets({ dir: work, events: N, log: asJson ? undefined : log }));
    }

    if (!asJson) {
      log('');
      log(
        `append           ${figures.append_per_s} events/s one at a time (each awaited)   vs git fast-import ${figures.fast_import_per_s}/s   ratio ${figures.append_vs_fast_import} (target ≥ 1)`,
      );
      log(
        `                 floor for one-at-a-time: the file operations alone (pack + index + lock/rename of the ref) ${figures.fs_floor_per_s}/s   ratio to fast-import ${figures.fs_floor_vs_fast_import}`,
      );
      log(
        `                 ${figures.append_pipelined_per_s} events/s pipelined (not awaited one by one; a commit each, written in batches)   ratio ${figures.append_pipelined_vs_fast_import}`,
      );
      log(
        `                 ${figures.cli_append_jsonl_per_s} events/s through \`agentlog append --json FILE\` (new process, JSONL parsed, CIDs printed)   ratio ${figures.cli_append_vs_fast_import}`,
      );
      log(`                 (one at a time with five loose objects per append instead of one pack: ${figures.append_loose_per_s}/s)`);
      log(
        `open (new proc)  cold ${figures.open_10k_cold_ms} ms packed, ${figures.open_10k_cold_loose_ms} ms loose; warm ${figures.open_10k_warm_ms} ms (target cold ≤ 1000)`,
      );
      log(`                 vs JSON.parse of the JSONL ${figures.jsonl_parse_10k_ms} ms   warm ratio ${figures.warm_vs_jsonl_parse} (target ≤ 1.5)`);
      log(
        `disk (objects)   as appended ${mb(loose_bytes)}, after git gc ${mb(packed_bytes)}, JSONL ${mb(jsonlBytes)}   ratios ${figures.loose_vs_jsonl} / ${figures.packed_vs_jsonl}`,
      );
      log(`                 after git repack -a -d -f (deltas recomputed) ${mb(repacked_bytes)}, ratio ${figures.repacked_vs_jsonl}`);
      for (const [k, v] of Object.entries(figures))
        if (!/append|open|jsonl|bytes|events|vs|floor|agent|show|workspace|panel|secrets/.test(k)) log(`${k.padEnd(16)} ${v}`);
    }
    process.stdout.write(`${JSON.stringify(figures)}\n`);
  } finally {
    if (args.includes('--keep')) log(`kept ${work}`);
    else fs.rmSync(work, { recursive: true, force: true });
  }
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

function mb(n: number): string {
  return `${(n / 1e6).toFixed(1)} MB`;
}

main().catch((e) => {
  process.stderr.write(`bench failed: ${(e as Error).stack}\n`);
  process.exit(1);
});
