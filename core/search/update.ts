import * as fs from 'node:fs';
import { blocksOf, type Event } from '../event/event.js';
import { commonDir } from '../git/repo.js';
import type { Store } from '../store/store.js';
import { type CallNames, noteCalls, resultIds } from './documents.js';
import { emptyManifest, type Manifest, readManifest, removeUnused, searchDir, type SegmentEntry, type TimelineEntry, writeManifest } from './files.js';
import { SegmentBuilder } from './segment.js';

/** A segment is closed once its documents hold this many characters (what bounds a query's memory). */
export const SEGMENT_CHARS = 8 << 20;
/** Segments smaller than a quarter of that are merged once there are more than this many. */
const MAX_SMALL = 8;
/** Up to this many new events of a timeline are read one by one (one path down the tree each), not the whole timeline. */
const FEW = 256;

export interface IndexProgress {
  timelines: number;
  totalTimelines: number;
  events: number;
}

export interface UpdateResult {
  manifest: Manifest;
  /** Events indexed in this update (not counting those a merge of segments read again); whether the index was (re)built from nothing. */
  indexed: number;
  rebuilt: boolean;
}

/**
 * Bring the index up to date with the store's timelines (local branches and timelines only a remote
 * holds: Store.readableTimelines). A timeline that grew (an append, a pull) has only its new events
 * indexed; a new timeline that shares events with an indexed one of the same session (a fork, a
 * subagent's copy) has only the events after the shared ones indexed, and its base named; a timeline
 * that was replaced, or gone, or whose base is gone, is dropped and (if there) indexed again under a
 * new id. Its old documents stay in their segments until a merge rewrites them, and are skipped by
 * query, since their id is no longer in the manifest. New documents go into new segments (at most
 * SEGMENT_CHARS each); small segments are merged when they pile up. A missing or damaged manifest or
 * segment: everything is rebuilt.
 */
export function updateIndex(store: Store, progress?: (p: IndexProgress) => void): UpdateResult {
  const dir = searchDir(commonDir(store.gitDir));
  const old = readManifest(dir);
  let rebuilt = false;
  let m: Manifest;
  if (old?.segments.every((s) => fs.existsSync(`${dir}/${s.file}`))) m = structuredClone(old);
  else {
    m = emptyManifest();
    rebuilt = true;
  }
  const current = store.readableTimelines();
  const summaries = store.summaryIndex();
  const work: { name: string; e: TimelineEntry; from: number }[] = [];

  // Timelines gone, or no longer what was indexed: dropped (their documents become dead).
  for (const [name, e] of Object.entries(m.timelines)) {
    const now = current.get(name)?.tip;
    if (now === undefined) delete m.timelines[name];
    else if (now !== e.tip) {
      const n = lengthOf(store, now);
      if (n > e.n && n > 0 && ancestorAt(store, now, e.n - 1) === e.tip) {
        work.push({ name, e, from: e.n });
        e.tip = now;
        e.n = n;
      } else delete m.timelines[name];
    }
  }
  // Entries whose base is gone are indexed again, until none is left (a fork of a fork).
  for (let changed = true; changed; ) {
    changed = false;
    const live = new Set(Object.values(m.timelines).map((e) => e.id));
    for (const [name, e] of Object.entries(m.timelines)) {
      if (e.base && !live.has(e.base.id)) {
        delete m.timelines[name];
        changed = true;
      }
    }
  }
  for (const w of work.splice(0)) if (m.timelines[w.name] === w.e) work.push(w);
  // New timelines: based on the indexed timeline of the same session that shares the most events.
  for (const [name, { tip }] of current) {
    if (m.timelines[name]) continue;
    const summary = summaries.tip(tip);
    if (!summary) continue; // not an agentlog timeline: verify names it
    const e: TimelineEntry = { id: m.next++, tip, n: summary.length, g: summary.genesisCid };
    let best: { id: number; upto: number } | undefined;
    for (const other of Object.values(m.timelines)) {
      if (other.g !== e.g) continue;
      const shared = Math.min(summaries.pair(other.tip, tip).shared, other.n);
      if (shared > (best?.upto ?? 0)) best = { id: other.id, upto: shared };
    }
    if (best) e.base = best;
    m.timelines[name] = e;
    work.push({ name, e, from: best?.upto ?? 0 });
  }
  summaries.save();

  // Index the work into new segments.
  const live = new Set(Object.values(m.timelines).map((e) => e.id));
  const nameOf = new Map(Object.entries(m.timelines).map(([name, e]) => [e.id, name]));
  const added: SegmentEntry[] = [];
  let indexed = 0;
  let builder = new SegmentBuilder();
  const flush = (force: boolean) => {
    if (builder.empty || (!force && builder.chars < SEGMENT_CHARS)) return;
    added.push({ file: builder.save(dir), docs: builder.docs, chars: builder.chars, ranges: builder.ranges });
    builder = new SegmentBuilder();
  };
  const indexRange = (tid: number, tip: string, from: number, to: number, fresh = true) => {
    const { events, before } = eventsOf(store, tip, from, to);
    const calls = callsBefore(events, from, before);
    for (const ev of events) {
      builder.add(tid, ev, calls);
      if (fresh) indexed++;
      flush(false);
    }
  };
  let done = 0;
  for (const w of work) {
    if (w.from < w.e.n) indexRange(w.e.id, w.e.tip, w.from, w.e.n);
    progress?.({ timelines: ++done, totalTimelines: work.length, events: indexed });
  }

  // Segments: drop those with nothing live; rewrite small ones (and those mostly dead) together.
  const kept: SegmentEntry[] = [];
  const dropped: string[] = old?.segments.map((s) => s.file) ?? [];
  const rewrite: SegmentEntry[] = [];
  for (const s of m.segments) {
    const liveRanges = s.ranges.filter((r) => live.has(r[0]));
    if (liveRanges.length === 0) continue;
    const deadShare =
      1 -
      liveRanges.reduce((a, r) => a + r[2] - r[1], 0) /
        Math.max(
          1,
          s.ranges.reduce((a, r) => a + r[2] - r[1], 0),
        );
    if (deadShare > 0.5) rewrite.push(s);
    else kept.push(s);
  }
  const small = [...kept, ...added].filter((s) => s.chars < SEGMENT_CHARS / 4);
  if (small.length > MAX_SMALL || rewrite.length) {
    const merge = small.length > MAX_SMALL ? small : [];
    const mergeSet = new Set([...merge, ...rewrite]);
    flush(true);
    for (const s of mergeSet) {
      for (const [tid, from, to] of s.ranges) {
        const name = nameOf.get(tid);
        if (name !== undefined && live.has(tid)) indexRange(tid, m.timelines[name].tip, from, to, false);
      }
    }
    flush(true);
    const merged = added.splice(0).filter((s) => !mergeSet.has(s));
    for (const s of mergeSet) dropped.push(s.file);
    m.segments = [...kept.filter((s) => !mergeSet.has(s)), ...merged];
  } else {
    flush(true);
    m.segments = [...kept, ...added];
  }
  fs.mkdirSync(dir, { recursive: true });
  if (rebuilt || indexed > 0 || JSON.stringify(m) !== JSON.stringify(old)) writeManifest(dir, m);
  const keep = new Set(m.segments.map((s) => s.file));
  removeUnused(dir, keep, dropped);
  return { manifest: m, indexed, rebuilt };
}

