// core/store/ owns the store: a git repository whose branches are timelines of events, written and
// read without the git CLI. Its format and invariants are stated once, numbered, in layout.ts; code
// that enforces one cites it (I1…I16). This file is the façade callers use (cli/, extension/, sync,
// import): each method hands off to a file named after what it does — append.ts (group commit),
// create.ts, readEvents.ts, history.ts (the one first-parent walk), eventsTree.ts, forks.ts,
// publish.ts (objects before refs, compare-and-swap, the detach-HEAD rule), init.ts (open, init).
// The ObjectStore and Refs underneath stay private; tests and tools reach them through internals.ts.

import * as path from 'node:path';
import type { Event, StoredEvent } from '../event/event.js';
import type { Commit } from '../git/commit.js';
import { ObjectStore, type GitObject, type PackObject } from '../git/objects.js';
import { commonDir, findGitDir, readConfig } from '../git/repo.js';
import { Refs, timelineRef } from '../git/refs.js';
import type { TreeEntry } from '../git/tree.js';
import { ensureStoreBranch, STORE_REF } from './storeBranch.js';
import { CommitIndex } from './commitIndex.js';
import { deleteTimeline, undeleteTimeline, type Deleted } from './deleteTimeline.js';
import { renameTimeline, type Renamed } from './rename.js';
import { append } from './append.js';
import { abortBatch, batchSize, beginBatch, flushBatch, whenDurable, type Flushed } from './batch.js';
import { branch, create } from './create.js';
import { EventCache } from './eventCache.js';
import { eventAt, spine, treeAt } from './eventsTree.js';
import { forkRecords, recordFork } from './forks.js';
import { gc, gcDue, type GcOptions, type GcResult } from './gc.js';
import { commitInfo, history } from './history.js';
import { findStore, initStore, isMarked } from './init.js';
import { moveRef, moveRefs, writeObjects } from './publish.js';
import { eventBlobs, foldEvents, readEvents, streamEvents } from './readEvents.js';
import { eventFromBlob, readCommit, readObject } from './readObject.js';
import { SummaryIndex } from './summaryIndex.js';
import { readVerifyMarks, updateVerifyMarks } from './verifyMarks.js';
export type { Deleted } from './deleteTimeline.js';
export type { Renamed } from './rename.js';
import { writeChain } from './rewrite.js';
import type { AppendOptions, Appended, CommitInfo, EventInput, StoreContext, StoreOptions } from './types.js';

/** How many packs a Store writes between two looks at whether an automatic gc is due (gc.ts: due past 32). */
const GC_CHECK_EVERY = 8;
/**
 * A long-lived writer's round (autoGc `background`) waits for an idle moment: no append of its Store
 * in flight and none acknowledged for this long, so a burst of appends never waits behind a merge…
 */
const GC_IDLE_MS = 1000;
/** …unless the burst has written this many packs since the round was found due: then it runs between two appends. */
const GC_CEILING_PACKS = 4 * 32;

function autoGcFromEnv(v: string | undefined): 'background' | 'wait' | 'off' {
  if (v === '0' || v === 'off' || v === 'false') return 'off';
  return v === 'wait' ? 'wait' : 'background';
}

export { DIR_LEVELS, EVENTS_DIR, eventPath, FANOUT, TRAILER_EVENT, TRAILER_SEQ } from './layout.js';
export type { AppendOptions, Appended, CommitInfo, EventInput, StoreOptions } from './types.js';
export type { GcOptions, GcResult } from './gc.js';
export type { Flushed } from './batch.js';

/**
 * A store: a git repository whose branches (`refs/heads/*`) are timelines (I2). Each append is one
 * commit (I3) whose tree holds the whole timeline under `events/` (I4), written straight into the
 * object database (I9) and published by a compare-and-swap of the branch (I10).
 *
 * The working tree is only for looking (time travel with `git checkout`). Appends never touch it.
 * When the branch being appended to is the one checked out, the append first detaches HEAD at the
 * commit that was checked out (I12): `git status` stays clean ("HEAD detached at …", nothing to
 * commit) instead of showing the new events as staged deletions, and `git checkout NAME` catches up.
 */
