import type { CID } from '../codec/cid.js';
import type { IpldValue } from '../codec/dagcbor.js';
import type { Event } from '../event/event.js';
import type { Commit } from '../git/commit.js';
import type { ObjectStore } from '../git/objects.js';
import type { Refs, Warn } from '../git/refs.js';
import type { TreeEntry } from '../git/tree.js';
import type { Batch } from './batch.js';
import type { EventCache } from './eventCache.js';

// The shapes the store's files share: what callers give and get (re-exported by store.ts), and the
// StoreContext every function of the store works on.

/** What a caller gives to append: an event without `v`, `seq` and `prev` (the store sets them, I7). */
export type EventInput = { kind: string; ts?: number; [key: string]: IpldValue | undefined };

export interface Appended {
  cid: CID;
  seq: number;
  commit: string;
  event: Event;
}

export interface StoreOptions {
  /** The clock, for events without `ts`. Inject it in tests: commit ids follow from it. */
  now?: () => number;
  /** Where warnings go (a stale lock removed, …). */
  warn?: Warn;
  /** fsync objects and refs (default: the store's `agentlog.fsync` config or AGENTLOG_FSYNC=1). */
  durable?: boolean;
  /** How an append's objects are written: one small pack (default) or five loose objects. */
  objectWrites?: 'pack' | 'loose';
  /** How long an append waits for another writer's ref lock (default: LOCK_WAIT_MS in git/lock.ts). Tests inject a short one. */
  lockWaitMs?: number;
  /**
   * How this Store tidies after its own appends (each leaves a small pack): `background` (default) —
   * once an automatic gc is due (gc.ts), one bounded round runs at the next idle moment (no append
   * of this Store in flight, none for `gcIdleMs`), outside any append and never keeping the process
   * alive by itself; `wait` — the round runs after the append that found it due, which resolves after
   * it (tests); `off` — none (the caller runs `gc` itself, as the CLI does after each command).
   * Default: AGENTLOG_AUTO_GC (`off`/`0`, `wait`), else background.
   */
  autoGc?: 'background' | 'wait' | 'off';
  /** `background`: how long this Store's appends must have paused before a round runs (default 1,000 ms). */
  gcIdleMs?: number;
}

/** Conditions on an append (see Store.append). */
export interface AppendOptions {
  /** The event must follow this commit (an answer to exactly that context). */
  after?: string;
  /** The event must get this seq. */
  seq?: number;
  /**
   * Appends given the same chain object stop at the first that fails: the ones after it are not
   * appended (they reject with E_CHAIN). For a stream of events where a bad one must stop the rest.
   */
  chain?: { failed?: boolean };
}

/** One commit of a timeline, read from its trailers (I5); seq -1 and cid undefined when they are missing or malformed. */
export interface CommitInfo {
  oid: string;
  commit: Commit;
  seq: number;
  cid: CID | undefined;
}

/** A timeline's last commit, as an append builds on it. */
export interface Tip {
  commit: string;
  seq: number;
  cid: CID;
  /** The entries of each tree on the path to the last event: `events/`, then each folder down. */
  spine: TreeEntry[][];
  /** The snapshot its root tree holds as `workspace/` (I16), if any. */
  workspace?: string;
}

/** An append waiting in its timeline's lane (append.ts). */
export interface PendingAppend {
  input: EventInput;
  options: AppendOptions;
  resolve: (done: Appended) => void;
  reject: (error: unknown) => void;
}

/** The appends to one timeline waiting to be written, and whether a writer is at work on them. */
export interface Lane {
  queue: PendingAppend[];
  running: boolean;
}

/**
 * What the store's functions work on: one per Store, made by its constructor and never shared.
 * The maps are memory only: what is keyed by a commit id never goes stale, what is keyed by a ref
 * name is checked against the ref before use (I15).
 */
export interface StoreContext {
  /** The common git dir: objects, refs and agentlog's own files (`agentlog/`) live here. */
  readonly commonDir: string;
  readonly objects: ObjectStore;
  readonly refs: Refs;
  /** The clock, for events without `ts`. */
  readonly now: () => number;
  /** Write an append's objects loose instead of as one pack. */
  readonly loose: boolean;
  readonly eventCache: EventCache;
  /** Per ref: the tip an append last built on or wrote (loadTip.ts). */
  readonly tips: Map<string, Tip>;
  /** Per commit id: its trailers read (history.ts). */
  readonly commits: Map<string, CommitInfo>;
  /** Per commit id: its event blobs in seq order, for the last few commits read (readEvents.ts). */
  readonly blobLists: Map<string, readonly string[]>;
  /** Per ref: the appends waiting to be written (append.ts). */
  readonly lanes: Map<string, Lane>;
  /** The open batch, if any (batch.ts): objects and ref moves staged until one pack writes them. */
  batch?: Batch;
}
