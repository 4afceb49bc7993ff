import { describeRecord, renderTranscript } from '../../core/index.js';
import { defineCommand } from '../command.js';
import { eventJson, toJson } from '../format.js';
import { readRev, warnIfUnsound } from '../readRev.js';

export const show = defineCommand({
  name: 'show',
  summary: 'the transcript as a person reads it',
  usage: 'agentlog show [REV] [--json]',
  help: `Shows the timeline as of REV (default: the checked-out timeline, else the one appended to last): messages, tool calls and results folded to a line,
thinking folded, the agents' other records in words (a run of bookkeeping records on one line).

  --json   the events as a DAG-JSON array, each with its "cid"`,
  options: { json: { type: 'boolean' } },
  maxPositionals: 1,
  async run(ctx, values, [rev]) {
    const store = ctx.store();
    const r = readRev(ctx, store, rev);
    warnIfUnsound(ctx, store, r);
    const events = store.readEvents(r.commit);
    if (values.json) ctx.stdout.write(`${toJson(events.map(eventJson))}\n`);
    else ctx.stdout.write(renderTranscript(events, ctx.stdout.columns, describeRecord));
    return 0;
  },
});