/** How many events the timeline at `tip` holds. */
function lengthOf(store: Store, tip: string): number {
  const seq = store.commitInfo(tip).seq;
  return seq >= 0 ? seq + 1 : 0;
}

/** The commit of event `seq` below `tip` (first parents back), if any. */
function ancestorAt(store: Store, tip: string, seq: number): string | undefined {
  if (seq < 0) return undefined;
  for (const c of store.history(tip)) {
    if (c.seq === seq) return c.oid;
    if (c.seq >= 0 && c.seq < seq) break;
  }
  return undefined;
}

/**
 * Events from..to-1 of the timeline at `tip`: one by one when few, else the whole timeline read once;
 * and a reader of the events before `from` (from the whole timeline when it was read, else one path each).
 */
function eventsOf(store: Store, tip: string, from: number, to: number): { events: Event[]; before: (seq: number) => Event | undefined } {
  if (from > 0 && to - from <= FEW) {
    const events: Event[] = [];
    for (let s = from; s < to; s++) {
      const e = store.eventAt(tip, s);
      if (e) events.push(e.event);
    }
    return { events, before: (seq) => store.eventAt(tip, seq)?.event };
  }
  const all = store.readEvents(tip);
  return { events: all.slice(from, to).map((e) => e.event), before: (seq) => all[seq]?.event };
}

/** How far back a result's call is looked for, before the events being indexed. */
export const CALL_LOOKBACK = 4096;

/**
 * The calls made before `from` whose results are among `events` (an update indexing only what a
 * timeline gained, a fork's own events, a merge's range): looked for backwards from `from`, at most
 * CALL_LOOKBACK events, so that a result indexed apart from its call still names the call's tool and
 * paths (--tool, --file), as when both are indexed together. Nothing is read when every result's
 * call is in the range.
 */
function callsBefore(events: Event[], from: number, before: (seq: number) => Event | undefined): CallNames {
  const calls: CallNames = new Map();
  if (from === 0) return calls;
  const made = new Set<string>();
  const wanted = new Set<string>();
  for (const e of events) {
    for (const id of resultIds(e)) if (!made.has(id)) wanted.add(id);
    if (e.kind === 'message') for (const b of blocksOf(e.content)) if (b.type === 'tool_use' && typeof b.id === 'string') made.add(b.id);
  }
  for (let seq = from - 1; wanted.size && seq >= 0 && seq >= from - CALL_LOOKBACK; seq--) {
    const e = before(seq);
    if (e) noteCalls(e, wanted, calls);
  }
  return calls;
}
