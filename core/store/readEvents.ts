import { AgentlogError } from '../errors.js';
import type { CID } from '../codec/cid.js';
import { type Event, openEvent, type StoredEvent } from '../event/event.js';
import type { TreeEntry } from '../git/tree.js';
import { eventsTree } from './eventsTree.js';
import { commitInfo, history } from './history.js';
import { DIR_LEVELS, DIR_MODE, EVENTS_DIR, eventPath, FILE_MODE } from './layout.js';
import { eventFromBlob, readTree } from './readObject.js';
import type { StoreContext } from './types.js';

// Reading a whole timeline: the blob of every event in a commit's tree, and every event decoded,
// through the event cache (eventCache.ts, I14) when the timeline is long.

/**
 * Timelines this long or longer are cached after a read. Shorter ones read from git in tens of
 * milliseconds (a few chunks of one pack, packSet.ts); from a cache file, a few.
 */
const CACHE_MIN = 256;
/** How many commits back readEvents looks for an ancestor's cache file to start from. */
const CACHE_LOOKBACK = 256;
/** A new cache file only once a commit is this many events past the file it would build on. */
const CACHE_REWRITE = 128;
/** How many commits' blob lists are remembered. */
const BLOB_LISTS = 64;

/**
 * The blob ids of every event in a commit's tree, in seq order (checked to be 0, 1, 2, …, I4).
 * Remembered for the last BLOB_LISTS commits (commits never change, I15): a live view lists the same
 * tips again at every refresh. The array is shared: do not change it.
 */
export function eventBlobs(ctx: StoreContext, commit: string): readonly string[] {
  let list = ctx.blobLists.get(commit);
  if (!list) {
    list = Object.freeze(walkEventBlobs(ctx, commit));
    if (ctx.blobLists.size >= BLOB_LISTS) ctx.blobLists.delete(ctx.blobLists.keys().next().value!);
    ctx.blobLists.set(commit, list);
  }
  return list;
}

/** Every file under `events/`, checked to be exactly eventPath(0), eventPath(1), … (I4). */
function walkEventBlobs(ctx: StoreContext, commit: string): string[] {
  const out: string[] = [];
  const walk = (entries: TreeEntry[], level: number, prefix: string): void => {
    for (const e of entries) {
      const want = eventPath(out.length);
      if (e.name !== want[level] || e.mode !== (level === DIR_LEVELS ? FILE_MODE : DIR_MODE)) {
        throw new AgentlogError('E_VERIFY', `commit ${commit}: expected ${EVENTS_DIR}/${want.join('/')}, found ${prefix}${e.name}`, {
          commit,
          seq: out.length,
        });
      }
      if (level === DIR_LEVELS) out.push(e.oid);
      else walk(readTree(ctx, e.oid), level + 1, `${prefix}${e.name}/`);
    }
  };
  walk(eventsTree(ctx, commit), 0, `${EVENTS_DIR}/`);
  return out;
}

/**
 * Every event of the timeline as of `commit`, decoded strictly. CIDs are computed from the bytes
 * when read from git (I6); the event cache keeps them beside the bytes. The cache serves this
 * commit, or an ancestor up to CACHE_LOOKBACK commits back (then only newer events are read from
 * git), and is trusted only when the prev links chain up to the commit's Agentlog-Event trailer
 * (I14). Timelines of CACHE_MIN events or more are cached after a read (see CACHE_REWRITE).
 */
export function readEvents(ctx: StoreContext, commit: string): StoredEvent[] {
  const cache = ctx.eventCache;
  const where = (seq: number) => `event seq ${seq} of commit ${commit}`;
  const own = cache.read(commit);
  if (own) {
    const events = own.map((e, seq) => openEvent(e.bytes, where(seq), e.cid, e.source));
    if (chainHolds(ctx, commit, events)) return events;
    cache.remove(commit);
  }
  // An ancestor's cache file to start from: only timelines of CACHE_MIN events get one, so a
  // shorter timeline has none to look for.
  let base: StoredEvent[] = [];
  let baseCommit: string | undefined;
  if (commitInfo(ctx, commit).seq + 1 >= CACHE_MIN) {
    let depth = 0;
    for (const c of history(ctx, commit)) {
      if (depth++ > CACHE_LOOKBACK) break;
      if (c.oid === commit || !cache.has(c.oid)) continue;
      const file = cache.read(c.oid);
      if (file) {
        base = file.map((e, seq) => openEvent(e.bytes, where(seq), e.cid, e.source));
        baseCommit = c.oid;
      } else cache.remove(c.oid); // damaged
      break;
    }
  }
  const blobs = eventBlobs(ctx, commit);
  const fromGit = (seq: number) => eventFromBlob(ctx, blobs[seq], `event seq ${seq} (blob ${blobs[seq]})`);
  const cached = base.length <= blobs.length ? base.length : 0;
  let out = cached ? base : [];
  for (let seq = out.length; seq < blobs.length; seq++) out.push(fromGit(seq));
  if (baseCommit && cached && !chainHolds(ctx, commit, out)) {
    cache.remove(baseCommit); // not what it claims to be
    baseCommit = undefined;
    out = blobs.map((_, seq) => fromGit(seq));
  }
  // A new cache file only when there is none to build on, or this commit is CACHE_REWRITE events
  // past it: reading a growing timeline again and again must not write the whole timeline each
  // time. The file it supersedes goes, unless a timeline still ends at that commit.
  if (out.length >= CACHE_MIN && !own && (!baseCommit || out.length - cached >= CACHE_REWRITE)) {
    cache.write(commit, out);
    if (baseCommit && ![...ctx.refs.list('refs/heads/').values()].includes(baseCommit)) cache.remove(baseCommit);
  }
  return out;
}

