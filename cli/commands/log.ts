import { oneLine, safe, summarize } from '../../core/index.js';
import { defineCommand } from '../command.js';
import { table, toJson } from '../format.js';
import { readRev } from '../readRev.js';
import { VERSION } from '../version.js';

/** What `log` prints of a timeline is kept for the next log of it from this many events (the event cache's CACHE_MIN). */
const KEEP_FROM = 256;
/** Part of the key of what log keeps (Store.derivedText): change it when what log prints changes. */
const LINES = 1;

export const log = defineCommand({
  name: 'log',
  summary: 'one line per event: seq, short CID, kind, summary',
  usage: 'agentlog log [REV] [--json]',
  help: `Lists the events of the timeline as of REV (default: the checked-out timeline, else the one appended
to last), oldest first. The short id of each event (the end of its CID) is a REV: agentlog cat ID,
agentlog show ID.

  --json   an array of {seq, cid, kind, summary, ts}`,
  options: { json: { type: 'boolean' } },
  maxPositionals: 1,
  pages: true,
  async run(ctx, values, [rev]) {
    const store = ctx.store();
    const r = readRev(ctx, store, rev);
    const width = Math.max(20, ctx.stdout.columns - 30);
    // What an earlier log of this commit printed, in the same form and width: a warm log of a long
    // timeline decodes no event (a commit's events never change, I15).
    const key = `log ${LINES} ${VERSION} ${values.json ? 'json' : ctx.stdout.isTTY ? 'table' : 'tsv'} ${width}`;
    const kept = store.derivedText(r.commit, key);
    if (kept !== undefined) {
      ctx.stdout.write(kept);
      return 0;
    }
    // Event by event (Store.streamEvents): a long timeline read cold is never held whole; lines go
    // out in batches as they are made (on a terminal, the rows first, to align the columns).
    let batch = '';
    const printed: string[] = [];
    const out = (s: string) => {
      batch += s;
      if (batch.length >= 1 << 16) {
        printed.push(batch);
        ctx.stdout.write(batch);
        batch = '';
      }
    };
    const rows: string[][] = [];
    let n = 0;
    let events = 0;
    for (const e of store.streamEvents(r.commit)) {
      events++;
      if (values.json) {
        out(`${n++ ? ',' : '['}${toJson({ seq: e.event.seq, cid: e.cid, kind: e.event.kind, summary: summarize(e.event, 200), ts: e.event.ts })}`);
        continue;
      }
      const row = [String(e.event.seq), e.cid.toString().slice(-8), safe(oneLine(e.event.kind, 40)), safe(summarize(e.event, width))];
      if (ctx.stdout.isTTY) rows.push(row);
      else out(`${row.join('\t')}\n`);
    }
    if (values.json) out(n ? ']\n' : '[]\n');
    else if (rows.length) out(table(rows, true));
    if (batch) {
      printed.push(batch);
      ctx.stdout.write(batch);
    }
    if (events >= KEEP_FROM) store.keepDerivedText(r.commit, key, printed.join(''));
    return 0;
  },
});
