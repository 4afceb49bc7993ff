import * as fs from 'node:fs';
import * as path from 'node:path';
import { CID, parseCid } from '../codec/cid.js';
import type { IpldValue } from '../codec/dagcbor.js';
import { EventCache } from './eventCache.js';
import { AgentlogError } from '../errors.js';
import { actorOf, eventRecord, openEvent, sealEvent, summarize, type Event, type StoredEvent } from '../event/event.js';
import { parseCommit, serializeCommit, trailers, type Commit } from '../git/commit.js';
import { ObjectStore, type GitObject, type PackObject } from '../git/objects.js';
import { commonDir, enclosingWorkTree, findGitDir, readConfig } from '../git/repo.js';
import { Refs, timelineRef, type Warn } from '../git/refs.js';
import { parseTree, serializeTree, type TreeEntry } from '../git/tree.js';

/** What a caller gives to append: an event without `v`, `seq` and `prev` (the store sets them). */
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
}

/**
 * The fan-out under `events/`: DIR_LEVELS levels of folders, FANOUT entries in each folder below
 * the top, files at the bottom: `events/<seq / 1024>/<seq / 32 % 32>/<seq>.cbor`. An append rewrites
 * one leaf (≤ 32 entries), one middle folder, `events/` and the root: small trees, because the
 * trees an append rewrites cost more bytes than the event itself when they are large.
 */
export const FANOUT = 32;
export const DIR_LEVELS = 2;
export const EVENTS_DIR = 'events';
export const TRAILER_EVENT = 'Agentlog-Event';
export const TRAILER_SEQ = 'Agentlog-Seq';
const CACHE_MIN = 1000;
const CACHE_LOOKBACK = 256;
const CACHE_REWRITE = 128;
const BLOB_LISTS = 64;
const FILE = '100644';
const DIR = '40000';