/**
 * The events of the timeline as of `commit`, oldest first, one at a time: for a reader that shows
 * each and lets it go (`log`), so a timeline read from git is never held whole (a 30 MB session
 * read cold peaked at 250 MB through readEvents). A timeline with a cache file (its own or an
 * ancestor's, as readEvents looks for one) or shorter than CACHE_MIN is read by readEvents (one
 * file read; warm). Otherwise each event comes from git, decoded and its CID computed (I6), and a
 * cache file is written as they pass (EventCache.writer; left unwritten if the reader stops early),
 * so the next read is warm.
 */
export function* streamEvents(ctx: StoreContext, commit: string): Generator<StoredEvent> {
  if (commitInfo(ctx, commit).seq + 1 < CACHE_MIN || hasCacheFile(ctx, commit)) {
    yield* readEvents(ctx, commit);
    return;
  }
  const blobs = eventBlobs(ctx, commit);
  const writer = ctx.eventCache.writer(commit, blobs.length);
  try {
    for (let seq = 0; seq < blobs.length; seq++) {
      const e = eventFromBlob(ctx, blobs[seq], `event seq ${seq} (blob ${blobs[seq]})`);
      writer?.add(e.cid, e.bytes);
      yield e;
    }
    writer?.finish();
  } finally {
    writer?.abort(); // nothing, once finished
  }
}

/**
 * `fold` (a reader that takes the events in one pass and keeps what it makes of them: `show`'s
 * turns, core/reading) over every event of the timeline as of `commit`, decoded as it goes: from
 * this commit's own cache file a piece at a time (EventCache.records), each event's bytes and the
 * event itself let go once folded, so memory follows what the fold keeps, not the timeline. The
 * cache is trusted as readEvents trusts it (the prev links chain up to the commit's trailer, I14),
 * checked as the events pass: when it does not hold, what `fold` made is dropped and it runs again
 * over the events as streamEvents reads them (which rebuilds a damaged cache file).
 */
export function foldEvents<T>(ctx: StoreContext, commit: string, fold: (events: Iterable<Event>) => T): T {
  if (ctx.eventCache.has(commit)) {
    let whole = false;
    let n = 0;
    let last: CID | undefined;
    const records = ctx.eventCache.records(commit, false);
    const decoded = function* (): Generator<Event> {
      for (;;) {
        const r = records.next();
        if (r.done) {
          whole = r.value;
          return;
        }
        const { event } = openEvent(r.value.bytes, `event seq ${n} of commit ${commit}`, r.value.cid);
        if (n > 0 && !(last && event.prev?.equals(last))) return; // not the chain: whole stays false
        last = r.value.cid;
        n++;
        yield event;
      }
    };
    const made = fold(decoded());
    const tip = commitInfo(ctx, commit);
    if (whole && tip.cid && tip.seq === n - 1 && last && tip.cid.equals(last)) return made;
  }
  return fold(
    (function* () {
      for (const e of streamEvents(ctx, commit)) yield e.event;
    })(),
  );
}

/** Whether readEvents would start from a cache file: this commit's, or an ancestor's up to CACHE_LOOKBACK commits back. */
function hasCacheFile(ctx: StoreContext, commit: string): boolean {
  let depth = 0;
  for (const c of history(ctx, commit)) {
    if (depth++ > CACHE_LOOKBACK) return false;
    if (ctx.eventCache.has(c.oid)) return true;
  }
  return false;
}

/** Cached events are trusted only when their prev links (I7) chain up to the commit's own trailer (I5, I14). */
function chainHolds(ctx: StoreContext, commit: string, events: ReadonlyArray<{ cid: CID; event: Event }>): boolean {
  const tip = commitInfo(ctx, commit);
  if (!tip.cid || tip.seq !== events.length - 1 || !tip.cid.equals(events[events.length - 1]?.cid)) return false;
  for (let i = 1; i < events.length; i++) {
    if (!events[i].event.prev?.equals(events[i - 1].cid)) return false;
  }
  return true;
}
