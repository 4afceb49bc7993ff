/**
 * Stores and timelines → the Sessions view's tree. Pure: the host turns these nodes into
 * vscode.TreeItems one to one (label, description, tooltip, contextValue).
 */
import { dateOf } from '../../core/index.js';

/** What the host reads of one timeline (see src/storeReader.ts). */
export interface TimelineFacts {
  name: string;
  tip: string;
  /** Seq of the newest event: the timeline holds tipSeq + 1 events. */
  tipSeq: number;
  tipCid: string;
  /** The genesis event's CID: the session's id. */
  session: string;
  title: string;
  agent: string;
  model: string;
  /** `ts` of the newest event. */
  lastTs: number;
  /** The timeline this one was forked from (core's listSessions: fork records, else the commit graph). */
  forkedFrom?: string;
  /** The timeline that started this one's session (an imported subagent or sidechain): nested under it. */
  startedBy?: string;
  /** `ts` of the session's genesis event: what orders and groups the view (it does not move on an append). */
  startTs?: number;
  /** The title with #1, #2, … when other sessions share it (core's numberedTitles, as `agentlog ls` shows). */
  numberedTitle?: string;
}

export interface StoreFacts {
  dir: string;
  label: string;
  timelines: TimelineFacts[];
  error?: string;
}

export type SessionNode =
  | { kind: 'store'; id: string; dir: string; label: string; description: string; tooltip: string; contextValue: 'store'; children: SessionNode[] }
  | {
      kind: 'timeline';
      id: string;
      dir: string;
      name: string;
      label: string;
      description: string;
      tooltip: string;
      /** The agent that wrote it (its icon). */
      agent: string;
      contextValue: 'timeline' | 'fork';
      children: SessionNode[];
    }
  | { kind: 'group'; id: string; label: string; description: string; tooltip: string; contextValue: 'group'; children: SessionNode[] }
  | { kind: 'message'; id: string; label: string; description: string; tooltip: string; contextValue: 'message'; children: [] };

/** The date groups of the view, newest first, by the local calendar of `now`. */
export const DATE_GROUPS = ['Today', 'Yesterday', 'This week', 'This month', 'Older'] as const;

/** Which date group a session started in, as seen at `now` (local time; a week starts 6 days before today). */
export function dateGroup(ts: number, now: number): (typeof DATE_GROUPS)[number] {
  const d = new Date(now);
  const today = new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
  const day = 86_400_000;
  if (ts >= today) return 'Today';
  if (ts >= today - day) return 'Yesterday';
  if (ts >= today - 6 * day) return 'This week';
  if (ts >= new Date(d.getFullYear(), d.getMonth(), 1).getTime()) return 'This month';
  return 'Older';
}

/**
 * Build the tree: stores, date groups (when the session started: Today, Yesterday, This week, …),
 * their timelines newest first, forks nested under the timeline they left. The order is by start, so
 * it stays put while a session is appended to. `filter` keeps the timelines whose title, name, agent
 * or model holds it (any case), with the timelines they hang under.
 */
export function sessionTree(stores: StoreFacts[], now: number, filter = ''): SessionNode[] {
  return stores.map((s) => {
    const children: SessionNode[] = s.error
      ? [{ kind: 'message', id: `${s.dir}\0error`, label: s.error, description: '', tooltip: s.error, contextValue: 'message', children: [] }]
      : grouped(s, timelineNodes(s, now, filter.trim().toLowerCase()), now);
    const n = s.timelines.length;
    return {
      kind: 'store',
      id: s.dir,
      dir: s.dir,
      label: s.label,
      description: s.error ? 'unreadable' : `${n} timeline${n === 1 ? '' : 's'}`,
      tooltip: s.dir,
      contextValue: 'store',
      children,
    };
  });
}

/**
 * Which timeline each fork hangs under: its `forkedFrom` (core works that out from fork records or
 * the commit graph) when that timeline is listed too. A cycle (inconsistent records) is broken by
 * making the timeline a root, so no timeline is ever lost from the view.
 */
