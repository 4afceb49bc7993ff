import { listSessions, type TimelineInfo } from '../../core/sessions.js';
import { oneLine } from '../../core/event.js';
import type { Command } from '../command.js';
import { table, toJson, when } from '../format.js';

export const ls: Command = {
  name: 'ls',
  summary: 'timelines grouped by session, forks under the timeline they left',
  usage: 'agentlog ls [--json]',
  help: `Lists sessions (newest activity first) and their timelines: name, length (events), tip (short
commit), last activity. A fork is indented under the timeline it left, with the seq it left at.

  --json   [{id, title, updated, timelines: [{name, length, tip, tipCid, updated, forkOf, forkSeq, forks}]}]`,
  options: { json: { type: 'boolean' } },
  maxPositionals: 0,
  async run(ctx, values) {
    const store = ctx.store();
    const sessions = listSessions(store);
    if (values.json) {
      ctx.stdout.write(`${toJson(sessions.map(({ genesis: _g, ...s }) => s))}\n`);
      return 0;
    }
    if (!sessions.length) {
      ctx.stderr.write(`no timelines in ${store.dir} yet; start one with: agentlog new --title "…"\n`);
      return 0;
    }
    const rows: string[][] = [];
    for (const s of sessions) {
      rows.push([`● ${oneLine(s.title || 'untitled', 50)}`, '', '', `session ${s.id.slice(-8)}`]);
      const walk = (t: TimelineInfo, depth: number): void => {
        const name = `${'  '.repeat(depth + 1)}${depth ? '└ ' : ''}${t.name}${t.forkSeq !== undefined ? ` (from @${t.forkSeq})` : ''}`;
        rows.push([name, `${t.length} events`, t.tip.slice(0, 10), when(t.updated)]);
        for (const f of t.forks) walk(f, depth + 1);
      };
      for (const t of s.timelines) walk(t, 0);
    }
    ctx.stdout.write(table(rows, ctx.stdout.isTTY));
    return 0;
  },
};
