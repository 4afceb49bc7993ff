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
    const events = store.readEvents(r.commit);
    if (values.json) {
      ctx.stdout.write(
        `${toJson(events.map((e) => ({ seq: e.event.seq, cid: e.cid, kind: e.event.kind, summary: summarize(e.event, 200), ts: e.event.ts })))}\n`,
      );
      return 0;
    }
    const width = Math.max(20, ctx.stdout.columns - 30);
    const rows = events.map((e) => [String(e.event.seq), e.cid.toString().slice(-8), safe(oneLine(e.event.kind, 40)), safe(summarize(e.event, width))]);
    ctx.stdout.write(table(rows, ctx.stdout.isTTY));
    return 0;
  },
});
