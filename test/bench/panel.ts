/**
 * The panel bench (issue 18): opening a 2,400-event Claude Code session in the VS Code panel, host
 * side — a Store opened afresh, the panel's first page read as whole turns (core/reading) and made
 * into what the page draws, until its `reset` message is posted — against JSON.parse of the same
 * session's JSONL file, and against the record-by-record page the panel drew before (the last 100
 * events as items). The real session of ../shared/fixtures when it is there, else 2,400 records of
 * the capture bench's. Medians of 5 runs after a warm-up. The page's own drawing is timed by the
 * real-VS-Code suite (`npm run test:vscode` prints "first page shown … ms after the command").
 * Run by bench.ts (`npm run bench`), or alone: `tsx test/bench/panel.ts`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { importFiles } from '../../core/import/index.js';
import { Store } from '../../core/store/store.js';
import { itemOf } from '../../extension/shared/transcript.js';
import type { HostMessage } from '../../extension/shared/protocol.js';
import { PanelController, type PanelHost } from '../../extension/src/panelController.js';
import { sharedFixtures } from '../helpers/shared.js';
import { record, SESSION } from './capture.js';
import { mulberry32 } from './events.js';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

export async function benchPanel(opts: { dir: string; log?: (s: string) => void }): Promise<Record<string, number>> {
  const log = opts.log ?? (() => {});
  const work = fs.mkdtempSync(path.join(opts.dir, 'panel-'));
  const shared = sharedFixtures();
  let file = shared ? path.join(shared, 'claude-code/spotter/ae4a77f8-aedd-4bc1-888f-c94edc91af04.jsonl') : '';
  if (!file || !fs.existsSync(file)) {
    const rnd = mulberry32(11);
    file = path.join(work, `${SESSION}.jsonl`);
    fs.writeFileSync(file, `${Array.from({ length: 2400 }, (_, i) => JSON.stringify(record(i, rnd))).join('\n')}\n`);
  }
  const dir = path.join(work, 'store');
  await importFiles(Store.init(dir).store, 'claude', [file]);
  const name = [...Store.open(dir).timelines().keys()]
    .filter((n) => !/\.(agent|side)-/.test(n))
    .sort((a, b) => Store.open(dir).eventBlobs(Store.open(dir).tipOf(b)!).length - Store.open(dir).eventBlobs(Store.open(dir).tipOf(a)!).length)[0];
  const events = Store.open(dir).eventBlobs(Store.open(dir).tipOf(name)!).length;

  const openPanel = async (): Promise<number> => {
    const t0 = performance.now();
    const store = Store.open(dir);
    let posted: HostMessage | undefined;
    const host = {
      post: (m: HostMessage) => {
        if (!posted) posted = m;
      },
      modelLabel: () => 'none',
      setTitle: () => {},
    } as unknown as PanelHost;
    await new PanelController(store, name, host).onMessage({ type: 'ready' });
    if (posted?.type !== 'reset' || !posted.turns.length) throw new Error('the panel posted no turns');
    return performance.now() - t0;
  };
  const records = (): number => {
    const t0 = performance.now();
    const store = Store.open(dir);
    const tip = store.tipOf(name)!;
    const blobs = store.eventBlobs(tip);
    for (let s = Math.max(0, blobs.length - 100); s < blobs.length; s++) itemOf(store.eventFromBlob(blobs[s], `seq ${s}`));
    return performance.now() - t0;
  };
  const parse = (): number => {
    const t0 = performance.now();
    for (const l of fs.readFileSync(file, 'utf8').split('\n')) if (l) JSON.parse(l);
    return performance.now() - t0;
  };
  await openPanel();
  records();
  parse();
  const runs = async (f: () => number | Promise<number>) => {
    const out: number[] = [];
    for (let i = 0; i < 5; i++) out.push(await f());
    return median(out);
  };
  const panel = await runs(openPanel);
  const old = await runs(records);
  const json = await runs(parse);
  fs.rmSync(work, { recursive: true, force: true });
  const r2 = (x: number) => Math.round(x * 100) / 100;
  const figures = {
    panel_events: events,
    panel_open_ms: Math.round(panel),
    panel_records_page_ms: Math.round(old),
    panel_jsonl_parse_ms: Math.round(json),
    panel_open_vs_jsonl_parse: r2(panel / json),
  };
  log(
    `panel (host)     a ${events}-event session's first page as turns ${figures.panel_open_ms} ms (the record-by-record page: ${figures.panel_records_page_ms} ms)   vs JSON.parse of its JSONL ${figures.panel_jsonl_parse_ms} ms   ratio ${figures.panel_open_vs_jsonl_parse}`,
  );
  return figures;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  benchPanel({ dir: fs.mkdtempSync(path.join(process.env.TMPDIR ?? '/tmp', 'agentlog-bench-')), log: (s) => process.stderr.write(`${s}\n`) }).then((f) =>
    process.stdout.write(`${JSON.stringify(f)}\n`),
  );
}