/** The path of event `seq` below `events/`: DIR_LEVELS folder names, then the file name. */
export function eventPath(seq: number): string[] {
  const out: string[] = [];
  for (let level = 0; level < DIR_LEVELS; level++) {
    const span = FANOUT ** (DIR_LEVELS - level);
    out.push(level === 0 ? String(Math.floor(seq / span)).padStart(6, '0') : String(Math.floor(seq / span) % FANOUT).padStart(2, '0'));
  }
  out.push(`${String(seq).padStart(9, '0')}.cbor`);
  return out;
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

interface PendingAppend {
  input: EventInput;
  options: AppendOptions;
  resolve: (done: Appended) => void;
  reject: (error: unknown) => void;
}

/** The appends to one timeline waiting to be written, and whether a writer is at work on them. */
interface Lane {
  queue: PendingAppend[];
  running: boolean;
}

/** At most this many appends, or about this many bytes of events, are written as one batch (one pack, one move of the branch). */
const MAX_BATCH = 1000;
const MAX_BATCH_BYTES = 16 << 20;

interface Tip {
  commit: string;
  seq: number;
  cid: CID;
  /** The entries of each tree on the path to the last event: `events/`, then each folder down. */
  spine: TreeEntry[][];
}

/** One commit of a timeline, read from its trailers. */
export interface CommitInfo {
  oid: string;
  commit: Commit;
  seq: number;
  cid: CID | undefined;
}

/**
 * A store: a git repository whose branches (`refs/heads/*`) are timelines. Each append is one commit
 * whose tree holds the whole timeline under `events/` (see eventPath),
 * written straight into the object database and published by a compare-and-swap of the branch.
 *
 * The working tree is only for looking (time travel with `git checkout`). Appends never touch it.
 * When the branch being appended to is the one checked out, the append first detaches HEAD at the
 * commit that was checked out: `git status` stays clean ("HEAD detached at …", nothing to commit)
 * instead of showing the new events as staged deletions, and `git checkout NAME` catches up.
 */
export class Store {
  readonly objects: ObjectStore;
  readonly refs: Refs;
  private readonly now: () => number;
  private readonly warn: Warn;
  private readonly tips = new Map<string, Tip>();
  private readonly lanes = new Map<string, Lane>();
  private readonly commitCache = new Map<string, CommitInfo>();
  private readonly blobLists = new Map<string, readonly string[]>();
  private readonly cache: EventCache;
  private readonly loose: boolean;

  private constructor(
    readonly gitDir: string,
    readonly workTree: string | undefined,
    options: StoreOptions,
  ) {
    const common = commonDir(gitDir);
    const durable = options.durable ?? (process.env.AGENTLOG_FSYNC === '1' || readConfig(gitDir, 'agentlog.fsync') === 'true');
    this.warn = options.warn ?? (() => {});
    this.now = options.now ?? Date.now;
    this.objects = new ObjectStore(common, durable);
    this.refs = new Refs(common, durable, this.warn, { waitMs: options.lockWaitMs });
    this.loose = options.objectWrites === 'loose';
    this.cache = new EventCache(path.join(common, 'agentlog', 'cache'));
  }

  /** The folder a person knows the store by: the working tree, or the git dir of a bare store. */
  get dir(): string {
    return this.workTree ?? this.gitDir;
  }

  /** Open the git repository at `dir` (a working tree or a bare repository) as a store. */
  static open(dir: string, options: StoreOptions = {}): Store {
    const found = findGitDir(path.resolve(dir));
    if (!found) {
      throw new AgentlogError('E_STORE', `${dir} is not a git repository, so not an agentlog store (make one with: agentlog init ${dir})`, { dir });
    }
    return new Store(found.gitDir, found.workTree, options);
  }

  /** True when `dir` holds a repository marked as an agentlog store by `init`. */
  static isMarked(dir: string): boolean {
    const found = findGitDir(path.resolve(dir));
    return !!found && readConfig(found.gitDir, 'agentlog.version') !== undefined;
  }

  /**
   * Create a store at `dir` (idempotent: an existing store is opened as it is). When `dir` lies in
   * another git working tree, the store is added to that repository's `.git/info/exclude`.
   */
  static init(dir: string, options: StoreOptions = {}): { store: Store; created: boolean; excludedIn?: string } {
    const abs = path.resolve(dir);
    const existing = findGitDir(abs);
    let created = false;
    if (existing) {
      if (readConfig(existing.gitDir, 'agentlog.version') === undefined) {
        fs.appendFileSync(path.join(commonDir(existing.gitDir), 'config'), '[agentlog]\n\tversion = 1\n');
      }
    } else {
      const gitDir = path.join(abs, '.git');
      for (const d of ['objects/info', 'objects/pack', 'refs/heads', 'refs/tags', 'info']) fs.mkdirSync(path.join(gitDir, d), { recursive: true });
      fs.writeFileSync(path.join(gitDir, 'HEAD'), 'ref: refs/heads/main\n');
      fs.writeFileSync(path.join(gitDir, 'description'), 'An agentlog store: each branch is a timeline of agent events.\n');
      fs.writeFileSync(
        path.join(gitDir, 'config'),
        '[core]\n\trepositoryformatversion = 0\n\tfilemode = true\n\tbare = false\n\tlogallrefupdates = true\n[agentlog]\n\tversion = 1\n',
      );
      created = true;
    }
    const excludedIn = excludeFromEnclosing(abs);
    return { store: Store.open(abs, options), created, excludedIn };
  }

  // -------------------------------------------------------------------------------------------------
  // Refs and objects, for sync and readers (the store's own ObjectStore and Refs stay behind these)

  /** The commit a ref points at (a full ref name, e.g. `refs/remotes/origin/x`), or undefined. */
  readRef(ref: string): string | undefined {
    return this.refs.read(ref);
  }

  /** Every ref under `prefix`: full name → commit. */
  listRefs(prefix: string): Map<string, string> {
    return this.refs.list(prefix);
  }

  /** Remove a ref if it still points at `expected` (git's protocol); false when it had moved. */
  deleteRef(ref: string, expected: string): Promise<boolean> {
    return this.refs.delete(ref, expected);
  }

  /** What HEAD names: the ref it is attached to, and the commit it resolves to. */
  head(): { symbolic?: string; oid?: string } {
    return this.refs.head();
  }

  /**
   * Move a ref from `expected` (undefined: it must not exist) to `next` by compare-and-swap; false
   * when it had moved. The detach-HEAD rule, stated once: when HEAD is attached to this ref and the
   * ref is at `expected`, HEAD is first detached there, so a checked-out working tree stays clean.
   */
  async moveRef(ref: string, expected: string | undefined, next: string): Promise<boolean> {
    if (expected !== undefined && this.refs.headSymbolic() === ref && this.refs.read(ref) === expected) await this.refs.detachHead(expected);
    return this.refs.compareAndSwap(ref, expected, next);
  }

  /** True when the object database holds `oid`. */
  hasObject(oid: string): boolean {
    return this.objects.has(oid);
  }

  /** A raw git object, whatever its type. */
  readGitObject(oid: string): GitObject {
    return this.objects.read(oid);
  }

  /** The store's objects/ folder (where received packs are installed). */
  get objectsDir(): string {
    return this.objects.objectsDir;
  }

  /** Look again for packs another process or a fetch added. */
  refreshPacks(): void {
    this.objects.refreshPacks();
  }

  // -------------------------------------------------------------------------------------------------
  // Timelines

  /** Every timeline: name → tip commit, sorted by name. */
  timelines(): Map<string, string> {
    const out = new Map<string, string>();
    for (const [ref, oid] of this.refs.list('refs/heads/')) out.set(ref.slice('refs/heads/'.length), oid);
    return out;
  }

  tipOf(name: string): string | undefined {
    return this.refs.read(timelineRef(name));
  }

  /** Start a session: a genesis event (`kind: session`) on a new branch. */
  async create(name: string, genesis: EventInput): Promise<Appended> {
    const ref = timelineRef(name);
    if (this.refs.read(ref)) throw new AgentlogError('E_REF', `timeline ${name} already exists`, { name });
    const sealed = this.seal(genesis, 0, null);
    const objects: PackObject[] = [];
    const commit = this.buildCommit(sealed, [], undefined, objects);
    this.writeObjects(objects);
    if (!(await this.refs.compareAndSwap(ref, undefined, commit.oid))) {
      throw new AgentlogError('E_REF', `timeline ${name} was created by another writer meanwhile`, { name });
    }
    this.tips.set(ref, { commit: commit.oid, seq: 0, cid: sealed.cid, spine: commit.spine });
    return { cid: sealed.cid, seq: 0, commit: commit.oid, event: sealed.event };
  }

  /**
   * Append one event to a timeline: one commit, published by compare-and-swap. When another writer
   * moved the timeline first, the event is rebuilt on the new tip (new `seq` and `prev`) and tried
   * again, so concurrent writers all succeed and no event is lost.
   *
   * Group commit: appends to one timeline that are waiting at the same time (called without awaiting
   * the previous one, as `agentlog append --json` and imports do) are written together: still one
   * commit per event, in call order, but their objects go into one pack and the branch moves once,
   * to the last of them. Each promise resolves when its commit is reachable from the branch. An
   * append awaited alone is written alone, at once.
   *
   * `after`: the event must follow that commit, and `seq`: the event must get that seq; otherwise it
   * is not appended (E_REF with data.moved) — and neither is a later one whose condition then fails.
   */
  append(name: string, input: EventInput, options: AppendOptions = {}): Promise<Appended> {
    let ref: string;
    try {
      ref = timelineRef(name);
    } catch (e) {
      return Promise.reject(e);
    }
    return new Promise<Appended>((resolve, reject) => {
      let lane = this.lanes.get(ref);
      if (!lane) {
        lane = { queue: [], running: false };
        this.lanes.set(ref, lane);
      }
      lane.queue.push({ input, options, resolve, reject });
      if (!lane.running) {
        lane.running = true;
        const started = lane;
        // After the caller's current turn: appends it makes without awaiting join the same batch.
        setImmediate(() => void this.drain(ref, name, started));
      }
    });
  }

  /** Write a lane's waiting appends, in order, a batch at a time, until none are left. */
  private async drain(ref: string, name: string, lane: Lane): Promise<void> {
    try {
      while (lane.queue.length) {
        const batch = lane.queue.splice(0, MAX_BATCH);
        const later = await this.commitBatch(ref, name, batch);
        lane.queue.unshift(...later);
      }
    } finally {
      lane.running = false;
      if (this.lanes.get(ref) === lane) this.lanes.delete(ref);
    }
  }

  /**
   * Seal, write and publish a batch of appends; settles their promises and never throws. Once the
   * batch's events reach MAX_BATCH_BYTES the rest wait for the next batch: they are returned.
   */
  private async commitBatch(ref: string, name: string, batch: PendingAppend[]): Promise<PendingAppend[]> {
    for (let attempt = 0; ; attempt++) {
      const objects: PackObject[] = [];
      let bytes = 0;
      let later: PendingAppend[] = [];
      const done: Array<[PendingAppend, Appended]> = [];
      const failed: Array<[PendingAppend, unknown]> = [];
      // Chains that fail in this attempt; marked failed only once the batch is settled, since a
      // retry (the branch moved) must judge the events before the failed one again.
      const failedChains = new Set<{ failed?: boolean }>();
      let tip: Tip;
      try {
        tip = this.loadTip(ref, name);
        let cur = tip;
        const fail = (p: PendingAppend, e: unknown) => {
          failed.push([p, e]);
          if (p.options.chain) failedChains.add(p.options.chain);
        };
        for (const [i, p] of batch.entries()) {
          if (bytes >= MAX_BATCH_BYTES) {
            later = batch.slice(i);
            break;
          }
          const { after, seq, chain } = p.options;
          if (chain && (chain.failed || failedChains.has(chain))) {
            failed.push([p, new AgentlogError('E_CHAIN', `not appended to ${name}: an event before it failed`, { name })]);
            continue;
          }
          if (after !== undefined && cur.commit !== after) {
            fail(p, new AgentlogError('E_REF', `timeline ${name} moved: its tip is ${cur.commit}, not ${after}`, { name, moved: true, tip: cur.commit }));
            continue;
          }
          if (seq !== undefined && cur.seq + 1 !== seq) {
            fail(p, new AgentlogError('E_REF', `timeline ${name} moved: the next event would be seq ${cur.seq + 1}, not ${seq}`, { name, moved: true, tip: cur.commit }));
            continue;
          }
          let sealed: StoredEvent;
          try {
            sealed = this.seal(p.input, cur.seq + 1, cur.cid);
          } catch (e) {
            fail(p, e);
            continue;
          }
          bytes += sealed.bytes.length;
          const commit = this.buildCommit(sealed, cur.spine, cur.commit, objects);
          cur = { commit: commit.oid, seq: sealed.event.seq, cid: sealed.cid, spine: commit.spine };
          done.push([p, { cid: sealed.cid, seq: cur.seq, commit: cur.commit, event: sealed.event }]);
        }
        if (done.length) {
          this.writeObjects(objects);
          if (!(await this.moveRef(ref, tip.commit, cur.commit))) {
            this.tips.delete(ref);
            if (attempt > 10_000) throw new AgentlogError('E_REF', `timeline ${name} keeps moving; gave up appending`, { name });
            continue;
          }
          this.tips.set(ref, cur);
        }
      } catch (e) {
        for (const p of batch) {
          if (p.options.chain) p.options.chain.failed = true;
          p.reject(e);
        }
        return [];
      }
      for (const chain of failedChains) chain.failed = true;
      for (const [p, e] of failed) p.reject(e);
      for (const [p, a] of done) p.resolve(a);
      return later;
    }
  }

  /** A new timeline pointing at `commit` (sharing all history up to it). */
  async branch(name: string, commit: string, forkedFrom?: string): Promise<void> {
    const ref = timelineRef(name);
    if (!(await this.refs.compareAndSwap(ref, undefined, commit))) {
      throw new AgentlogError('E_REF', `timeline ${name} already exists`, { name });
    }
    if (forkedFrom) await this.recordFork(name, forkedFrom);
  }

  private seal(input: EventInput, seq: number, prev: CID | null): StoredEvent {
    if (input === null || typeof input !== 'object' || Array.isArray(input)) {
      throw new AgentlogError('E_EVENT', 'an event must be a map');
    }
    if (typeof input.kind !== 'string' || !input.kind) throw new AgentlogError('E_EVENT', 'an event needs a "kind" (a non-empty string)');
    const event = eventRecord(input, seq, prev);
    if (event.ts === undefined) event.ts = this.now();
    return sealEvent(event as Event, `event seq ${seq}`);
  }

  /**
   * The objects of one append (event blob, the trees on its path, root tree, commit), added to
   * `objects`; they are written (writeObjects) before any ref names them. `spine` is the previous
   * tip's path.
   */
  private buildCommit(sealed: StoredEvent, spine: TreeEntry[][], parent: string | undefined, objects: PackObject[]) {
    const { seq } = sealed.event;
    const path = eventPath(seq);
    const prevPath = seq > 0 ? eventPath(seq - 1) : [];
    const add = (type: 'blob' | 'tree' | 'commit', content: Uint8Array): string => {
      const oid = ObjectStore.hash(type, content);
      objects.push({ type, content, oid });
      return oid;
    };
    let child: TreeEntry = { mode: FILE, name: path[DIR_LEVELS], oid: add('blob', sealed.bytes) };
    const next: TreeEntry[][] = new Array(DIR_LEVELS + 1);
    for (let level = DIR_LEVELS; level >= 0; level--) {
      // The folder at this level is the previous tip's when every folder name above it is the same.
      const same = seq > 0 && path.slice(0, level).every((name, i) => name === prevPath[i]);
      const entries = same ? (spine[level] ?? []).slice() : [];
      if (entries.length && entries[entries.length - 1].name === child.name) entries[entries.length - 1] = child;
      else entries.push(child);
      next[level] = entries;
      const oid = add('tree', serializeTree(entries));
      child = level > 0 ? { mode: DIR, name: path[level - 1], oid } : { mode: DIR, name: EVENTS_DIR, oid };
    }
    const root = add('tree', serializeTree([child]));
    const actor = actorOf(sealed.event);
    // git accepts no date before the epoch (fsck: badDateOverflow); the event keeps its own ts.
    const when = { name: actor, email: `${emailSlug(actor)}@agentlog`, time: Math.max(0, Math.floor(sealed.event.ts / 1000)), tz: '+0000' };
    const message = `${summarize(sealed.event) || sealed.event.kind}\n\n${TRAILER_EVENT}: ${sealed.cid}\n${TRAILER_SEQ}: ${seq}\n`;
    const oid = add('commit', serializeCommit({ tree: root, parents: parent ? [parent] : [], author: when, committer: when, message }));
    return { oid, spine: next };
  }

  private writeObjects(objects: PackObject[]): void {
    if (this.loose) for (const o of objects) this.objects.write(o.type, o.content, o.oid);
    else this.objects.writeBatch(objects);
  }

  /** The tip of a timeline, from memory when the ref has not moved, else read from the repository. */
  private loadTip(ref: string, name: string): Tip {
    const commit = this.refs.read(ref);
    if (!commit) throw new AgentlogError('E_REF', `no timeline named ${name} (see: agentlog ls)`, { name });
    const cached = this.tips.get(ref);
    if (cached?.commit === commit) return cached;
    const spine = this.spine(commit);
    const leaf = spine[DIR_LEVELS];
    const lastFile = leaf[leaf.length - 1];
    const { event, cid } = this.eventFromBlob(lastFile.oid, `${name} tip (${commit})`);
    const tip = { commit, seq: event.seq, cid, spine };
    this.tips.set(ref, tip);
    return tip;
  }

  // -------------------------------------------------------------------------------------------------
  // Reading

  readObject(oid: string, type: 'blob' | 'tree' | 'commit') {
    const obj = this.objects.read(oid);
    if (obj.type !== type) throw new AgentlogError('E_OBJECT', `git object ${oid} is a ${obj.type}, not a ${type}`, { oid });
    return obj;
  }

  readCommit(oid: string): Commit {
    return parseCommit(this.readObject(oid, 'commit').content, oid);
  }

  private readTree(oid: string): TreeEntry[] {
    return parseTree(this.readObject(oid, 'tree').content, oid);
  }

  /** The event in a blob, decoded strictly, its CID computed from the bytes; `where` names it in errors. */
  eventFromBlob(oid: string, where: string): StoredEvent {
    return openEvent(this.readObject(oid, 'blob').content, where);
  }

  /** The event of seq `seq` in a commit's tree (one path down the tree, not the whole timeline). */
  eventAt(commit: string, seq: number): StoredEvent | undefined {
    const names = eventPath(seq);
    const file = this.treeAt(commit, names.slice(0, DIR_LEVELS))?.find((e) => e.name === names[DIR_LEVELS] && e.mode === FILE);
    return file && this.eventFromBlob(file.oid, `${EVENTS_DIR}/${names.join('/')} of commit ${commit}`);
  }

  /** A commit with its trailers read (seq, event CID). Cached: commits never change. */
  commitInfo(oid: string): CommitInfo {
    let info = this.commitCache.get(oid);
    if (!info) {
      const commit = this.readCommit(oid);
      const t = trailers(commit.message);
      let cid: CID | undefined;
      try {
        cid = t[TRAILER_EVENT] ? parseCid(t[TRAILER_EVENT]) : undefined;
      } catch {
        cid = undefined;
      }
      const seq = t[TRAILER_SEQ] !== undefined && /^\d+$/.test(t[TRAILER_SEQ]) ? Number(t[TRAILER_SEQ]) : -1;
      info = { oid, commit, seq, cid };
      this.commitCache.set(oid, info);
    }
    return info;
  }

  /** The commits of a timeline from `tip` back to genesis (first parents). */
  *history(tip: string): Generator<CommitInfo> {
    let oid: string | undefined = tip;
    while (oid) {
      const info = this.commitInfo(oid);
      yield info;
      oid = info.commit.parents[0];
    }
  }

  /** The entries of each tree on the path to a commit's last event: `events/`, then each folder down. */
  spine(commit: string): TreeEntry[][] {
    const out: TreeEntry[][] = [this.eventsTree(commit)];
    for (let level = 1; level <= DIR_LEVELS; level++) {
      const last = out[level - 1][out[level - 1].length - 1];
      if (!last || last.mode !== DIR) throw new AgentlogError('E_OBJECT', `commit ${commit} holds no events under ${EVENTS_DIR}/`, { commit });
      out.push(this.readTree(last.oid));
    }
    if (!out[DIR_LEVELS].length) throw new AgentlogError('E_OBJECT', `commit ${commit} holds an empty folder under ${EVENTS_DIR}/`, { commit });
    return out;
  }

  /** The entries of the tree at `names` below a commit's `events/` (undefined if there is none). */
  treeAt(commit: string, names: string[]): TreeEntry[] | undefined {
    let entries = this.eventsTree(commit);
    for (const name of names) {
      const e = entries.find((x) => x.name === name && x.mode === DIR);
      if (!e) return undefined;
      entries = this.readTree(e.oid);
    }
    return entries;
  }

  /** The entries of a commit's `events/` tree. */
  private eventsTree(commit: string): TreeEntry[] {
    const events = this.readTree(this.commitInfo(commit).commit.tree).find((e) => e.name === EVENTS_DIR && e.mode === DIR);
    if (!events) throw new AgentlogError('E_OBJECT', `commit ${commit} has no ${EVENTS_DIR}/ tree: not an agentlog commit`, { commit });
    return this.readTree(events.oid);
  }

  /**
   * The blob ids of every event in a commit's tree, in seq order (checked to be 0, 1, 2, …).
   * Remembered for the last BLOB_LISTS commits (commits never change): a live view lists the same
   * tips again at every refresh. The array is shared: do not change it.
   */
  eventBlobs(commit: string): readonly string[] {
    let list = this.blobLists.get(commit);
    if (!list) {
      list = Object.freeze(this.walkEventBlobs(commit));
      if (this.blobLists.size >= BLOB_LISTS) this.blobLists.delete(this.blobLists.keys().next().value!);
      this.blobLists.set(commit, list);
    }
    return list;
  }

  private walkEventBlobs(commit: string): string[] {
    const out: string[] = [];
    const walk = (entries: TreeEntry[], level: number, prefix: string): void => {
      for (const e of entries) {
        const want = eventPath(out.length);
        if (e.name !== want[level] || e.mode !== (level === DIR_LEVELS ? FILE : DIR)) {
          throw new AgentlogError('E_VERIFY', `commit ${commit}: expected ${EVENTS_DIR}/${want.join('/')}, found ${prefix}${e.name}`, { commit, seq: out.length });
        }
        if (level === DIR_LEVELS) out.push(e.oid);
        else walk(this.readTree(e.oid), level + 1, `${prefix}${e.name}/`);
      }
    };
    walk(this.eventsTree(commit), 0, `${EVENTS_DIR}/`);
    return out;
  }

  /**
   * Every event of the timeline as of `commit`, decoded strictly. CIDs are computed from the bytes
   * when read from git; the event cache (cache.ts) keeps them beside the bytes. The cache serves this
   * commit, or an ancestor up to CACHE_LOOKBACK commits back (then only newer events are read from
   * git), and is trusted only when the prev links chain up to the commit's Agentlog-Event trailer.
   * Timelines of CACHE_MIN events or more are cached after a read (see CACHE_REWRITE).
   */
  readEvents(commit: string): StoredEvent[] {
    const where = (seq: number) => `event seq ${seq} of commit ${commit}`;
    const own = this.cache.read(commit);
    if (own) {
      const events = own.map((e, seq) => openEvent(e.bytes, where(seq), e.cid, e.source));
      if (this.chainHolds(commit, events)) return events;
      this.cache.remove(commit);
    }
    // An ancestor's cache file to start from: only timelines of CACHE_MIN events get one, so a
    // shorter timeline has none to look for.
    let base: StoredEvent[] = [];
    let baseCommit: string | undefined;
    if (this.commitInfo(commit).seq + 1 >= CACHE_MIN) {
      let depth = 0;
      for (const c of this.history(commit)) {
        if (depth++ > CACHE_LOOKBACK) break;
        if (c.oid === commit || !this.cache.has(c.oid)) continue;
        const file = this.cache.read(c.oid);
        if (file) {
          base = file.map((e, seq) => openEvent(e.bytes, where(seq), e.cid, e.source));
          baseCommit = c.oid;
        } else this.cache.remove(c.oid); // damaged
        break;
      }
    }
    const blobs = this.eventBlobs(commit);
    const fromGit = (seq: number) => this.eventFromBlob(blobs[seq], `event seq ${seq} (blob ${blobs[seq]})`);
    const cached = base.length <= blobs.length ? base.length : 0;
    let out = cached ? base : [];
    for (let seq = out.length; seq < blobs.length; seq++) out.push(fromGit(seq));
    if (baseCommit && cached && !this.chainHolds(commit, out)) {
      this.cache.remove(baseCommit); // not what it claims to be
      baseCommit = undefined;
      out = blobs.map((_, seq) => fromGit(seq));
    }
    // A new cache file only when there is none to build on, or this commit is CACHE_REWRITE events
    // past it: reading a growing timeline again and again must not write the whole timeline each
    // time. The file it supersedes goes, unless a timeline still ends at that commit.
    if (out.length >= CACHE_MIN && !own && (!baseCommit || out.length - cached >= CACHE_REWRITE)) {
      this.cache.write(commit, out);
      if (baseCommit && ![...this.timelines().values()].includes(baseCommit)) this.cache.remove(baseCommit);
    }
    return out;
  }

  /** Cached events are trusted only when their prev links chain up to the commit's own trailer. */
  private chainHolds(commit: string, events: StoredEvent[]): boolean {
    const tip = this.commitInfo(commit);
    if (!tip.cid || tip.seq !== events.length - 1 || !tip.cid.equals(events[events.length - 1]?.cid)) return false;
    for (let i = 1; i < events.length; i++) {
      if (!events[i].event.prev?.equals(events[i - 1].cid)) return false;
    }
    return true;
  }

  // -------------------------------------------------------------------------------------------------
  // Forks: which timeline a fork left. Recorded locally when agentlog makes the fork; a store cloned
  // with plain git lacks the record and ls falls back to the commit graph.

  private forksFile(): string {
    return path.join(this.objects.gitDir, 'agentlog', 'forks.json');
  }

  forkRecords(): Record<string, string> {
    let text: string | undefined;
    try {
      text = fs.readFileSync(this.forksFile(), 'utf8');
    } catch {
      text = undefined; // none recorded yet
    }
    return parseForkRecords(text);
  }

  /** Record which timeline a fork left, under a lock (two forks at once both keep their record). */
  async recordFork(name: string, from: string): Promise<void> {
    await this.refs.updateFile(this.forksFile(), (current) => {
      const records = parseForkRecords(current);
      records[name] = from;
      return `${JSON.stringify(records, null, 1)}\n`;
    });
  }
}

/** forks.json's records (fork name → timeline it left); anything unreadable counts as none. */
function parseForkRecords(text: string | undefined): Record<string, string> {
  // Timeline names are looked up here: no inherited keys ("constructor", "toString" are names too).
  const out: Record<string, string> = Object.create(null);
  try {
    const parsed: unknown = text === undefined ? undefined : JSON.parse(text);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
      for (const [k, v] of Object.entries(parsed)) if (typeof v === 'string') out[k] = v;
    }
  } catch {
    /* not JSON: none */
  }
  return out;
}

function emailSlug(actor: string): string {
  return actor.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'agent';
}

/** Add the store to the enclosing repository's info/exclude; returns that repository's work tree. */
function excludeFromEnclosing(storeDir: string): string | undefined {
  const outer = enclosingWorkTree(storeDir);
  if (!outer) return undefined;
  const rel = path.relative(outer.workTree, storeDir).split(path.sep).join('/');
  if (!rel || rel.startsWith('..')) return undefined;
  const file = path.join(commonDir(outer.gitDir), 'info', 'exclude');
  const line = `/${rel}/`;
  let text = '';
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    fs.mkdirSync(path.dirname(file), { recursive: true });
  }
  if (!text.split('\n').includes(line)) {
    fs.appendFileSync(file, `${text && !text.endsWith('\n') ? '\n' : ''}# agentlog store\n${line}\n`);
  }
  return outer.workTree;
}
