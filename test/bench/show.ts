/**
 * The show bench (issue 18): `agentlog show` of a Claude Code session of about 40 MB (10,000 records,
 * the capture bench's), as turns, in a new process writing into a pipe, against a new process that
 * reads the session's JSONL file and JSON.parses every line (target: ≤ 2×). Also `show --records` (the
 * record-by-record view) and `show --json` (the reading model as JSON). Medians of 3 runs after a
 * warm-up. Run by bench.ts (`npm run bench`), or alone: `tsx test/bench/show.ts`.
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

/** Wall time of a new Node process running `args` in `cwd`, its stdout drained through a pipe; and its output size. */
function timeProcess(cwd: string, args: string[]): { ms: number; bytes: number } {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 30 });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${args.join(' ')}: exit ${r.status}: ${r.stderr}`);
  return { ms, bytes: r.stdout.length };
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
  const parseScript = `const fs=require('fs');let n=0;for(const l of fs.readFileSync(${JSON.stringify(file)},'utf8').split('\\n')){if(l){JSON.parse(l);n++}}if(n!==${n})throw new Error('count '+n)`;
  const runs = (args: string[]) => {
    timeProcess(storeDir, args); // warm-up: the event cache is built by the first read
    return median([0, 1, 2].map(() => timeProcess(storeDir, args).ms));
  };
  const parse_ms = runs(['-e', parseScript]);
  const show_ms = runs([BIN, 'show', name]);
  const records_ms = runs([BIN, 'show', name, '--records']);
  const json_ms = runs([BIN, 'show', name, '--json']);
  const out = timeProcess(storeDir, [BIN, 'show', name]).bytes;
  if (!process.env.SHOW_BENCH_KEEP) fs.rmSync(work, { recursive: true, force: true });
  else log(`kept ${work}`);
  const r2 = (x: number) => Math.round(x * 100) / 100;
  const figures = {
    show_session_bytes: bytes,
    show_ms: Math.round(show_ms),
    show_jsonl_parse_ms: Math.round(parse_ms),
    show_vs_jsonl_parse: r2(show_ms / parse_ms),
    show_records_ms: Math.round(records_ms),
    show_records_vs_jsonl_parse: r2(records_ms / parse_ms),
    show_json_ms: Math.round(json_ms),
    show_json_vs_jsonl_parse: r2(json_ms / parse_ms),
    show_output_bytes: out,
  };
  log(
    `show             a ${(bytes / 1e6).toFixed(1)} MB session as turns: ${figures.show_ms} ms (new process)   vs JSON.parse of its file ${figures.show_jsonl_parse_ms} ms (new process)   ratio ${figures.show_vs_jsonl_parse} (target ≤ 2)`,
  );
  log(
    `                 --records ${figures.show_records_ms} ms (ratio ${figures.show_records_vs_jsonl_parse}), --json ${figures.show_json_ms} ms (ratio ${figures.show_json_vs_jsonl_parse})`,
  );
  return figures;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dir = path.join(ROOT, '.bench');
  fs.mkdirSync(dir, { recursive: true });
  benchShow({ dir, log: (s) => process.stderr.write(`${s}\n`) }).then((f) => process.stdout.write(`${JSON.stringify(f)}\n`));
}
