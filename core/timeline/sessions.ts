// core/timeline/ owns what is read across a store's timelines, above the store itself: grouping
// timelines into sessions with their forks (this file), resolving a REV to a commit (rev.ts), naming
// new timelines (names.ts), checking a timeline against the store's invariants (verify.ts) and
// rendering a transcript (transcript.ts). It reads through Store's methods only and never writes.

import type { Event } from '../event/event.js';
import type { Store } from '../store/store.js';
import type { PairSummary } from '../store/summaryIndex.js';

/** One timeline as `ls` shows it. */
export interface TimelineInfo {
  name: string;
  tip: string;
  tipCid?: string;
  length: number;
  /** ts of the tip event (ms) */
  updated: number;
  /** the timeline it left, and the seq of the last event they share */
  forkOf?: string;
  forkSeq?: number;
  forks: TimelineInfo[];
}

/** A session: the timelines that share one genesis event; its id is that event's CID. */
export interface SessionInfo {
  id: string;
  title: string;
  genesis: Event;
  timelines: TimelineInfo[]; // roots; forks nest in `forks`
  updated: number;
  /** The timeline that started this session (a subagent's or sidechain's genesis `parent.timeline`). */
  parent?: string;
}

interface Loaded {
  name: string;
  tip: string;
  length: number;
  genesisCid: string;
  genesis: Event;
  tipTs: number;
  tipCid: string;
}

/**
 * Group the store's timelines by session and nest forks under the timeline they left. Which one a
 * fork left: the record agentlog keeps when it makes a fork (`fork`, import, sync), else the commit
 * graph: of two timelines that share a prefix, the fork is the one whose first event after the shared
 * prefix is later (or the one that stops at the shared prefix), and its parent is the timeline it
 * shares the longest prefix with. What it needs of each timeline comes from the store's summary
 * index (store/summaryIndex.ts), keyed by tip commit: a listing reads the refs and that file, and
 * git only for the timelines whose tip moved since.
 */
export function listSessions(store: Store): SessionInfo[] {
  const index = store.summaryIndex();
  const loaded: Loaded[] = [];
  for (const [name, { tip }] of store.readableTimelines()) {
    const s = index.tip(tip);
    if (!s) continue; // not an agentlog timeline (verify reports it)
    loaded.push({ name, tip, length: s.length, genesisCid: s.genesisCid, genesis: s.genesis, tipTs: s.tipTs, tipCid: s.tipCid });
  }
  const bySession = new Map<string, Loaded[]>();
  for (const l of loaded) {
    const list = bySession.get(l.genesisCid) ?? [];
    list.push(l);
    bySession.set(l.genesisCid, list);
  }
  const records = store.forkRecords();
  const sessions: SessionInfo[] = [];
  for (const [id, members] of bySession) {
    const infos = new Map<string, TimelineInfo>();
    for (const m of members) {
      infos.set(m.name, { name: m.name, tip: m.tip, tipCid: m.tipCid, length: m.length, updated: m.tipTs, forks: [] });
    }
    const parentOf = new Map<string, { parent: string; shared: number }>();
    for (const t of members) {
      if (members.length === 1) break;
      let best: { parent: string; shared: number } | undefined;
      const recorded = records[t.name];
      const rec = recorded ? members.find((m) => m.name === recorded) : undefined;
      if (rec) best = { parent: rec.name, shared: index.pair(t.tip, rec.tip).shared };
      else {
        for (const u of members) {
          // A timeline recorded as a fork of t is never t's parent (its own events may be older).
          if (u === t || records[u.name] === t.name) continue;
          const pair = index.pair(t.tip, u.tip);
          if (!isForkOf(t, u, pair)) continue;
          if (!best || pair.shared > best.shared) best = { parent: u.name, shared: pair.shared };
        }
      }
      if (best) parentOf.set(t.name, best);
    }
    // Break any cycle (possible only with inconsistent records): a timeline in a cycle becomes a root.
    for (const name of parentOf.keys()) {
      const seen = new Set<string>([name]);
      for (let p = parentOf.get(name)?.parent; p; p = parentOf.get(p)?.parent) {
        if (seen.has(p)) {
          parentOf.delete(name);
          break;
        }
        seen.add(p);
      }
    }
    const roots: TimelineInfo[] = [];
    for (const m of members) {
      const info = infos.get(m.name)!;
      const p = parentOf.get(m.name);
      if (p) {
        info.forkOf = p.parent;
        info.forkSeq = p.shared - 1;
        infos.get(p.parent)!.forks.push(info);
      } else roots.push(info);
    }
    const g = members[0].genesis;
    const updated = Math.max(...members.map((m) => m.tipTs));
    const parent = g.parent && typeof g.parent === 'object' && !Array.isArray(g.parent) ? (g.parent as Record<string, unknown>).timeline : undefined;
    sessions.push({
      id,
      title: typeof g.title === 'string' ? g.title : '',
      genesis: g,
      timelines: roots,
      updated,
      ...(typeof parent === 'string' ? { parent } : {}),
    });
  }
  index.save();
  return sessions.sort((a, b) => b.updated - a.updated);
}

function isForkOf(t: Loaded, u: Loaded, pair: PairSummary): boolean {
  if (pair.shared === 0) return false;
  const tt = pair.nextA;
  const tu = pair.nextB;
  if (tt === undefined && tu === undefined) return t.name > u.name;
  if (tt === undefined) return true;
  if (tu === undefined) return false;
  return tt > tu || (tt === tu && t.name > u.name);
}