export class Store {
  /** Everything the store's functions share (types.ts); reached from outside only by internals.ts. */
  private readonly ctx: StoreContext;
  private readonly autoGc: 'background' | 'wait' | 'off';
  private readonly warn: (message: string) => void;
  /** packsWritten when this Store last asked whether a gc is due, and the round it runs now, if any. */
  private gcCheckedAt = 0;
  private tidying?: Promise<void>;
  /** `background`: appends of this Store in flight, when the last was acknowledged (performance.now()), and the round waiting for an idle moment. */
  private inFlight = 0;
  private lastAck = 0;
  private dueSince = -1;
  private idleTimer?: ReturnType<typeof setTimeout>;
  private readonly gcIdleMs: number;

  private constructor(
    readonly gitDir: string,
    readonly workTree: string | undefined,
    options: StoreOptions,
  ) {
    const common = commonDir(gitDir);
    const durable = options.durable ?? (process.env.AGENTLOG_FSYNC === '1' || readConfig(gitDir, 'agentlog.fsync') === 'true');
    const warn = options.warn ?? (() => {});
    this.warn = warn;
    this.autoGc = options.autoGc ?? autoGcFromEnv(process.env.AGENTLOG_AUTO_GC);
    this.gcIdleMs = options.gcIdleMs ?? GC_IDLE_MS;
    this.ctx = {
      commonDir: common,
      objects: new ObjectStore(common, durable),
      refs: new Refs(common, durable, warn, { waitMs: options.lockWaitMs }),
      now: options.now ?? Date.now,
      loose: options.objectWrites === 'loose',
      eventCache: new EventCache(path.join(common, 'agentlog', 'cache')),
      tips: new Map(),
      commits: new Map(),
      blobLists: new Map(),
      lanes: new Map(),
    };
  }

  /** The folder a person knows the store by: the working tree, or the git dir of a bare store. */
  get dir(): string {
    return this.workTree ?? this.gitDir;
  }

  /** Open the git repository at `dir` (a working tree or a bare repository) as a store. */
  static open(dir: string, options: StoreOptions = {}): Store {
    const found = findStore(dir);
    return new Store(found.gitDir, found.workTree, options);
  }

  /** True when `dir` holds a repository marked as an agentlog store by `init` (I1). */
  static isMarked(dir: string): boolean {
    return isMarked(dir);
  }

  /**
   * True when `dir` is the top of a git repository that is not marked as a store but holds
   * timelines: its HEAD, or one of its first remote-tracking refs, is a commit with an
   * Agentlog-Event trailer (I5). What a plain `git clone` of a store looks like.
   */
  static looksLikeStore(dir: string): boolean {
    const found = findGitDir(path.resolve(dir));
    if (!found || isMarked(dir)) return false;
    const store = new Store(found.gitDir, found.workTree, {});
    const tips: string[] = [];
    try {
      const head = store.head().oid;
      if (head) tips.push(head);
      tips.push(...[...store.listRefs('refs/remotes/').values()].slice(0, 4));
    } catch {
      // a broken ref: what was read is enough to tell
    }
    for (const tip of tips) {
      try {
        const info = store.commitInfo(tip);
        if (info.cid && info.seq >= 0) return true;
      } catch {
        // not a commit this store can read
      }
    }
    return false;
  }

  /**
   * Create a store at `dir` (idempotent: an existing store is opened as it is). When `dir` lies in
   * another git working tree, the store is added to that repository's `.git/info/exclude`.
   */
  static init(dir: string, options: StoreOptions = {}): { store: Store; created: boolean; excludedIn?: string } {
    const { created, excludedIn } = initStore(dir);
    const store = Store.open(path.resolve(dir), options);
    ensureStoreBranch(store); // HEAD names something (I2), in a new store and in one made before
    return { store, created, excludedIn };
  }

  // -------------------------------------------------------------------------------------------------
  // Refs and objects, for sync and readers (the store's own ObjectStore and Refs stay behind these)

  /**
   * Merge the packs appends left (gc.ts): `auto` does one bounded round when due, else rounds until
   * done. Never called by an append; one gc at a time per store (its lock).
   */
  gc(options: GcOptions = {}): Promise<GcResult> {
    return gc(this.ctx, options);
  }

  /**
   * Open a batch (batch.ts): appends, creates and branches of any timelines are staged in memory
   * (reads in this Store see them) until flushBatch writes them as one pack and then moves each ref
   * by its own compare-and-swap. An append's promise resolves when staged: what acknowledges the
   * work outside this process goes through whenDurable. One batch at a time.
   */
  beginBatch(): void {
    beginBatch(this.ctx);
  }

  /** Write the open batch: one durable pack, each ref moved, then what whenDurable queued (not if a ref failed). */
  flushBatch(): Promise<Flushed> {
    return flushBatch(this.ctx);
  }

