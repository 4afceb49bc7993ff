/**
 * Reading stores for the views, through core only. No VS Code here: vitest runs it on real stores.
 * Reads are incremental: a timeline's blob list comes from its trees, and only the events that are
 * shown get decoded (a 10,000-event session opens by reading its last page).
 */
import * as path from 'node:path';
import {
  commitAt,
  type Event,
  listSessions,
  numberedTitles,
  type Reading,
  readTurns,
  resolveRev,
  Store,
  storesOf,
  type SessionInfo,
  type StoredEvent,
  type TimelineInfo,
} from '../../core/index.js';
import { sessionFacts } from '../shared/transcript.js';
import { turnsVM, type TurnVM } from '../shared/turnView.js';
import type { StoreFacts, TimelineFacts } from '../shared/sessions.js';

/**
 * The stores of the workspace folders, by core's rule (the CLI's too): the store above each folder
 * (the folder itself when it is a store, else the nearest `.agentlog/` upward); when there is none,
 * `env` (AGENTLOG_STORE), then `setting` (agentlog.storePath, relative to each folder).
 */
export function findStores(folders: string[], setting?: string, env?: string): string[] {
  return storesOf(folders, { setting, env });
}

const storeCache = new Map<string, Store>();

/** One Store object per folder (it caches tips and commits). */
/**
 * What a typed revision names in the workspace's stores (core's one resolver, timeline/rev.ts: a name
 * or a prefix of one, NAME@N, NAME~N, a short id or CID, a commit, @{-1}): each store where it names a
 * timeline's event, or the first store's error when none does.
 */
export function resolveInStores(dirs: readonly string[], rev: string): { hits: { store: string; timeline: string; seq: number }[]; error?: string } {
  const hits: { store: string; timeline: string; seq: number }[] = [];
  let error: string | undefined;
  for (const dir of dirs) {
    try {
      const r = resolveRev(openStore(dir), rev);
      if (r.timeline) hits.push({ store: dir, timeline: r.timeline, seq: r.seq });
      else error ??= `${rev} names commit ${r.commit.slice(0, 12)}, which no timeline of ${dir} holds`;
    } catch (e) {
      error ??= (e as Error).message;
    }
  }
  return hits.length ? { hits } : { hits, error: error ?? `no store is open in this workspace to read ${rev} in` };
}

export function openStore(dir: string): Store {
  let s = storeCache.get(dir);
  if (!s) {
    s = Store.open(dir);
    storeCache.set(dir, s);
  }
  return s;
}

/**
 * A store's timelines for the Sessions view. Sessions and which timeline each fork left come from
 * core's listSessions (fork records, else the commit graph); a timeline core cannot read is still
 * listed, marked unreadable with the reason.
 */
export function readStoreFacts(dir: string, label = path.basename(dir)): StoreFacts {
  try {
    const store = openStore(dir);
    const timelines: TimelineFacts[] = [];
    const sessions = listSessions(store);
    const numbered = numberedTitles(sessions);
    const walk = (t: TimelineInfo, session: SessionInfo) => {
      timelines.push({
        startTs: Number(session.genesis.ts) || 0,
        ...(numbered.has(session) ? { numberedTitle: numbered.get(session) } : {}),
        name: t.name,
        tip: t.tip,
        tipSeq: t.length - 1,
        tipCid: t.tipCid ?? '',
        session: session.id,
        ...sessionFacts(session.genesis),
        lastTs: t.updated,
        forkedFrom: t.forkOf,
        ...(!t.forkOf && session.parent ? { startedBy: session.parent } : {}),
      });
      for (const f of t.forks) walk(f, session);
    };
    for (const s of sessions) for (const t of s.timelines) walk(t, s);
    const seen = new Set(timelines.map((t) => t.name));
    for (const [name, tip] of store.timelines()) {
      if (seen.has(name)) continue;
      let reason = 'not an agentlog timeline';
      try {
        store.eventBlobs(tip);
      } catch (e) {
        reason = (e as Error).message;
      }
      timelines.push({
        name,
        tip,
        tipSeq: -1,
        tipCid: '',
        session: `unreadable:${name}`,
        title: `${name} (unreadable: ${reason})`,
        agent: '',
        model: '',
        lastTs: 0,
      });
    }
    return { dir, label, timelines };
  } catch (e) {
    return { dir, label, timelines: [], error: (e as Error).message };
  }
}

function decodeBlob(store: Store, oid: string, seq: number): StoredEvent {
  return store.eventFromBlob(oid, `event seq ${seq} (blob ${oid})`);
}

/** How far back (events) a page reaches for the start of its first turn before showing a long turn in parts. */
export const REACH = 400;

/** A user message that carries tool results (the part of a turn that answers calls before it). */
function isToolResults(e: Event): boolean {
  return e.kind === 'message' && e.role === 'user' && Array.isArray(e.content) && (e.content as { type?: unknown }[]).some((b) => b?.type === 'tool_result');
}

