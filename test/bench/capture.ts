/**
 * The capture bench (issue 9 point 4): a Claude Code session of about 40 MB (10,000 records), one new
 * turn (a prompt and an answer) written to it, captured the way a hook does (core/capture/captureFile),
 * against the floor of appending those two events alone to a copy of the same store (store.append),
 * and against what a hook cost before capture: importing the whole file again (importFiles).
 * Medians of 3 turns. Run by bench.ts (`npm run bench`), or alone: `tsx test/bench/capture.ts`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { captureFile } from '../../core/capture/captureFile.js';
import { claudeEvent } from '../../core/formats/claude/toEvents.js';
import { importFiles } from '../../core/import/index.js';
import { Store } from '../../core/store/store.js';
import { makeEvent, mulberry32 } from './events.js';

export const SESSION = '5e551014-0000-4000-8000-00000000be9c';

/** Record `i` of the session, child of record `i - 1` (a uuid chain, as Claude Code writes one). */
export function record(i: number, rnd: () => number): Record<string, unknown> {
  const e = makeEvent(i + 1, rnd);
  const role = e.role as string;
  return {
    parentUuid: i === 0 ? null : uuid(i - 1),
    isSidechain: false,
    userType: 'external',
    cwd: '/work/project',
    sessionId: SESSION,
    version: '2.1.332',
    type: role,
    message: role === 'assistant' ? { id: `msg_${i}`, type: 'message', role, model: 'bench-model', content: e.content } : { role, content: e.content },
    uuid: uuid(i),
    timestamp: new Date(e.ts as number).toISOString(),
  };
}

const uuid = (i: number) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

export async function benchCapture(opts: { dir: string; records?: number; log?: (s: string) => void }): Promise<Record<string, number>> {
  const n = opts.records ?? 10_000;
  const log = opts.log ?? (() => {});
  const work = fs.mkdtempSync(path.join(opts.dir, 'capture-'));
  const rnd = mulberry32(7);
  const file = path.join(work, `${SESSION}.jsonl`);
  const lines: string[] = [];
  for (let i = 0; i < n; i++) lines.push(JSON.stringify(record(i, rnd)));
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  const session_bytes = fs.statSync(file).size;
  log(`capture: a ${(session_bytes / 1e6).toFixed(1)} MB session of ${n} records`);
  const storeDir = path.join(work, 'store');
  const store = Store.init(storeDir).store;
  let t0 = performance.now();
  const first = await captureFile(store, 'claude', file);
  const capture_first_ms = performance.now() - t0;
  if (first.mode !== 'full') throw new Error(`first capture: ${first.mode}`);
  const name = `claude/${SESSION}`;
  const capture: number[] = [];
  const floor: number[] = [];
  let next = n;
  for (let turn = 0; turn < 3; turn++) {
    // The floor: the same two events appended alone, on a copy of the store as it is before the turn.
    const copy = path.join(work, `floor-${turn}`);
    fs.cpSync(storeDir, copy, { recursive: true });
    const added = [record(next, rnd), record(next + 1, rnd)];
    next += 2;
    fs.appendFileSync(file, `${added.map((r) => JSON.stringify(r)).join('\n')}\n`);
    // Each side on a store object opened just before (a hook is a new process), timed without the open.
    const hooked = Store.open(storeDir);
    t0 = performance.now();
    const r = await captureFile(hooked, 'claude', file);
    capture.push(performance.now() - t0);
    if (r.mode !== 'incremental' || r.appended !== 2) throw new Error(`turn ${turn}: ${r.mode}, ${r.appended} event(s)`);
    const other = Store.open(copy);
    const events = added.map((v) => claudeEvent(v as never, Date.parse(v.timestamp as string)));
    t0 = performance.now();
    const tip = other.tipOf(name)!;
    let seq = other.commitInfo(tip).seq;
    for (const e of events) await other.append(name, e, { seq: ++seq });
    floor.push(performance.now() - t0);
    if (other.tipOf(name) !== Store.open(storeDir).tipOf(name)) throw new Error('the floor store and the captured store differ');
  }
  // What a hook cost before capture: the whole file imported again for one turn.
  const before = path.join(work, 'before');
  fs.cpSync(storeDir, before, { recursive: true });
  fs.appendFileSync(file, `${[record(next, rnd), record(next + 1, rnd)].map((r) => JSON.stringify(r)).join('\n')}\n`);
  t0 = performance.now();
  const whole = await importFiles(Store.open(before), 'claude', [file]);
  const import_turn_ms = performance.now() - t0;
  if (whole.events.appended !== 2) throw new Error(`whole import appended ${whole.events.appended}`);
  if (!process.env.CAPTURE_BENCH_KEEP) fs.rmSync(work, { recursive: true, force: true });
  else log(`kept ${work}`);
  const capture_turn_ms = median(capture);
  const append_turn_ms = median(floor);
  const r2 = (x: number) => Math.round(x * 100) / 100;
  const figures = {
    capture_session_bytes: session_bytes,
    capture_first_ms: Math.round(capture_first_ms),
    capture_turn_ms: r2(capture_turn_ms),
    capture_append_floor_ms: r2(append_turn_ms),
    capture_turn_vs_append: r2(capture_turn_ms / append_turn_ms),
    import_turn_ms: Math.round(import_turn_ms),
    import_turn_vs_append: r2(import_turn_ms / append_turn_ms),
  };
  log(
    `capture          one turn of a ${(session_bytes / 1e6).toFixed(1)} MB session: ${figures.capture_turn_ms} ms vs appending its 2 events alone ${figures.capture_append_floor_ms} ms   ratio ${figures.capture_turn_vs_append}`,
  );
  log(
    `                 (before capture, a hook imported the whole file again: ${figures.import_turn_ms} ms, ratio ${figures.import_turn_vs_append}; first capture ${figures.capture_first_ms} ms)`,
  );
  return figures;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
  const dir = path.join(root, '.bench');
  fs.mkdirSync(dir, { recursive: true });
  benchCapture({ dir, log: (s) => process.stderr.write(`${s}\n`) }).then((f) => process.stdout.write(`${JSON.stringify(f)}\n`));
}
