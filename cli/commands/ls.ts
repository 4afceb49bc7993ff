import * as path from 'node:path';
import { AgentlogError, listSessions, numberedTitles, oneLine, safe, type SessionInfo, type TimelineInfo } from '../../core/index.js';
import { defineCommand } from '../command.js';
import { fitTable, table, toJson, when } from '../format.js';

export const ls = defineCommand({
  name: 'ls',
  summary: 'timelines grouped by session, forks under the timeline they left',
  usage: 'agentlog ls [--agent A] [--project P] [--since WHEN] [-n N] [--json]',
  help: `Lists sessions, newest activity first, one line per timeline: NAME, AGENT, PROJECT (the folder
the session worked in), UPDATED (UTC), EVENTS and TITLE, cut to fit the terminal. A fork is indented
under the timeline it left (its title says the seq it left at); a session that a timeline started (an
imported subagent or sidechain) is listed under it with ↳. Sessions sharing a title are numbered
(#1 the oldest). Piped, one tab-separated line per timeline, nothing cut: name, agent, project,
updated, events, fork of (NAME@SEQ, or empty), title.

options:
  --agent A      sessions of agent A (claude, codex, agentlog: a prefix of the recorded name)
  --project P    sessions that worked in folder P: a folder's name (myapp), or a path (., ../myapp)
                 for that folder and the folders under it
  --since WHEN   sessions active since WHEN: a date (2025-11-24, 2025-11-24T08:00Z) or an age (30m,
                 12h, 3d, 2w)
  -n N           the N most recently active sessions
  --json         [{id, title, agent?, cwd?, updated, parent?, timelines: [{name, length, tip, tipCid,
                 updated, forkOf, forkSeq, forks}]}]

examples:
  agentlog ls --agent claude --since 3d
  agentlog ls --project . -n 5`,
  options: {
    json: { type: 'boolean' },
    agent: { type: 'string' },
    project: { type: 'string' },
    since: { type: 'string' },
    n: { type: 'string', short: 'n' },
  },
  maxPositionals: 0,
  async run(ctx, values) {
    const store = ctx.store();
    const all = listSessions(store);
    const keep = sessionFilter(values, ctx.cwd, ctx.now());
    // Sessions started by a timeline (subagents, sidechains) are listed under that timeline.
    const names = new Set<string>();
    for (const s of all) for (const t of allTimelines(s.timelines)) names.add(t.name);
    const nested = (s: SessionInfo) => !!s.parent && names.has(s.parent);
    let top = all.filter((s) => !nested(s) && keep(s));
    if (values.n !== undefined) top = top.slice(0, count(values.n));
    const children = new Map<string, SessionInfo[]>();
    for (const s of all) if (s.parent && nested(s)) children.set(s.parent, [...(children.get(s.parent) ?? []), s]);
    if (values.json) {
      const listed = new Set<SessionInfo>();
      const add = (s: SessionInfo) => {
        listed.add(s);
        for (const t of allTimelines(s.timelines)) for (const c of children.get(t.name) ?? []) add(c);
      };
      for (const s of top) add(s);
      const out = all.filter((s) => listed.has(s)).map(({ genesis, ...s }) => ({ ...s, ...agentAndCwd(genesis) }));
      ctx.stdout.write(`${toJson(out)}\n`);
      return 0;
    }
    if (!all.length) {
      ctx.stderr.write(
        `no timelines in ${store.dir} yet; start one with: agentlog new --title "…", or bring in your agent's sessions: agentlog import claude (or codex)\n`,
      );
      return 0;
    }
    if (!top.length) {
      ctx.stderr.write(`no session matches (${all.length} in the store); list them all with: agentlog ls\n`);
      return 0;
    }
    const tty = ctx.stdout.isTTY;
    const titles = numberedTitles(top);
    const rows: string[][] = tty ? [['NAME', 'AGENT', 'PROJECT', 'UPDATED', 'EVENTS', 'TITLE']] : [];
    const session = (s: SessionInfo, depth: number): void => {
      const { agent, cwd } = agentAndCwd(s.genesis);
      const project = cwd ? path.basename(cwd) || cwd : '-';
      const title = safe(oneLine(s.title || 'untitled', 200));
      const walk = (t: TimelineInfo, level: number): void => {
        const from = t.forkOf !== undefined && t.forkSeq !== undefined ? `${t.forkOf}@${t.forkSeq}` : '';
        if (tty) {
          const lead = '  '.repeat(depth + level) + (level ? '└ ' : depth ? '↳ ' : '');
          const label = level ? `fork at @${t.forkSeq ?? '?'}` : (titles.get(s) ?? title);
          rows.push([`${lead}${safe(t.name)}`, safe(agent ?? '-'), safe(project), shortDate(t.updated), String(t.length), label]);
        } else {
          rows.push([safe(t.name), safe(agent ?? ''), safe(cwd ? project : ''), when(t.updated), String(t.length), safe(from), title]);
        }
        for (const c of children.get(t.name) ?? []) session(c, depth + level + 1);
        for (const f of t.forks) walk(f, level + 1);
      };
      for (const t of s.timelines) walk(t, 0);
    };
    for (const s of top) session(s, 0);
    ctx.stdout.write(tty ? fitTable(rows, ctx.stdout.columns, { shrink: FIT, right: [4] }) : table(rows, false));
    return 0;
  },
});