/** The tool call ids an event makes (tool_use) and answers (tool_result). */
function callIds(e: Event): { calls: string[]; results: string[] } {
  const calls: string[] = [];
  const results: string[] = [];
  if (e.kind === 'message' && Array.isArray(e.content)) {
    for (const b of e.content as { type?: unknown; id?: unknown; tool_use_id?: unknown }[]) {
      if (b?.type === 'tool_use' && typeof b.id === 'string') calls.push(b.id);
      else if (b?.type === 'tool_result' && typeof b.tool_use_id === 'string') results.push(b.tool_use_id);
    }
  }
  return { calls, results };
}

/** One timeline, read page by page. */
export class TimelineReader {
  private readonly events = new Map<string, StoredEvent>();

  constructor(
    readonly store: Store,
    readonly name: string,
  ) {}

  /** The tip commit, or undefined when the timeline no longer exists. */
  tip(): string | undefined {
    return this.store.tipOf(this.name);
  }

  /** Blob ids of the timeline's events as of `commit`, in seq order (the store remembers them). */
  blobs(commit: string): readonly string[] {
    return this.store.eventBlobs(commit);
  }

  tipSeq(commit: string): number {
    return this.blobs(commit).length - 1;
  }

  /** The event at `seq` (decoded once, cached by blob id: the same event in every commit). */
  event(commit: string, seq: number): StoredEvent {
    const oid = this.blobs(commit)[seq];
    if (oid === undefined) throw new Error(`${this.name} has no event ${seq}`);
    let e = this.events.get(oid);
    if (!e) {
      e = decodeBlob(this.store, oid, seq);
      this.events.set(oid, e);
    }
    return e;
  }

  /**
   * The turns of events [from, to] (inclusive), whole turns where it costs little: when `from` falls
   * inside a turn, the window starts at the next turn instead, or, when [from, to] holds no turn's
   * start, reaches back (doubling, up to REACH events) to one. A turn longer than that (a prompt
   * followed by hundreds of tool calls is common) is shown in parts: the window then starts at
   * `from`, moved back so that no result is parted from its call (partStart), and its first turn is
   * marked `continued`. `exact` starts at `from` as it is (a part the page already has). `from` in
   * the answer is the first seq the turns cover. Linear in the events read (decoded events are cached).
   */
  turns(commit: string, from: number, to: number, exact = false): { turns: TurnVM[]; from: number } {
    const read = (start: number) => {
      const events: Event[] = [];
      for (let s = start; s <= to; s++) events.push(this.event(commit, s).event);
      return { events, reading: readTurns(events) };
    };
    const done = (start: number, events: Event[], reading: Reading, turns: Reading['turns']) => {
      const at = (seq: number) => (seq >= start && seq <= to ? events[seq - start] : undefined);
      const vms = turnsVM({ ...reading, turns }, at);
      if (start > 0 && vms[0] && !(turns[0].prompt && turns[0].first === start)) vms[0].continued = true;
      return { turns: vms, from: start === 0 ? 0 : (turns[0]?.first ?? start) };
    };
    let start = Math.max(0, Math.min(from, to));
    if (!exact) {
      for (let width = Math.max(1, to - start + 1); width <= Math.max(REACH, to - start + 1); width *= 2) {
        const s = Math.max(0, to - width + 1);
        const { events, reading } = read(s);
        const turns = reading.turns;
        if (s === 0 || !turns.length || (turns[0].prompt && turns[0].first === s)) return done(s, events, reading, turns);
        if (turns.length >= 2) return done(s, events, reading, turns.slice(1));
      }
      // One turn longer than REACH: show its part from `from`, not parting a result from its call.
      start = this.partStart(commit, start, to);
    }
    const { events, reading } = read(start);
    return done(start, events, reading, reading.turns);
  }

  /**
   * Where a part of a long turn that would start at `start` (and end at `to`) starts so that no tool
   * result in it is parted from its call: moved back (at most REACH events) until every result in the
   * part has its call in it. Parallel calls are one record each (Claude Code: call A, call B, result
   * A, result B), so stepping back over the results alone would leave call A in the older part.
   */
  private partStart(commit: string, start: number, to: number): number {
    const made = new Set<string>();
    const wanted = new Set<string>();
    for (let s = start; s <= to; s++) {
      const { calls, results } = callIds(this.event(commit, s).event);
      for (const id of results) if (!made.has(id)) wanted.add(id);
      for (const id of calls) made.add(id);
    }
    for (let back = 0; start > 0 && back < REACH && (wanted.size > 0 || isToolResults(this.event(commit, start).event)); back++) {
      start--;
      const { calls, results } = callIds(this.event(commit, start).event);
      for (const id of calls) wanted.delete(id);
      for (const id of results) wanted.add(id); // a result stepped over: its call must come in too
    }
    return start;
  }

  /** The commit that appended `seq` (walks first parents back from `commit`). */
  commitAt(commit: string, seq: number): string {
    const found = commitAt(this.store, commit, seq);
    if (!found) throw new Error(`no commit of ${this.name} appended event ${seq}`);
    return found;
  }
}
