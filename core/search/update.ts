import { createHash } from 'node:crypto';
import { blocksOf, type Event } from '../event/event.js';
import type { Store } from '../store/store.js';
import { type CallNames, FIELDS, type Field, noteCalls, resultIds, searchDoc } from './documents.js';
import { type IndexDb, type Manifest, type TimelineEntry, withIndex } from './indexDb.js';
import { terms } from './words.js';

/** The transaction is committed after a timeline once this many characters were indexed in it (a first build is not one transaction). */
const COMMIT_CHARS = 32 << 20;
/** Up to this many new events of a timeline are read one by one (one path down the tree each), not the whole timeline. */
const FEW = 256;

export interface IndexProgress {
  timelines: number;
  totalTimelines: number;
  events: number;
}

export interface UpdateResult {
  /** The indexed timelines; undefined from update() when nothing changed (not read, to save a warm search the time). */
  manifest?: Manifest;
  /** Events indexed in this update; whether the index was (re)built from nothing. */
  indexed: number;
  rebuilt: boolean;
}

/** Bring the store's index up to date (below), opening it under its lock (indexDb.ts). */
export function updateIndex(store: Store, progress?: (p: IndexProgress) => void): UpdateResult & { manifest: Manifest } {
  return withIndex(store, (ix) => {
    const u = update(ix, store, progress);
    return { ...u, manifest: u.manifest ?? ix.manifest() };
  });
}

/** What the index was brought up to date with: every readable timeline's name and tip, hashed. */
function refsPrint(current: ReadonlyMap<string, { tip: string }>): string {
  const h = createHash('sha256');
  for (const [name, { tip }] of current) h.update(`${name}\0${tip}\n`);
  return h.digest('hex');
}

/**
 * Bring the index up to date with the store's timelines (local branches and timelines only a remote
 * holds: Store.readableTimelines). A timeline that grew (an append, a pull) has only its new events
 * indexed; a new timeline that shares events with an indexed one of the same session (a fork, a
 * subagent's copy) has only the events after the shared ones indexed, and its base named; a timeline
 * that was replaced, or gone, or whose base is gone, is dropped with its documents and (if there)
 * indexed again under a new id. A timeline's entry is written in the transaction that adds its
 * documents; the transaction is committed every COMMIT_CHARS, so memory holds one timeline's
 * events at most (streamed when many) and SQLite's page cache, and a killed build keeps what it
 * committed.
 */
export function update(ix: IndexDb, store: Store, progress?: (p: IndexProgress) => void): UpdateResult {
  const current = store.readableTimelines();
  const print = refsPrint(current);
  // The refs as they were at the end of the last update: nothing to do (a warm search reads no
  // more than the refs and the index). Unset while an update runs, which may commit on the way.
  if (ix.meta('refs') === print) return { indexed: 0, rebuilt: ix.rebuilt };
  ix.begin();
  ix.setMeta('refs', undefined);
  const m = ix.manifest();
  let next = ix.nextId();
  // Read only when a timeline is new (a warm search reads no more than the refs and the index).
  let summaries: ReturnType<Store['summaryIndex']> | undefined;
  const work: { name: string; e: TimelineEntry; from: number }[] = [];
  const drop = (name: string) => {
    ix.dropTimeline(name, m.timelines[name].id);
    delete m.timelines[name];
  };

  // Timelines gone, or no longer what was indexed: dropped.
  for (const [name, e] of Object.entries(m.timelines)) {
    const now = current.get(name)?.tip;
    if (now === undefined) drop(name);
    else if (now !== e.tip) {
      const n = lengthOf(store, now);
      if (n > e.n && n > 0 && ancestorAt(store, now, e.n - 1) === e.tip) {
        work.push({ name, e, from: e.n });
        e.tip = now;
        e.n = n;
      } else drop(name);
    }
  }
  // Entries whose base is gone are indexed again, until none is left (a fork of a fork).
  for (let changed = true; changed; ) {
    changed = false;
    const live = new Set(Object.values(m.timelines).map((e) => e.id));
    for (const [name, e] of Object.entries(m.timelines)) {
      if (e.base && !live.has(e.base.id)) {
        drop(name);
        changed = true;
      }
    }
  }
  for (const w of work.splice(0)) if (m.timelines[w.name] === w.e) work.push(w);
  // New timelines: based on the indexed timeline of the same session that shares the most events.
  for (const [name, { tip }] of current) {
    if (m.timelines[name]) continue;
    summaries ??= store.summaryIndex();
    const summary = summaries.tip(tip);
    if (!summary) continue; // not an agentlog timeline: verify names it
    const e: TimelineEntry = { id: next++, tip, n: summary.length, g: summary.genesisCid };
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
  summaries?.save();

  let indexed = 0;
  let chars = 0;
  let done = 0;
  for (const w of work) {
    if (w.from < w.e.n) {
      for (const { event, calls } of eventsOf(store, w.e.tip, w.from, w.e.n)) {
        const doc = searchDoc(event, calls);
        indexed++;
        if (!doc) continue;
        const words = {} as Record<Field, string>;
        for (const f of FIELDS) {
          words[f] = terms(doc[f]).join(' ');
          chars += doc[f].length;
        }
        ix.addDoc(w.e.id, event.seq, event.ts, doc, words);
      }
    }
    ix.putTimeline(w.name, w.e);
    if (chars >= COMMIT_CHARS) {
      ix.commit();
      ix.begin();
      chars = 0;
    }
    progress?.({ timelines: ++done, totalTimelines: work.length, events: indexed });
  }
  ix.setMeta('refs', print);
  ix.commit();
  return { manifest: m, indexed, rebuilt: ix.rebuilt };
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
 * Events from..to-1 of the timeline at `tip`, each with the calls made before it whose results it may
 * hold (documents.ts). Few: read one by one, and the calls before `from` looked for backwards
 * (callsBefore). Many: the timeline streamed (Store.streamEvents: never held whole when read from
 * git), the ids of the calls in the CALL_LOOKBACK events before `from` noted as they pass, and such a
 * call read again (one path) when a result in the range names it.
 */
function* eventsOf(store: Store, tip: string, from: number, to: number): Generator<{ event: Event; calls: CallNames }> {
  if (from > 0 && to - from <= FEW) {
    const events: Event[] = [];
    for (let s = from; s < to; s++) {
      const e = store.eventAt(tip, s);
      if (e) events.push(e.event);
    }
    const calls = callsBefore(events, from, (seq) => store.eventAt(tip, seq)?.event);
    for (const event of events) yield { event, calls };
    return;
  }
  const calls: CallNames = new Map();
  const earlier = new Map<string, number>();
  let seq = -1;
  for (const { event } of store.streamEvents(tip)) {
    if (++seq >= to) break;
    if (seq < from) {
      if (seq >= from - CALL_LOOKBACK && event.kind === 'message')
        for (const b of blocksOf(event.content)) if (b.type === 'tool_use' && typeof b.id === 'string') earlier.set(b.id, seq);
      continue;
    }
    const wanted = new Set(resultIds(event).filter((id) => !calls.has(id) && earlier.has(id)));
    for (const id of wanted) {
      const at = earlier.get(id) as number;
      earlier.delete(id);
      const e = store.eventAt(tip, at)?.event;
      if (e) noteCalls(e, wanted, calls);
    }
    yield { event, calls };
  }
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