  /** Drop the open batch unwritten. */
  abortBatch(): void {
    abortBatch(this.ctx);
  }

  /** The bytes staged in the open batch (0 when none). */
  batchSize(): number {
    return batchSize(this.ctx);
  }

  /** Run `fn` once what was written is durable: now, or after the open batch is flushed. */
  whenDurable(fn: () => void): void {
    whenDurable(this.ctx, fn);
  }

  /** Whether this Store wrote packs and an automatic gc now has work (cheap: a folder listing). */
  gcDue(): boolean {
    return this.ctx.objects.packsWritten > 0 && gcDue(this.ctx);
  }

  /** The commit a ref points at (a full ref name, e.g. `refs/remotes/origin/x`), or undefined. */
  readRef(ref: string): string | undefined {
    return this.ctx.refs.read(ref);
  }

  /** Whether this store fsyncs what it publishes (agentlog.fsync, AGENTLOG_FSYNC=1, or StoreOptions.durable). */
  get durable(): boolean {
    return this.ctx.objects.durable;
  }

  /** Every ref under `prefix`: full name → commit. */
  listRefs(prefix: string): Map<string, string> {
    return this.ctx.refs.list(prefix);
  }

  /** Every ref under `prefix` that reads cleanly, and each broken one with the error naming it (verify reports those). */
  listRefsChecked(prefix: string): ReturnType<Refs['listChecked']> {
    return this.ctx.refs.listChecked(prefix);
  }

  /** Remove a ref if it still points at `expected` (git's protocol, I10); false when it had moved. */
  deleteRef(ref: string, expected: string): Promise<boolean> {
    return this.ctx.refs.delete(ref, expected);
  }

  /** What HEAD names: the ref it is attached to, and the commit it resolves to. */
  head(): { symbolic?: string; oid?: string } {
    return this.ctx.refs.head();
  }

  /**
   * Move a ref from `expected` (undefined: it must not exist) to `next` by compare-and-swap (I10);
   * false when it had moved. HEAD attached to this ref is detached first (I12, see publish.ts).
   */
  moveRef(ref: string, expected: string | undefined, next: string): Promise<boolean> {
    return moveRef(this.ctx, ref, expected, next);
  }

  /** moveRef for many refs at once (publish.ts moveRefs: one packed-refs write, not a file per ref); per update, whether it was made. */
  moveRefs(updates: ReadonlyArray<{ ref: string; expected: string | undefined; next: string }>): Promise<boolean[]> {
    return moveRefs(this.ctx, updates);
  }

  /**
   * Write objects an event will name (a checkpoint's snapshot, I16) ahead of its append (I9): one
   * pack, durable, kept (`.keep`) until the returned release is called, once the event is appended
   * or given up, so a concurrent gc never removes them in between. The release never throws.
   */
  writeObjects(objects: PackObject[]): () => void {
    return writeObjects(this.ctx, objects);
  }

  /** Write a few objects loose, one file each (the store's own branch, storeBranch.ts: not worth a pack of their own). */
  writeLoose(objects: PackObject[]): void {
    for (const o of objects) this.ctx.objects.write(o.type, o.content, o.oid);
  }

  /** True when the object database holds `oid`. */
  hasObject(oid: string): boolean {
    return this.ctx.objects.has(oid);
  }

  /** A raw git object, whatever its type. */
  readGitObject(oid: string): GitObject {
    return this.ctx.objects.read(oid);
  }

  /** The store's objects/ folder (where received packs are installed). */
  get objectsDir(): string {
    return this.ctx.objects.objectsDir;
  }

  /** Look again for packs another process or a fetch added. */
  refreshPacks(): void {
    this.ctx.objects.refreshPacks();
  }

  /**
   * Run `fn` with objects looked up through `read` first (undefined: not there, read as usual): a
   * fetch checks what it received through the pack it just installed, read by what indexing learnt of
   * it (sync/fetch.ts). The same objects, found faster; nothing else changes.
   */
  readingThrough<T>(read: (oid: string) => GitObject | undefined, fn: () => T): T {
    const before = this.ctx.objects.overlay;
    this.ctx.objects.overlay = read;
    try {
      return fn();
    } finally {
      this.ctx.objects.overlay = before;
    }
  }

  // -------------------------------------------------------------------------------------------------
  // Timelines (writing: create.ts, append.ts)