/**
 * How ls narrows its columns (NAME 0, AGENT 1, PROJECT 2, TITLE 5) for a terminal: a long title and
 * project first, then the name (which keeps its start: what a REV prefix needs), then all to a floor.
 */
const FIT: Array<[number, number]> = [
  [5, 40],
  [2, 16],
  [0, 30],
  [5, 20],
  [2, 8],
  [1, 7],
  [0, 17],
  [5, 12],
];

function allTimelines(list: TimelineInfo[]): TimelineInfo[] {
  return list.flatMap((t) => [t, ...allTimelines(t.forks)]);
}

/** The agent's name and the folder a session worked in, as its genesis event records them. */
function agentAndCwd(genesis: SessionInfo['genesis']): { agent?: string; cwd?: string } {
  const a = (genesis as { agent?: { name?: unknown } }).agent?.name;
  const c = (genesis as { cwd?: unknown }).cwd;
  return { ...(typeof a === 'string' ? { agent: a } : {}), ...(typeof c === 'string' && c ? { cwd: c } : {}) };
}

/** --agent, --project, --since as one test of a session. */
function sessionFilter(values: { agent?: string; project?: string; since?: string }, cwd: string, now: number): (s: SessionInfo) => boolean {
  const since = values.since === undefined ? undefined : sinceTime(values.since, now);
  const project = values.project;
  const asPath = project !== undefined && (project.includes('/') || project === '.' || project === '..') ? path.resolve(cwd, project) : undefined;
  return (s) => {
    const { agent, cwd: worked } = agentAndCwd(s.genesis);
    if (values.agent !== undefined && !(agent ?? '').toLowerCase().startsWith(values.agent.toLowerCase())) return false;
    if (project !== undefined) {
      if (!worked) return false;
      if (asPath ? !(worked === asPath || worked.startsWith(`${asPath}${path.sep}`)) : path.basename(worked) !== project) return false;
    }
    return since === undefined || s.updated >= since;
  };
}

/** --since: a date the way Date.parse reads ISO 8601, or an age: 30m, 12h, 3d, 2w. */
export function sinceTime(text: string, now: number): number {
  const age = /^(\d{1,6})([mhdw])$/.exec(text.trim());
  if (age) return now - Number(age[1]) * { m: 60e3, h: 3600e3, d: 86400e3, w: 7 * 86400e3 }[age[2] as 'm' | 'h' | 'd' | 'w'];
  const t = /^\d{4}-\d{2}-\d{2}/.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(t))
    throw new AgentlogError(
      'E_INPUT',
      `--since ${JSON.stringify(text)} is neither a date nor an age; try --since 2025-11-24 or --since 3d (also 30m, 12h, 2w)`,
    );
  return t;
}

function count(text: string): number {
  if (!/^\d{1,9}$/.test(text) || Number(text) < 1)
    throw new AgentlogError('E_INPUT', `-n takes a number of sessions, 1 or more (got ${JSON.stringify(text)}); e.g. agentlog ls -n 10`);
  return Number(text);
}

/** 2025-11-24 08:02 (UTC, to the minute). */
function shortDate(ms: number): string {
  return when(ms).replace(/:\d\dZ$/, '');
}
