/**
 * The show bench (issue 18): `agentlog show` of a Claude Code session of about 40 MB (10,000 records,
 * the capture bench's), as turns, in a new process writing into a pipe, against a new process that
 * reads the session's JSONL file and JSON.parses every line (target: ≤ 2×). Also `show --records` (the
 * record-by-record view) and `show --json` (the reading model as JSON). Medians of 3 runs after a
 * warm-up, wall time and CPU time (user + system). Run by bench.ts (`npm run bench`), or alone: `tsx test/bench/show.ts`.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { importFiles } from '../../core/import/index.js';
import { Store } from '../../core/store/store.js';
import { record, SESSION } from './capture.js';
import { mulberry32 } from './events.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = path.join(ROOT, 'cli/bin/agentlog.js');

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/**
 * A new Node process running `args` in `cwd`, its stdout drained through a pipe: its wall time, the
 * CPU time it used (user + system, which the other processes of a busy machine do not inflate, as
 * they do the wall time), and its output's size.
 */
function timeProcess(cwd: string, args: string[], preload: string): { ms: number; cpuMs: number; bytes: number } {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['--require', preload, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 30 });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${args.join(' ')}: exit ${r.status}: ${r.stderr}`);
  const cpu = /\ncpu-us (\d+)\n/.exec(`\n${r.stderr}`);
  if (!cpu) throw new Error(`${args.join(' ')}: no CPU time reported`);
  return { ms, cpuMs: Number(cpu[1]) / 1000, bytes: r.stdout.length };
}

export async function benchShow(opts: { dir: string; records?: number; log?: (s: string) => void }): Promise<Record<string, number>> {
  const n = opts.records ?? 10_000;
  const log = opts.log ?? (() => {});
  const work = fs.mkdtempSync(path.join(opts.dir, 'show-'));
  const rnd = mulberry32(7);
  const file = path.join(work, `${SESSION}.jsonl`);
  const lines: string[] = [];
  for (let i = 0; i < n; i++) lines.push(JSON.stringify(record(i, rnd)));
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  const bytes = fs.statSync(file).size;
  const storeDir = path.join(work, 'store');
  const store = Store.init(storeDir).store;
  await importFiles(store, 'claude', [file]);
  const name = `claude/${SESSION}`;
  // Each process reports the CPU time it used when it exits.
  const preload = path.join(work, 'cpu.cjs');
  fs.writeFileSync(
    preload,
    "process.on('exit', () => { const u = process.cpuUsage(); require('fs').writeSync(2, '\\ncpu-us ' + (u.user + u.system) + '\\n'); });\n",
  );
  const parseScript = `const fs=require('fs');let n=0;for(const l of fs.readFileSync(${JSON.stringify(file)},'utf8').split('\\n')){if(l){JSON.parse(l);n++}}if(n!==${n})throw new Error('count '+n)`;
  const runs = (args: string[]) => {
    timeProcess(storeDir, args, preload); // warm-up: the event cache is built by the first read
    const r = [0, 1, 2].map(() => timeProcess(storeDir, args, preload));
    return { ms: median(r.map((x) => x.ms)), cpu: median(r.map((x) => x.cpuMs)), bytes: r[0].bytes };
  };
  const parse = runs(['-e', parseScript]);
  const show = runs([BIN, 'show', name]);
  const records = runs([BIN, 'show', name, '--records']);
  const json = runs([BIN, 'show', name, '--json']);
  if (!process.env.SHOW_BENCH_KEEP) fs.rmSync(work, { recursive: true, force: true });
  else log(`kept ${work}`);
  const r2 = (x: number) => Math.round(x * 100) / 100;
  const figures = {
    show_session_bytes: bytes,
    show_ms: Math.round(show.ms),
    show_jsonl_parse_ms: Math.round(parse.ms),
    show_vs_jsonl_parse: r2(show.ms / parse.ms),
    show_cpu_ms: Math.round(show.cpu),
    show_jsonl_parse_cpu_ms: Math.round(parse.cpu),
    show_cpu_vs_jsonl_parse: r2(show.cpu / parse.cpu),
    show_records_cpu_vs_jsonl_parse: r2(records.cpu / parse.cpu),
    show_json_cpu_vs_jsonl_parse: r2(json.cpu / parse.cpu),
    show_output_bytes: show.bytes,
  };
  log(
    `show             a ${(bytes / 1e6).toFixed(1)} MB session as turns (new process): ${figures.show_ms} ms, ${figures.show_cpu_ms} ms CPU   vs JSON.parse of its file (new process) ${figures.show_jsonl_parse_ms} ms, ${figures.show_jsonl_parse_cpu_ms} ms CPU   ratios ${figures.show_vs_jsonl_parse} wall, ${figures.show_cpu_vs_jsonl_parse} CPU (target ≤ 2)`,
  );
  log(
    `                 CPU ratios of --records ${figures.show_records_cpu_vs_jsonl_parse}, --json ${figures.show_json_cpu_vs_jsonl_parse}; output ${(show.bytes / 1e6).toFixed(1)} MB`,
  );
  return figures;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dir = path.join(ROOT, '.bench');
  fs.mkdirSync(dir, { recursive: true });
  benchShow({ dir, log: (s) => process.stderr.write(`${s}\n`) }).then((f) => process.stdout.write(`${JSON.stringify(f)}\n`));
}