  /** Every timeline: name → tip commit, sorted by name. */
  timelines(): Map<string, string> {
    const out = new Map<string, string>();
    for (const [ref, oid] of this.ctx.refs.list('refs/heads/')) if (ref !== STORE_REF) out.set(ref.slice('refs/heads/'.length), oid);
    return out;
  }

  /**
   * Every timeline a reader can name: the local ones (timelines()), then each remote-tracking ref
   * (`refs/remotes/REMOTE/NAME`, git's symbolic `REMOTE/HEAD` left out) whose NAME is a valid timeline
   * name with no local branch, as a plain `git clone` leaves all but one of them. A name on two
   * remotes is taken from the first in name order. Appending to one makes its local branch
   * (timeline/local.ts).
   */
  readableTimelines(): Map<string, { tip: string; remote?: string }> {
    const out = new Map<string, { tip: string; remote?: string }>();
    for (const [name, tip] of this.timelines()) out.set(name, { tip });
    let remotes: Map<string, string>;
    try {
      remotes = this.ctx.refs.list('refs/remotes/');
    } catch {
      return out; // a broken remote-tracking ref: the local timelines still read (verify names it)
    }
    for (const [ref, tip] of remotes) {
      const rest = ref.slice('refs/remotes/'.length);
      const slash = rest.indexOf('/');
      if (slash <= 0) continue;
      const name = rest.slice(slash + 1);
      if (name === 'HEAD' || out.has(name)) continue;
      try {
        timelineRef(name);
      } catch {
        continue;
      }
      out.set(name, { tip, remote: rest.slice(0, slash) });
    }
    return out;
  }

  /**
   * Make the local branch of a timeline only a remote-tracking ref holds (readableTimelines), at that
   * ref's commit, as `git switch NAME` does after a plain clone; nothing when the branch exists or no
   * remote has the name. Returns the local tip, if any. Made by compare-and-swap (I10): a branch
   * another process made meanwhile is kept.
   */
  async ensureLocal(name: string): Promise<string | undefined> {
    const local = this.tipOf(name);
    if (local) return local;
    const remote = this.readableTimelines().get(name);
    if (!remote?.remote) return undefined;
    await this.moveRef(timelineRef(name), undefined, remote.tip);
    return this.tipOf(name);
  }

  /**
   * The commit index (commitIndex.ts), brought up to date with `timelines` (name → tip): every commit
   * on them with its event's CID and seq, for short ids, without walking every history each time.
   */
  commitIndex(timelines: ReadonlyMap<string, string>): CommitIndex {
    return CommitIndex.update(this.ctx, timelines);
  }

  tipOf(name: string): string | undefined {
    return this.ctx.refs.read(timelineRef(name));
  }

  /** Start a session: a genesis event (`kind: session` by convention, I8) on a new branch. */
  create(name: string, genesis: EventInput): Promise<Appended> {
    return this.tidyAfter(create(this.ctx, name, genesis));
  }

  /**
   * Append one event to a timeline: one commit, published by compare-and-swap; appends waiting at
   * the same time are written together (group commit). `after` / `seq`: conditions that must still
   * hold, else E_MOVED. See append.ts.
   */
  append(name: string, input: EventInput, options: AppendOptions = {}): Promise<Appended> {
    return this.tidyAfter(append(this.ctx, name, input, options));
  }

  /**
   * After an append of this Store is acknowledged: the automatic gc of a long-lived writer (an
   * extension host, a library's process), so the small pack each append leaves does not pile up
   * until someone runs a command. Asked every GC_CHECK_EVERY packs this Store wrote (a folder
   * listing); a round never runs inside an append. `background`: once one is due, it waits for an
   * idle moment (no append in flight, none for gcIdleMs; or GC_CEILING_PACKS more packs written
   * first) on a timer that never keeps the process alive, and rounds follow while one is still due;
   * `wait`: the round runs after the append that found it due, which resolves after it. A failure is
   * a warning: the next round or `agentlog gc` does it. Reads stay fast meanwhile (the PackSet's
   * MultiIndex of small packs).
   */
  private tidyAfter(appended: Promise<Appended>): Promise<Appended> {
    if (this.autoGc === 'off') return appended;
    this.inFlight++;
    return appended.then(
      (done) => {
        this.inFlight--;
        this.lastAck = performance.now();
        const round = this.tidy();
        return this.autoGc === 'wait' && round ? round.then(() => done) : done;
      },
      (e: unknown) => {
        this.inFlight--;
        throw e;
      },
    );
  }

