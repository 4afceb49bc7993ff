/**
 * The secrets bench (issue 13): a scan of the 10,000-event bench session (makeEvents, ~42 MB as
 * JSONL) against reading it, in the same process and run: `read` decodes every event from the store
 * (its list of event blobs, each blob read and decoded, as the scan reads them); `scan` is
 * scanTimelines over the same timeline (reading included), from a cold rule set. Also the push-time
 * scan after the tip was scanned clean (marks, only new events: one appended) and what loading the
 * rule set costs a new process. Medians of 3. Run by bench.ts (`npm run bench`), or alone:
 * `tsx test/bench/secrets.ts`.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { scanOutgoing, scanTimelines } from '../../core/secrets/index.js';
import { Store } from '../../core/store/store.js';
import { stringsOf } from '../../core/secrets/strings.js';
import { makeEvents } from './events.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

export async function benchSecrets(opts: { dir: string; events?: number; log?: (s: string) => void }): Promise<Record<string, number>> {
  const n = opts.events ?? 10_000;
  const log = opts.log ?? (() => {});
  const work = fs.mkdtempSync(path.join(opts.dir, 'secrets-'));
  try {
    const store = Store.init(path.join(work, 'store'), { autoGc: 'off' }).store;
    const events = makeEvents(n);
    await store.create('talk', events[0]);
    await Promise.all(events.slice(1).map((e) => store.append('talk', e)));
    await store.gc();
    const tip = store.tipOf('talk')!;
    const marks = path.join(store.gitDir, 'agentlog', 'scanned.json');

    const readRuns: number[] = [];
    let chars = 0;
    for (let r = 0; r < 3; r++) {
      const fresh = Store.open(store.dir);
      const t0 = performance.now();
      let count = 0;
      for (const blob of fresh.eventBlobs(tip)) {
        fresh.eventFromBlob(blob, 'bench');
        count++;
      }
      readRuns.push(performance.now() - t0);
      if (count !== n) throw new Error(`read ${count} events, not ${n}`);
    }
    for (const e of Store.open(store.dir).readEvents(tip)) for (const p of stringsOf(e.event)) chars += p.text.length;
    const scanRuns: number[] = [];
    for (let r = 0; r < 3; r++) {
      fs.rmSync(marks, { force: true });
      const fresh = Store.open(store.dir);
      const t0 = performance.now();
      const [res] = await scanTimelines(fresh, [{ name: 'talk', commit: tip }]);
      scanRuns.push(performance.now() - t0);
      if (res.scanned !== n || res.findings.length) throw new Error(`scan: ${res.scanned} events, ${res.findings.length} findings`);
    }
    // A push after a clean scan: the tip is marked; one event appended since.
    await store.append('talk', { kind: 'message', role: 'user', content: [{ type: 'text', text: 'one more' }] });
    const t0 = performance.now();
    const out = await scanOutgoing(Store.open(store.dir), [{ name: 'talk', next: store.tipOf('talk')! }]);
    const pushScanMs = performance.now() - t0;
    if (out.scanned !== 1) throw new Error(`the push-time scan read ${out.scanned} events, not 1`);
    // What loading the rule set costs a new process, against a new process that loads nothing.
    const loadScript = "await import('@secretlint/core'); await import('@secretlint/secretlint-rule-preset-recommend');";
    const proc = (script: string) => {
      const t = performance.now();
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, stdio: 'ignore' });
      if (r.status !== 0) throw new Error(`node -e ${script}: exit ${r.status}`);
      return performance.now() - t;
    };
    const loadMs = median([0, 1, 2].map(() => proc(loadScript))) - median([0, 1, 2].map(() => proc('')));

    const read = median(readRuns);
    const scan = median(scanRuns);
    const mbs = (ms: number) => Math.round((chars / 1e6 / (ms / 1000)) * 10) / 10;
    const figures = {
      secrets_text_chars: chars,
      secrets_read_ms: Math.round(read),
      secrets_scan_ms: Math.round(scan),
      secrets_scan_mb_s: mbs(scan),
      secrets_read_mb_s: mbs(read),
      secrets_scan_vs_read: Math.round((scan / read) * 100) / 100,
      secrets_push_rescan_ms: Math.round(pushScanMs * 10) / 10,
      secrets_ruleset_load_ms: Math.round(loadMs),
    };
    log(
      `secrets          scan of ${n} events (${(chars / 1e6).toFixed(1)} M chars of text): ${figures.secrets_scan_ms} ms, ${figures.secrets_scan_mb_s} MB/s   vs reading them ${figures.secrets_read_ms} ms   ratio ${figures.secrets_scan_vs_read}`,
    );
    log(
      `                 push after a clean scan, one new event: ${figures.secrets_push_rescan_ms} ms; loading the rule set: ${figures.secrets_ruleset_load_ms} ms (paid only by a scan)`,
    );
    return figures;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dir = path.join(ROOT, '.bench');
  fs.mkdirSync(dir, { recursive: true });
  benchSecrets({ dir, log: (s) => process.stderr.write(`${s}\n`) }).then((f) => process.stdout.write(`${JSON.stringify(f)}\n`));
}
