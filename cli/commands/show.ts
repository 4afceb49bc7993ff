import { AgentlogError, describeRecord, readTurns, renderTranscript, type Reading } from '../../core/index.js';
import { defineCommand } from '../command.js';
import { eventJson, toJson } from '../format.js';
import { readRev, warnIfUnsound } from '../readRev.js';
import { renderHeader, renderTurn } from './show-turns.js';

export const show = defineCommand({
  name: 'show',
  summary: 'the session as turns: the prompt, the agent’s steps, its answer',
  usage: 'agentlog show [REV] [--turn N] [--full] [--all] [--raw] [--records] [--json]',
  help: `Shows the timeline as of REV (default: the checked-out timeline, else the one appended to last)
a turn per block: the prompt, the agent's steps (its text, thinking folded to a line, one line per
tool call with its result summarised) and its answer.
The agents' bookkeeping records (API requests, costs, attachments, Codex's turn contexts and copies
of messages, system reminders) are hidden and counted. Colour on a terminal (none with NO_COLOR or
when piped); lines fit the terminal's width.

  --turn N    only turn N (0: what comes before the first prompt)
  --full      unfold: thinking, commands, diffs, written files and tool results in full
  --all       list the hidden records in place, with their seq
  --raw       every event of the turns shown, as DAG-JSON (one per line, with its "cid")
  --records   the old view: the events one by one, bookkeeping folded to a line
  --json      the turns as JSON (the reading model); with --records, the events as a DAG-JSON
              array, each with its "cid"

Examples:
  agentlog show claude/4f1c… --turn 3 --full
  agentlog show codex/0199… --json | jq '.turns[].steps[] | select(.type == "tool")'`,
  options: {
    json: { type: 'boolean' },
    turn: { type: 'string' },
    full: { type: 'boolean' },
    all: { type: 'boolean' },
    raw: { type: 'boolean' },
    records: { type: 'boolean' },
  },
  maxPositionals: 1,
  pages: true,
  async run(ctx, values, [rev]) {
    const store = ctx.store();
    const r = readRev(ctx, store, rev);
    warnIfUnsound(ctx, store, r);
    // --records and --raw print the stored events; the turns need only the decoded ones, streamed
    // (Store.streamEvents): each event's bytes go as it is read, so a timeline read cold is not held twice.
    const events = values.records || values.raw ? store.readEvents(r.commit) : undefined;
    if (values.records && events) {
      if (values.json) ctx.stdout.write(`${toJson(events.map(eventJson))}\n`);
      else ctx.stdout.write(renderTranscript(events, ctx.stdout.columns, describeRecord));
      return 0;
    }
    // The turns are made as the events are decoded (Store.foldEvents): an event is let go once read
    // into its turn, so memory follows the turns, not the session.
    const reading = events ? readTurns(events.map((e) => e.event)) : store.foldEvents(r.commit, readTurns);
    let turns = reading.turns;
    if (values.turn !== undefined) {
      const n = /^\d{1,9}$/.test(values.turn) ? Number(values.turn) : Number.NaN;
      turns = reading.turns.filter((t) => t.index === n);
      if (turns.length === 0) {
        const last = reading.turns.at(-1)?.index ?? 0;
        throw new AgentlogError('E_INPUT', `--turn ${values.turn}: ${r.timeline ?? rev ?? 'HEAD'} has turns ${reading.turns[0]?.index ?? 1}–${last}`);
      }
    }
    if (values.raw && events) {
      const first = turns[0].first;
      const last = turns[turns.length - 1].last;
      const from = values.turn === undefined ? 0 : first;
      for (const e of events) if (e.event.seq >= from && e.event.seq <= last) ctx.stdout.write(`${toJson(eventJson(e))}\n`);
      return 0;
    }
    if (values.json) {
      const out: Reading = values.turn === undefined ? reading : { ...reading, turns };
      ctx.stdout.write(`${toJson(out)}\n`);
      return 0;
    }
    const options = {
      width: Math.max(40, ctx.stdout.columns),
      color: ctx.color,
      full: !!values.full,
      all: !!values.all,
      exists: (timeline: string) => {
        try {
          return store.tipOf(timeline) !== undefined;
        } catch {
          return false; // a name no timeline can have
        }
      },
    };
    if (values.turn === undefined) ctx.stdout.write(renderHeader(reading, options));
    for (const t of turns) ctx.stdout.write(renderTurn(t, options));
    return 0;
  },
});