  private tidy(): Promise<void> | undefined {
    const written = this.ctx.objects.packsWritten;
    if (this.tidying) return this.tidying;
    if (this.dueSince >= 0) {
      // Due already, waiting for an idle moment: past the ceiling, between this append and the next.
      if (written - this.dueSince >= GC_CEILING_PACKS) this.whenIdle(0);
      return undefined;
    }
    if (written - this.gcCheckedAt < GC_CHECK_EVERY) return undefined;
    this.gcCheckedAt = written;
    if (!gcDue(this.ctx)) return undefined;
    if (this.autoGc === 'wait') return this.round().then(() => undefined);
    this.dueSince = written;
    this.whenIdle(this.gcIdleMs);
    return undefined;
  }

  /** Run the waiting round after `ms`, or later if appends are in flight or came within gcIdleMs. */
  private whenIdle(ms: number): void {
    if (this.idleTimer) {
      if (ms > 0) return;
      clearTimeout(this.idleTimer);
    }
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined;
      const quiet = performance.now() - this.lastAck;
      const ceiling = this.ctx.objects.packsWritten - this.dueSince >= GC_CEILING_PACKS;
      if (!ceiling && (this.inFlight > 0 || quiet < this.gcIdleMs)) return this.whenIdle(Math.max(this.gcIdleMs - quiet, 10));
      void this.round().then((merged) => {
        this.dueSince = -1;
        // Still due (a round is bounded): another one at the next idle moment; a round that merged
        // nothing (another gc held the lock, nothing mergeable) waits for GC_CHECK_EVERY more packs.
        if (merged > 0 && gcDue(this.ctx)) {
          this.dueSince = this.ctx.objects.packsWritten;
          this.whenIdle(this.gcIdleMs);
        }
      });
    }, ms);
    this.idleTimer.unref();
  }

  /** One bounded automatic round (gc.ts); a failure is a warning. Resolves to how many packs it merged. */
  private round(): Promise<number> {
    // An automatic round in this process copies entries as stored: a delta search would hold up the
    // event loop of a long-lived writer (an extension host); `agentlog gc` makes the deltas.
    const round = gc(this.ctx, { auto: true, deltas: false })
      .then(
        (r) => r.merged,
        (e: unknown) => {
          this.warn(`the automatic gc failed (run: agentlog gc): ${(e as Error)?.message ?? String(e)}`);
          return 0;
        },
      )
      .finally(() => {
        this.tidying = undefined;
      });
    this.tidying = round.then(() => undefined);
    return round;
  }

  /** Rename a timeline, local only (rename.ts): forks' records and HEADs follow; all or nothing. */
  renameTimeline(from: string, to: string): Promise<Renamed> {
    return renameTimeline(this.ctx, from, to);
  }

  /** Delete a timeline, local only, its tip kept in the branch's reflog (deleteTimeline.ts); with `expected`, only while its tip is that commit (E_MOVED). */
  deleteTimeline(name: string, expected?: string): Promise<Deleted> {
    return deleteTimeline(this.ctx, name, expected);
  }

  /** Bring back a deleted timeline from its reflog (deleteTimeline.ts). */
  undeleteTimeline(name: string): Promise<Deleted> {
    return undeleteTimeline(this.ctx, name);
  }

  /**
   * The commits of already sealed events after `parent`, written by the normal commit path into one
   * pack (rewrite.ts); no ref moves. Call `release` once the refs naming them have moved (I9).
   */
  writeChain(parent: string | undefined, events: readonly StoredEvent[]): { commits: string[]; release: () => void } {
    return writeChain(this.ctx, parent, events);
  }

  /** A new timeline pointing at `commit` (sharing all history up to it). */
  branch(name: string, commit: string, forkedFrom?: string): Promise<void> {
    return branch(this.ctx, name, commit, forkedFrom);
  }

  // -------------------------------------------------------------------------------------------------
  // Reading (readObject.ts, history.ts, eventsTree.ts, readEvents.ts)

  /**
   * Check that object `oid` (hex, or its 20 bytes) of `type` is in the store and whole, for a caller that knows what it
   * holds from its id (a tree id computed from its entries, timeline/spineIds.ts): a packed object
   * whose bytes match its pack's CRC-32s is not inflated (ObjectStore.packedWhole); anything else is
   * read. E_OBJECT naming it when it is missing, corrupt or not of `type`.
   */
  checkObject(oid: string | Buffer, type: 'blob' | 'tree' | 'commit'): void {
    if (!this.ctx.objects.packedWhole(oid)) readObject(this.ctx, typeof oid === 'string' ? oid : oid.toString('hex'), type);
  }

  /** A git object that must be of `type`; E_OBJECT when it is missing, corrupt or of another type. */
  readObject(oid: string, type: 'blob' | 'tree' | 'commit'): GitObject {
    return readObject(this.ctx, oid, type);
  }

  readCommit(oid: string): Commit {
    return readCommit(this.ctx, oid);
  }

  /** The event in a blob, decoded strictly, its CID computed from the bytes; `where` names it in errors. */
  eventFromBlob(oid: string, where: string): StoredEvent {
    return eventFromBlob(this.ctx, oid, where);
  }

  /** The event of seq `seq` in a commit's tree (one path down the tree, not the whole timeline). */
  eventAt(commit: string, seq: number): StoredEvent | undefined {
    return eventAt(this.ctx, commit, seq);
  }

  /** A commit with its trailers read (seq, event CID). Cached: commits never change. */
  commitInfo(oid: string): CommitInfo {
    return commitInfo(this.ctx, oid);
  }

  /** The commits of a timeline from `tip` back to genesis (first parents, I3). */
  history(tip: string): Generator<CommitInfo> {
    return history(this.ctx, tip);
  }

  /** The entries of each tree on the path to a commit's last event: `events/`, then each folder down. */
  spine(commit: string): TreeEntry[][] {
    return spine(this.ctx, commit);
  }

  /** The entries of the tree at `names` below a commit's `events/` (undefined if there is none). */
  treeAt(commit: string, names: string[]): TreeEntry[] | undefined {
    return treeAt(this.ctx, commit, names);
  }

  /** The blob ids of every event in a commit's tree, in seq order (checked, I4). Shared: do not change it. */
  eventBlobs(commit: string): readonly string[] {
    return eventBlobs(this.ctx, commit);
  }

  /** Every event of the timeline as of `commit`, decoded strictly (through the event cache, I14). */
  readEvents(commit: string): StoredEvent[] {
    return readEvents(this.ctx, commit);
  }

  /**
   * A text made from `commit`'s events and kept in the event cache (I14) for `key` (what else it
   * depends on: a command, its options, agentlog's version), or undefined: `log` keeps what it
   * printed, so a warm `log` of a long timeline decodes no event. Derived like the cache: a file
   * that is damaged or of another key is not served.
   */
  derivedText(commit: string, key: string): string | undefined {
    return this.ctx.eventCache.readText(commit, key);
  }

  /** Keep `text`, made from `commit`'s events, for `key` (derivedText). */
  keepDerivedText(commit: string, key: string, text: string): void {
    this.ctx.eventCache.writeText(commit, key, text);
  }

  /** `fold` over every event, decoded as it goes, none held but what it keeps (readEvents.ts, foldEvents): for `show`'s turns. */
  foldEvents<T>(commit: string, fold: (events: Iterable<Event>) => T): T {
    return foldEvents(this.ctx, commit, fold);
  }

  /** The same events one at a time, never held whole when they come from git (readEvents.ts, streamEvents): for `log`. */
  streamEvents(commit: string): Generator<StoredEvent> {
    return streamEvents(this.ctx, commit);
  }

  /**
   * The summary index (summaryIndex.ts): what listing timelines needs of each tip, kept in a derived
   * file so a listing reads no packs for a timeline that has not moved. Call save() when done.
   */
  summaryIndex(): SummaryIndex {
    return SummaryIndex.open(this.ctx);
  }

  /** Verified-up-to marks (verifyMarks.ts): timeline name → the last commit `verify` found sound. */
  verifyMarks(): Map<string, string> {
    return readVerifyMarks(this.ctx);
  }

  /** Set (a commit) or drop (undefined) verify marks; with `keep`, drop every mark whose name it refuses. */
  updateVerifyMarks(changes: ReadonlyMap<string, string | undefined>, keep?: (name: string) => boolean): void {
    updateVerifyMarks(this.ctx, changes, keep);
  }

  // -------------------------------------------------------------------------------------------------
  // Forks: which timeline a fork left (forks.ts, I13)

  forkRecords(): Record<string, string> {
    return forkRecords(this.ctx);
  }

  /** Record which timeline a fork left, under a lock (two forks at once both keep their record). */
  recordFork(name: string, from: string): Promise<void> {
    return recordFork(this.ctx, name, from);
  }
}
