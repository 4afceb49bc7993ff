import { listSessions, oneLine, safe, type SessionInfo, type TimelineInfo } from '../../core/index.js';
import { defineCommand } from '../command.js';
import { table, toJson, when } from '../format.js';

export const ls = defineCommand({
  name: 'ls',
  summary: 'timelines grouped by session, forks under the timeline they left',
  usage: 'agentlog ls [--json]',
  help: `Lists sessions (newest activity first) and their timelines: name, length (events), tip (short
commit), last activity. A fork is indented under the timeline it left, with the seq it left at; a
session that a timeline started (an imported subagent or sidechain) is listed under it with ↳.

  --json   [{id, title, updated, parent?, timelines: [{name, length, tip, tipCid, updated, forkOf, forkSeq, forks}]}]`,
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
    // Sessions started by a timeline (subagents, sidechains) are listed under that timeline.
    const names = new Set<string>();
    for (const s of sessions) for (const t of allTimelines(s.timelines)) names.add(t.name);
    const children = new Map<string, SessionInfo[]>();
    for (const s of sessions) {
      if (s.parent && names.has(s.parent)) children.set(s.parent, [...(children.get(s.parent) ?? []), s]);
    }
    const session = (s: SessionInfo, depth: number): void => {
      const pad = '  '.repeat(depth);
      rows.push([`${pad}${depth ? '↳ ' : '● '}${safe(oneLine(s.title || 'untitled', 50))}`, '', '', `session ${s.id.slice(-8)}`]);
      const walk = (t: TimelineInfo, level: number): void => {
        const name = `${pad}${'  '.repeat(level + 1)}${level ? '└ ' : ''}${t.name}${t.forkSeq !== undefined ? ` (from @${t.forkSeq})` : ''}`;
        rows.push([name, `${t.length} events`, t.tip.slice(0, 10), when(t.updated)]);
        for (const c of children.get(t.name) ?? []) session(c, depth + level + 2);
        for (const f of t.forks) walk(f, level + 1);
      };
      for (const t of s.timelines) walk(t, 0);
    };
    for (const s of sessions) if (!s.parent || !names.has(s.parent)) session(s, 0);
    ctx.stdout.write(table(rows, ctx.stdout.isTTY));
    return 0;
  },
});

function allTimelines(list: TimelineInfo[]): TimelineInfo[] {
  return list.flatMap((t) => [t, ...allTimelines(t.forks)]);
}
