import { oneLine, safe, summarize } from '../../core/index.js';
import { defineCommand } from '../command.js';
import { table, toJson } from '../format.js';
import { readRev } from '../readRev.js';

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
    // Event by event (Store.streamEvents): a long timeline read cold is never held whole; lines go
    // out in batches as they are made (on a terminal, the rows first, to align the columns).
    let batch = '';
    const out = (s: string) => {
      batch += s;
      if (batch.length >= 1 << 16) {
        ctx.stdout.write(batch);
        batch = '';
      }
    };
    const width = Math.max(20, ctx.stdout.columns - 30);
    const rows: string[][] = [];
    let n = 0;
    for (const e of store.streamEvents(r.commit)) {
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
    if (batch) ctx.stdout.write(batch);
    return 0;
  },
});