export function parentsOf(timelines: TimelineFacts[]): Map<string, string | undefined> {
  const names = new Set(timelines.map((t) => t.name));
  const out = new Map<string, string | undefined>();
  for (const t of timelines) {
    const up = t.forkedFrom ?? t.startedBy;
    out.set(t.name, up && names.has(up) && up !== t.name ? up : undefined);
  }
  for (const t of timelines) {
    const seen = new Set<string>([t.name]);
    for (let p = out.get(t.name); p; p = out.get(p)) {
      if (seen.has(p)) {
        out.set(t.name, undefined);
        break;
      }
      seen.add(p);
    }
  }
  return out;
}

function grouped(s: StoreFacts, roots: SessionNode[], now: number): SessionNode[] {
  const start = new Map(s.timelines.map((t) => [t.name, t.startTs ?? t.lastTs]));
  const groups = new Map<string, SessionNode[]>();
  for (const n of roots) {
    const g = dateGroup(n.kind === 'timeline' ? (start.get(n.name) ?? 0) : 0, now);
    groups.set(g, [...(groups.get(g) ?? []), n]);
  }
  return DATE_GROUPS.filter((g) => groups.has(g)).map((g) => {
    const list = groups.get(g)!;
    return {
      kind: 'group' as const,
      id: `${s.dir}\0group:${g}`,
      label: g,
      description: `${list.length} session${list.length === 1 ? '' : 's'}`,
      tooltip: `Sessions started ${g === 'Older' ? 'earlier' : g.toLowerCase()}`,
      contextValue: 'group' as const,
      children: list,
    };
  });
}

function timelineNodes(s: StoreFacts, now: number, filter: string): SessionNode[] {
  const parents = parentsOf(s.timelines);
  const matches = (t: TimelineFacts) => !filter || [t.numberedTitle ?? t.title, t.name, t.agent, t.model].some((x) => x.toLowerCase().includes(filter));
  const kids = new Map<string | undefined, TimelineFacts[]>();
  for (const t of s.timelines) {
    const p = parents.get(t.name);
    kids.set(p, [...(kids.get(p) ?? []), t]);
  }
  const build = (parent: string | undefined): SessionNode[] =>
    (kids.get(parent) ?? [])
      .sort((a, b) => (b.startTs ?? b.lastTs) - (a.startTs ?? a.lastTs) || cmp(a.name, b.name))
      .map((t) => ({ t, children: build(t.name) }))
      .filter(({ t, children }) => children.length > 0 || matches(t))
      .map(({ t, children }) => ({
        kind: 'timeline' as const,
        id: `${s.dir}\0${t.name}`,
        dir: s.dir,
        name: t.name,
        // A fork shares its session's title: its own name tells it apart. A session started by
        // another timeline (a subagent) has its own title.
        label: (parent === undefined || !t.forkedFrom) && t.title ? (t.numberedTitle ?? t.title) : t.name,
        agent: t.agent,
        description: describe(t, now, parent === undefined || !t.forkedFrom),
        tooltip: tooltip(t),
        contextValue: t.forkedFrom && parent !== undefined ? ('fork' as const) : ('timeline' as const),
        children,
      }));
  return build(undefined);
}

function describe(t: TimelineFacts, now: number, root: boolean): string {
  const n = t.tipSeq + 1;
  // Shortest facts first: a narrow sidebar cuts the end.
  return [`${n} event${n === 1 ? '' : 's'}`, ago(now - t.lastTs), t.agent, t.model, root && t.title ? t.name : ''].filter(Boolean).join(' · ');
}

function tooltip(t: TimelineFacts): string {
  return [
    t.title || t.name,
    `timeline: ${t.name}${t.forkedFrom ? ` (forked from ${t.forkedFrom})` : t.startedBy ? ` (started by ${t.startedBy})` : ''}`,
    t.agent && `agent: ${t.agent}`,
    t.model && `model: ${t.model}`,
    `events: ${t.tipSeq + 1}`,
    `last activity: ${dateOf(t.lastTs).toISOString()}`,
    `session: ${t.session}`,
    `tip: ${t.tipCid}`,
  ]
    .filter(Boolean)
    .join('\n');
}

/** "just now", "5m ago", "3h ago", "2d ago". */
export function ago(ms: number): string {
  if (ms < 45_000) return 'just now';
  const m = Math.round(ms / 60_000);
  if (m < 60) return `${m}m ago`;
  const h = Math.round(m / 60);
  if (h < 48) return `${h}h ago`;
  return `${Math.round(h / 24)}d ago`;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
